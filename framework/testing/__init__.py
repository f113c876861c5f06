"""Test helpers for destinations: build a test destination, capture requests without a
network, run an action on an event, make test events, and render a sent request for a
snapshot (secrets redacted).

    transport = CapturingTransport(reply(200, {"status": "success"}))
    run = run_action(destination, "award_points", make_track_event("Checked In"), settings,
                     transport=transport)
    assert run.result.status == "delivered"
    assert run.sent() == snapshot
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from framework.authoring.definition import Action, Destination, HttpRequest, Preset
from framework.authoring.field_types import KINDS
from framework.authoring.fields import Field, FieldSpec
from framework.authoring.model import Model, Payload, Settings, values_of
from framework.core.events import make_identify_event as make_identify_event
from framework.core.events import make_track_event as make_track_event
from framework.core.guard import Resolver
from framework.core.redaction import Redactor
from framework.engine.execute import DestinationRunner
from framework.engine.http import RetryPolicy
from framework.engine.results import Result

Responder = Callable[[httpx.Request], httpx.Response]
M = TypeVar("M", bound=Model)
# Set by the HTTP stack, not by a destination: left out of snapshots.
_TRANSPORT_HEADERS = frozenset({"host", "content-length", "accept-encoding", "connection"})


def reply(
    status: int = 200, body: Any = None, headers: Mapping[str, str] | None = None
) -> Responder:
    """A responder answering every request with ``status`` and a JSON ``body``."""

    def respond(_: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body, headers=dict(headers or {}))

    return respond


def replies(*responders: Responder) -> Responder:
    """A responder answering the n-th request with the n-th responder (the last repeats)."""
    remaining = list(responders)

    def respond(request: httpx.Request) -> httpx.Response:
        current = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        return current(request)

    return respond


class CapturingTransport(httpx.MockTransport):
    """An ``httpx.MockTransport`` that records every request it is given."""

    def __init__(self, responder: Responder | None = None) -> None:
        self.requests: list[httpx.Request] = []
        answer = responder or reply(200, {"status": "success"})

        def handle(request: httpx.Request) -> httpx.Response:
            request.read()
            self.requests.append(request)
            return answer(request)

        super().__init__(handle)


def sent_request(request: httpx.Request, redactor: Redactor) -> dict[str, Any]:
    """A request as it went out: method, URL, headers (secrets redacted) and JSON body."""
    headers = {
        name: value for name, value in request.headers.items() if name not in _TRANSPORT_HEADERS
    }
    body = json.loads(request.content) if request.content else None
    return {
        "method": request.method,
        "url": redactor.text(str(request.url)),
        "headers": redactor.headers(headers),
        "json": redactor.value(body),
    }


@dataclass
class ActionRun:
    """The result of :func:`run_action` and the requests that reached the transport."""

    result: Result
    transport: CapturingTransport
    redactor: Redactor = field(repr=False)

    def sent(self) -> list[dict[str, Any]]:
        """Every request sent, redacted, in order: ready for a snapshot assertion."""
        return [sent_request(request, self.redactor) for request in self.transport.requests]


def recording_sleep(waits: list[float]) -> Callable[[float], Awaitable[None]]:
    """A stand-in for ``asyncio.sleep`` that appends each delay it is asked for to
    ``waits`` and returns at once (retry tests assert delays without waiting)."""

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    return sleep


def run_action(
    destination: Destination,
    action: str,
    event: dict[str, Any],
    settings: Mapping[str, Any],
    *,
    mapping: Mapping[str, Any] | None = None,
    transport: CapturingTransport | None = None,
    retry: RetryPolicy | None = None,
    allow_private_targets: bool = False,
    resolver: Resolver | None = None,
    raise_errors: bool = True,
) -> ActionRun:
    """Run one action on one event with settings (and an optional user mapping), capturing
    the requests instead of using the network. ``allow_private_targets`` and ``resolver``
    configure the address guard of tenant URLs, as for :class:`DestinationRunner`.

    An unexpected exception in the plugin's code is raised, with its traceback, unless
    ``raise_errors`` is false (then the result is the ``UNEXPECTED_ERROR`` a user sees)."""
    transport = transport or CapturingTransport()
    with DestinationRunner(
        destination,
        settings,
        subscriptions=[],
        transport=transport,
        retry=retry,
        sleep=recording_sleep([]),
        allow_private_targets=allow_private_targets,
        resolver=resolver,
        raise_plugin_errors=raise_errors,
    ) as runner:
        result = runner.run_action(action, event, mapping)
        return ActionRun(result, transport, runner.redactor)


def run_events(
    destination: Destination,
    events: Iterable[object],
    settings: Mapping[str, Any],
    *,
    transport: CapturingTransport | None = None,
) -> tuple[list[Result], CapturingTransport]:
    """Run events through the destination's presets; the results and the transport."""
    transport = transport or CapturingTransport()
    with DestinationRunner(destination, settings, transport=transport) as runner:
        results = [result for event in events for result in runner.process(event)]
    return results, transport


