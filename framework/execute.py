"""Running events through a destination: subscriptions -> mapping -> validation -> perform
-> request -> :class:`Result`.

Everything that can be computed once per (destination, settings, mappings) is computed in
the constructor: validated settings, compiled subscriptions and mappings, payload
validators, shared headers and the redactor. ``process`` does only per-event work.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from framework.definition import Action, Destination, HttpRequest
from framework.errors import (
    ActionsError,
    IntegrationError,
    MappingError,
    PayloadValidationError,
    Problem,
)
from framework.events import with_message_id
from framework.http import DEFAULT_TIMEOUT, PreparedRequest, RequestClient, RetryPolicy, prepare
from framework.mapping import MISSING, compile_mapping, referenced_paths
from framework.redaction import Redactor
from framework.responses import error_for_response
from framework.results import ErrorInfo, Result
from framework.settings import secret_values, validate_settings
from framework.subscriptions import compile_subscription
from framework.validation import FieldsValidator


@dataclass(frozen=True)
class ActionSubscription:
    """Run ``action`` on events matching the FQL ``subscription``, with ``mapping``
    (merged over the action's default mappings)."""

    action: str
    subscription: str
    mapping: Mapping[str, Any] = field(default_factory=dict)
    name: str | None = None


@dataclass(frozen=True)
class AuthResult:
    """The outcome of a destination's authentication test."""

    ok: bool
    message: str
    code: str | None = None
    status: int | None = None


class _CompiledAction:
    """An action with one merged mapping, compiled: resolve -> validate -> perform."""

    def __init__(self, slug: str, action: Action, mapping: Mapping[str, Any]) -> None:
        unknown = [key for key in mapping if key not in action.fields]
        if unknown:
            raise MappingError(
                [Problem(f"/{key}", f"action {slug!r} has no field {key!r}") for key in unknown]
            )
        merged = {
            name: spec.default
            for name, spec in action.fields.items()
            if spec.default is not MISSING
        }
        merged.update(mapping)
        self.slug = slug
        self.perform = action.perform
        self._precheck = action.precheck
        self._resolve = compile_mapping(merged)
        self._sources = {name: referenced_paths(value) for name, value in merged.items()}
        self._validator = FieldsValidator(action.fields, strict=False, defaults=False)

    def payload(self, settings: Mapping[str, Any], event: Mapping[str, Any]) -> dict[str, Any]:
        """The validated payload this event resolves to, or :class:`PayloadValidationError`."""
        resolved = self._resolve(event)
        if self._precheck is not None:
            self._precheck(settings, resolved)
        payload, problems = self._validator.validate(resolved)
        if problems:
            raise PayloadValidationError(
                "; ".join(self._explain(loc, why) for loc, why in problems)
            )
        return payload

    def _explain(self, location: str, reason: str) -> str:
        sources = self._sources.get(location.split(".", maxsplit=1)[0])
        where = f" (mapped from {', '.join(sources)})" if sources else ""
        return f"{location}: {reason}{where}"


class DestinationRunner:
    """A destination configured with settings and subscriptions, ready to process events.

    ``base_url`` (operator configuration) replaces the destination's own; ``transport``
    replaces the network (tests pass an ``httpx.MockTransport``); with ``dry_run`` requests
    are built and reported but not sent. Raises :class:`SettingsError` or
    :class:`MappingError` before any event is processed.
    """

    def __init__(
        self,
        destination: Destination,
        settings: Mapping[str, Any],
        *,
        subscriptions: Sequence[ActionSubscription] | None = None,
        base_url: str | None = None,
        dry_run: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.destination = destination
        self.settings = validate_settings(destination, settings)
        self.redactor = Redactor(secret_values(self.settings))
        self._base_url = base_url or destination.base_url
        self._dry_run = dry_run
        extend = destination.extend_request
        self._shared_headers = dict(extend(self.settings)) if extend else {}
        self._client = RequestClient(timeout=timeout, retry=retry, transport=transport, sleep=sleep)
        if subscriptions is None:
            subscriptions = presets_as_subscriptions(destination)
        self._routes = [self._compile(sub) for sub in subscriptions]

    def _compile(
        self, sub: ActionSubscription
    ) -> tuple[Callable[[Mapping[str, Any]], bool], _CompiledAction]:
        compiled = self._compile_action(sub.action, sub.mapping)
        return compile_subscription(sub.subscription).matches, compiled

    def _compile_action(self, slug: str, mapping: Mapping[str, Any]) -> _CompiledAction:
        action = self.destination.actions.get(slug)
        if action is None:
            known = ", ".join(sorted(self.destination.actions))
            raise MappingError([Problem("", f"unknown action {slug!r} (known: {known})")])
        return _CompiledAction(slug, action, mapping)

    def process(self, event: object) -> list[Result]:
        """Every matched action's result for one event, or one ``skipped`` result."""
        if not isinstance(event, dict):
            return [self.invalid_event(None, f"an event must be a JSON object, not {_kind(event)}")]
        event = with_message_id(event)
        message_id = event["messageId"]
        results = [
            self._run(compiled, event, message_id)
            for matches, compiled in self._routes
            if matches(event)
        ]
        return results or [Result(message_id, None, "skipped")]

    def run_action(
        self, slug: str, event: dict[str, Any], mapping: Mapping[str, Any] | None = None
    ) -> Result:
        """Run one action on one event regardless of subscriptions (tests, the UI).

        The mapping is compiled on each call; use subscriptions for repeated work.
        """
        event = with_message_id(event)
        compiled = self._compile_action(slug, mapping or {})
        return self._run(compiled, event, event["messageId"])

    def invalid_event(self, message_id: str | None, message: str) -> Result:
        """The result for input that is not an event at all."""
        error = ErrorInfo("INVALID_EVENT", self.redactor.text(message), retryable=False)
        return Result(message_id, None, "failed", error=error)

    def _run(
        self, compiled: _CompiledAction, event: Mapping[str, Any], message_id: str | None
    ) -> Result:
        prepared: PreparedRequest | None = None
        try:
            payload = compiled.payload(self.settings, event)
            request = compiled.perform(self.settings, payload)
            if not isinstance(request, HttpRequest):
                raise IntegrationError(
                    f"perform of {compiled.slug!r} returned {_kind(request)}, not an HttpRequest",
                    code="INVALID_REQUEST",
                )
            prepared = prepare(
                request, base_url=self._base_url, shared_headers=self._shared_headers
            )
            if self._dry_run:
                return Result(message_id, compiled.slug, "dry_run", self._show(prepared))
            self._client.send(prepared)
            return Result(message_id, compiled.slug, "delivered", self._show(prepared))
        except ActionsError as error:
            return self._failed(message_id, compiled.slug, prepared, error, error.message)
        except Exception as error:  # a bug in a plugin must not stop the run
            unexpected = IntegrationError("", code="UNEXPECTED_ERROR")
            message = f"{compiled.slug} failed unexpectedly: {type(error).__name__}: {error}"
            return self._failed(message_id, compiled.slug, prepared, unexpected, message)

    def _failed(
        self,
        message_id: str | None,
        slug: str,
        prepared: PreparedRequest | None,
        error: ActionsError,
        message: str,
    ) -> Result:
        shown = self._show(prepared) if prepared else None
        info = ErrorInfo.of(error, self.redactor.text(message))
        return Result(message_id, slug, "failed", shown, info)

    def _show(self, prepared: PreparedRequest) -> dict[str, Any]:
        return {
            "method": prepared.method,
            "url": self.redactor.text(prepared.url),
            "headers": self.redactor.headers(prepared.headers),
            "json": self.redactor.value(prepared.json),
        }

    def test_authentication(self) -> AuthResult:
        """Run the destination's authentication test against the configured base URL."""
        auth = self.destination.authentication
        if auth is None:
            return AuthResult(True, f"{self.destination.name} has no authentication test")
        try:
            prepared = prepare(
                auth.request(self.settings),
                base_url=self._base_url,
                shared_headers=self._shared_headers,
            )
            response = self._client.exchange(prepared)
        except ActionsError as error:
            return AuthResult(False, self.redactor.text(error.message), error.code)
        failure = error_for_response(response)
        if failure is None:
            return AuthResult(True, "authentication succeeded", status=response.status_code)
        message = auth.failures.get(response.status_code, failure.message)
        return AuthResult(False, self.redactor.text(message), failure.code, response.status_code)

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()

    def __enter__(self) -> DestinationRunner:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def presets_as_subscriptions(
    destination: Destination, overrides: Mapping[str, Mapping[str, Any]] | None = None
) -> list[ActionSubscription]:
    """The destination's presets as subscriptions; ``overrides`` (action slug -> mapping)
    are merged over the presets' own mappings."""
    overrides = overrides or {}
    return [
        ActionSubscription(
            preset.action,
            preset.subscription,
            {**preset.mapping, **overrides.get(preset.action, {})},
            preset.name,
        )
        for preset in destination.presets
    ]


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__
