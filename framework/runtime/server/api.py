"""The JSON API the settings page uses, over the registered destinations.

Request bodies are JSON objects, already parsed by the handler; a body of the wrong shape
is a 400, a document the framework rejects (settings, mappings, an event that is not an
object) a 422 listing every problem. Nothing a response says echoes a secret: messages
never contain input values, and requests and payloads are redacted by the runner. Connecting
with OAuth 2.0 answers connection references (``oauth:<id>``), never a token.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from framework.authoring.definition import Destination
from framework.authoring.oauth import connection_id
from framework.authoring.settings import partial_settings, secret_values
from framework.authoring.validation import FieldsValidator
from framework.core.errors import ActionsError
from framework.core.redaction import Redactor
from framework.engine.choices import list_choices
from framework.engine.oauth.connect import UNKNOWN_FLOW, ConnectError, ConnectFlows, FlowStatus
from framework.engine.operator import OperatorConfig
from framework.languages.mapping import compile_mapping
from framework.runtime.server.catalog import default_mapping, details, summary
from framework.runtime.server.checks import mapping_check, open_runner, settings_check
from framework.runtime.server.control_api import ControlApi
from framework.runtime.server.errors import ApiError, bad_request, not_found
from framework.runtime.server.tester import dry_run

Body = Mapping[str, Any]


@dataclass(frozen=True)
class SettingsApi:
    """The operations of the API, under the ``operator``'s configuration (endpoints that
    replace destinations' base URLs, as ``--endpoint`` does for the command line, the
    time-out, private targets). The schemas come from the ``schemas`` folder (committed by
    ``actions schemas``) or, when it is ``None``, are generated from the destinations'
    definitions (the same documents, so an installed package needs no folder). ``control``
    serves the control plane's connections (``serve --config``)."""

    destinations: Mapping[str, Destination]
    schemas: Path | None = None
    operator: OperatorConfig = field(default_factory=OperatorConfig)
    control: ControlApi = field(default_factory=ControlApi)
    flows: ConnectFlows = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "flows", ConnectFlows(self.destinations, self.operator))

    def list(self) -> dict[str, Any]:
        """``GET /api/destinations``."""
        return {"destinations": [summary(d) for d in self.destinations.values()]}

    def describe(self, slug: str) -> dict[str, Any]:
        """``GET /api/destinations/<slug>``: the schemas and default mappings."""
        return details(self._destination(slug), self.schemas)

    def validate_settings(self, slug: str, body: Body) -> dict[str, Any]:
        """``POST .../validate-settings`` ``{"settings"}`` -> ``{"ok", "problems"}``."""
        destination = self._destination(slug)
        problems = settings_check(destination, _object(body, "settings"), self.operator)
        return {"ok": not problems, "problems": problems}

    def validate_mapping(self, slug: str, body: Body) -> dict[str, Any]:
        """``POST .../validate-mapping`` ``{"action", "mapping"}`` -> ``{"ok", "problems"}``."""
        destination = self._destination(slug)
        action = body.get("action")
        if not isinstance(action, str):
            raise bad_request("action: expected an action slug")
        if action not in destination.actions:
            raise not_found(f"{slug} has no action {action!r}")
        if "mapping" not in body:
            raise bad_request("mapping: is required")
        problems = mapping_check(action, destination.actions[action], body["mapping"])
        return {"ok": not problems, "problems": problems}

    def resolve(self, slug: str, body: Body) -> dict[str, Any]:
        """``POST .../resolve`` ``{"action", "mapping", "event", "settings"?}`` ->
        ``{"fields": {name: {"value", "problem"}}}``: each field of the action, its
        ``mapping`` merged over its default (as the page shows it), resolved from
        ``event`` and validated as the runner validates it (for the mapping editor).
        Values are redacted of the secrets of ``settings``."""
        destination = self._destination(slug)
        action_slug = body.get("action")
        if not isinstance(action_slug, str) or action_slug not in destination.actions:
            raise not_found(f"{slug} has no action {action_slug!r}")
        action = destination.actions[action_slug]
        mapping = body.get("mapping", {})
        problems = mapping_check(action_slug, action, mapping)
        if problems:
            raise ApiError(422, "INVALID_MAPPING", "invalid mapping", problems)
        event = body.get("event")
        if not isinstance(event, dict):
            raise ApiError(422, "INVALID_EVENT", "event: an event must be a JSON object")
        redactor = Redactor(_secrets_of(destination, body.get("settings")))
        merged = {**default_mapping(destination, action_slug), **mapping}
        resolved: dict[str, Any] = {}
        failed: dict[str, str] = {}
        for name, field_mapping in merged.items():
            try:
                value = compile_mapping({name: field_mapping})(event)
            except ActionsError as error:
                failed[name] = error.message
                continue
            if isinstance(value, dict) and name in value:
                resolved[name] = value[name]
        validator = FieldsValidator(action.fields, strict=False, defaults=False)
        for location, reason in validator.validate(resolved)[1]:
            failed.setdefault(location.split(".", maxsplit=1)[0], f"{location}: {reason}")
        return {
            "fields": {
                name: {
                    "value": redactor.value(resolved.get(name)),
                    "problem": None if name not in failed else redactor.text(failed[name]),
                }
                for name in action.fields
            }
        }

    def test_connection(self, slug: str, body: Body) -> dict[str, Any]:
        """``POST .../test-connection`` ``{"settings", "stored"?}`` -> ``{"ok", "message",
        "code", "status"}``: the destination's authentication test, really sent (``stored``:
        see :meth:`_settings`)."""
        destination = self._destination(slug)
        settings = self._settings(destination, body)
        with open_runner(destination, settings, operator=self.operator, dry_run=False) as runner:
            outcome = runner.test_authentication()
        return {
            "ok": outcome.ok,
            "message": outcome.message,
            "code": outcome.code,
            "status": outcome.status,
        }

    def dry_run(self, slug: str, body: Body) -> dict[str, Any]:
        """``POST .../dry-run`` ``{"settings", "mappings"?, "event"}`` -> per subscription:
        matched, the resolved payload, and the request or the coded error; a preset off by
        default runs only when ``mappings`` names its action; ``skipped`` gives the reason
        when nothing ran (see :mod:`framework.runtime.server.tester`)."""
        destination = self._destination(slug)
        settings = self._settings(destination, body)
        mappings = _mappings(destination, body.get("mappings", {}))
        event = body.get("event")
        if not isinstance(event, dict):
            raise ApiError(422, "INVALID_EVENT", "event: an event must be a JSON object")
        with open_runner(destination, settings, operator=self.operator) as runner:
            return dry_run(runner, destination, mappings, event)

    def choices(self, slug: str, body: Body) -> dict[str, Any]:
        """``POST .../choices`` ``{"settings", "field"}`` -> ``{"ok": true, "choices":
        [{"value", "label"}]}``, or ``{"ok": false, "code", "message"}`` when they cannot be
        listed (a setting still missing, refused credentials, a time-out: see
        :mod:`framework.engine.choices`)."""
        destination = self._destination(slug)
        settings = self._settings(destination, body)
        name = body.get("field")
        if not isinstance(name, str) or not name:
            raise bad_request('field: expected a field name ("<setting>" or "<action>.<field>")')
        try:
            found = list_choices(destination, settings, name, operator=self.operator)
        except ActionsError as error:  # ChoicesError, or settings the runner refuses
            return {"ok": False, "code": error.code, "message": error.message}
        return {"ok": True, "choices": found}

    def connect(self, slug: str, body: Body, redirect_uri: str) -> dict[str, Any]:
        """``POST .../connect`` ``{"connection"?}`` -> ``{"flow", "authorize_url"}``: the
        provider's page to open, which sends the browser back to ``redirect_uri``;
        ``connection`` (the reference the settings hold) reconnects that connection."""
        destination = self._destination(slug)
        if destination.oauth is None:
            raise not_found(f"{slug} does not connect with OAuth 2.0")
        reuse = body.get("connection")
        if reuse is not None and (not isinstance(reuse, str) or connection_id(reuse) is None):
            raise bad_request('connection: expected a connection reference ("oauth:<id>")')
        try:
            flow, url = self.flows.start(slug, redirect_uri, reuse=reuse)
        except ConnectError as error:  # the operator configured no OAuth client
            raise ApiError(409, error.code, error.message) from None
        return {"flow": flow, "authorize_url": url}

    def connect_status(self, flow: str) -> dict[str, Any]:
        """``GET /api/connect/<flow>`` -> ``{"status": "pending"|"connected"|"failed",
        "connection"?, "code"?, "message"?}``; 404 for an unknown or expired flow."""
        status = self.flows.status(flow)
        if status is None:
            raise not_found("unknown or expired connection attempt: press Connect again")
        return status.to_json()

    def finish_connect(self, query: Mapping[str, str]) -> tuple[int, FlowStatus]:
        """``GET /oauth/callback?state=&code=|error=``: the provider's answer, handled (the
        code exchanged for tokens, which are stored). The HTTP status (400 for an answer
        that names no flow of this server) and the flow's outcome, which the page shows."""
        state = query.get("state", "")
        status = self.flows.finish(state, code=query.get("code"), error=query.get("error"))
        return (400 if status.code == UNKNOWN_FLOW else 200), status

    def _settings(self, destination: Destination, body: Body) -> dict[str, Any]:
        """The body's ``settings``; with ``stored`` (the name of a saved connection open on
        the page), each secret sent as ``{"secret": true}`` is that connection's stored one:
        the page never holds it."""
        settings = _object(body, "settings")
        name = body.get("stored")
        if name is None:
            return settings
        if not isinstance(name, str):
            raise bad_request("stored: expected the name of a saved connection")
        plane = self.control.plane
        if plane is None:
            raise not_found("stored: there are no saved connections without the runtime")
        return plane.with_stored_secrets(name, destination, settings)

    def _destination(self, slug: str) -> Destination:
        destination = self.destinations.get(slug)
        if destination is None:
            raise not_found(f"unknown destination {slug!r}")
        return destination


def _secrets_of(destination: Destination, settings: object) -> list[str]:
    """The secret values among ``settings`` (those that are valid)."""
    try:
        return secret_values(partial_settings(destination, settings)[0])
    except ActionsError:  # not an object
        return []


def _object(body: Body, key: str) -> dict[str, Any]:
    value = body.get(key)
    if not isinstance(value, dict):
        raise bad_request(f"{key}: expected a JSON object")
    return value


def _mappings(destination: Destination, mappings: object) -> dict[str, dict[str, Any]]:
    """The edited mappings, action slug -> mapping, each checked; 422 listing every problem,
    each with its action."""
    if not isinstance(mappings, dict):
        raise bad_request("mappings: expected a JSON object (action slug -> mapping)")
    problems = []
    for slug, mapping in mappings.items():
        action = destination.actions.get(slug)
        if action is None:
            problems.append({"action": slug, "location": "", "message": "no such action"})
            continue
        problems += [{"action": slug, **p} for p in mapping_check(slug, action, mapping)]
    if problems:
        raise ApiError(422, "INVALID_MAPPING", "invalid mappings", problems)
    return mappings