TEST_BASE_URL = "https://api.test.example/v1"


def post_payload(settings: Settings, payload: Payload) -> HttpRequest:
    """A ``perform`` that POSTs the payload's given values, as they are, to ``/events``."""
    return HttpRequest("POST", "/events", json=values_of(payload))


def model_from_fields(base: type[M], fields: Mapping[str, FieldSpec], name: str) -> type[M]:
    """A settings or payload class declaring ``fields``, as an author would write it
    (tests that build many variants of a field declare them as :class:`FieldSpec`)."""
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__annotations__": annotations, "__module__": __name__}
    for key, spec in fields.items():
        annotations[key] = _annotation(spec, f"{name}_{key}")
        namespace[key] = Field(
            label=spec.label,
            description=spec.description,
            default=spec.default,
            type=spec.type if KINDS[spec.type].refines else None,
            format=spec.format,
            choices=spec.choices,
            allow_null=spec.allow_null,
            placeholder=spec.placeholder,
            minimum=spec.minimum,
            maximum=spec.maximum,
            min_length=spec.min_length,
            max_length=spec.max_length,
        )
    return type(name, (base,), namespace)


def _annotation(spec: FieldSpec, name: str) -> Any:
    annotation: Any = KINDS[spec.type].annotation
    if spec.properties is not None:
        annotation = model_from_fields(Model, spec.properties, name)
    elif spec.values is not None:
        annotation = dict[str, KINDS[spec.values].annotation]  # type: ignore[misc]
    elif spec.type == "object":
        annotation = dict[str, Any]
    if spec.multiple:
        annotation = list[annotation]
    return annotation if spec.required else annotation | None


def _declared(base: type[M], declared: Mapping[str, FieldSpec] | type[M], name: str) -> type[M]:
    return declared if isinstance(declared, type) else model_from_fields(base, declared, name)


def make_test_destination(
    *,
    fields: Mapping[str, FieldSpec] | type[Payload] | None = None,
    settings: Mapping[str, FieldSpec] | type[Settings] | None = None,
    action: Mapping[str, Any] | None = None,
    **overrides: Any,
) -> Destination:
    """A small valid destination for framework and plugin-author tests.

    One action, ``send`` (``fields``, a payload class or its fields; default: a required
    ``user_id`` from ``$.userId``), whose ``perform`` POSTs the payload to ``/events``; one
    preset for track events; ``settings`` (a settings class or its fields) default to a
    required secret ``api_key``. ``action`` replaces ``Action`` arguments, ``overrides``
    replace ``Destination`` arguments.
    """
    if fields is None:
        fields = {
            "user_id": FieldSpec(
                label="User ID", description="Who.", required=True, default={"@path": "$.userId"}
            )
        }
    if settings is None:
        settings = {
            "api_key": FieldSpec(label="API key", description="Key.", type="secret", required=True)
        }
    send = Action(
        **{
            "title": "Send",
            "description": "POST the payload to /events.",
            "payload": _declared(Payload, fields, "TestPayload"),
            "perform": post_payload,
            "default_subscription": 'type = "track"',
            **(action or {}),
        }
    )
    spec: dict[str, Any] = {
        "name": "Test",
        "slug": "test",
        "description": "A destination for tests.",
        "settings": _declared(Settings, settings, "TestSettings"),
        "actions": {"send": send},
        "presets": [Preset(name="Send tracks", subscription='type = "track"', action="send")],
        "base_url": TEST_BASE_URL,
    }
    return Destination(**{**spec, **overrides})
