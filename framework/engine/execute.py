"""Running events through a destination: subscriptions -> mapping -> validation -> perform
-> request -> :class:`Result`.

Everything that can be computed once per (destination, settings, mappings) is computed in
the constructor: validated settings, compiled subscriptions and mappings, payload
validators, shared headers, batch sizes and the redactor. ``process`` does only per-event
work; ``process_batch`` does the same for many events, sending each action's valid
payloads in chunks, one request per chunk.

A request with an absolute URL (a tenant's, from the settings) passes the address guard
(:mod:`framework.core.guard`) before it is sent or reported by a dry run.

Requests go through the async engine (:mod:`framework.engine`): the ``*_async`` methods run
on its event loop (the workers await them); ``process``, ``process_batch``, ``run_action``,
``test_authentication`` and ``close`` are their synchronous faces for the command line, the
settings API and tests, which run them on the process's engine loop and wait.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import traceback
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import httpx

from framework.authoring.definition import Action, Destination, HttpRequest
from framework.authoring.model import Payload, Settings, Unconverted, build
from framework.authoring.settings import partial_settings as settings_so_far
from framework.authoring.settings import secret_values, validate_settings
from framework.authoring.validation import FieldsValidator
from framework.core.errors import (
    ActionsError,
    IntegrationError,
    InvalidAuthenticationError,
    MappingError,
    PayloadValidationError,
    Problem,
    SettingsError,
)
from framework.core.events import with_message_id
from framework.core.guard import AddressGuard, Resolver
from framework.core.redaction import Redactor
from framework.engine.credentials import Credentials
from framework.engine.flow import FlowControl
from framework.engine.http import (
    DEFAULT_TIMEOUT,
    PreparedRequest,
    RequestClient,
    RetryPolicy,
    prepare,
)
from framework.engine.loop import engine_loop
from framework.engine.operator import OperatorConfig
from framework.engine.responses import error_for_response
from framework.engine.results import ErrorInfo, Result, Status
from framework.engine.transport import Response, Transport
from framework.languages.fql import compile_subscription
from framework.languages.mapping import MISSING, compile_mapping, referenced_paths

if TYPE_CHECKING:
    from framework.engine.oauth.session import TokenSessions

NO_SUBSCRIPTION_MATCHED = "no subscription matched"
logger = logging.getLogger("framework.plugins")
_T = TypeVar("_T")


@dataclass(frozen=True)
class ActionSubscription:
    """Run ``action`` on events matching the FQL ``subscription``, with ``mapping``
    (merged over the action's default mappings). ``key`` tells the subscriptions of one
    action apart (a preset's key); ``name`` is only shown."""

    action: str
    subscription: str
    mapping: Mapping[str, Any] = field(default_factory=dict)
    name: str | None = None
    key: str = "default"


@dataclass(frozen=True)
class AuthResult:
    """The outcome of a destination's authentication test."""

    ok: bool
    message: str
    code: str | None = None
    status: int | None = None


class _Declined(Exception):
    """An action's check declined an event: it is skipped with ``reason``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _CompiledAction:
    """An action with one merged mapping, compiled: resolve -> convert -> check -> perform."""

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
        self.perform_batch = action.perform_batch
        self.batch_size: int | None = None  # set by the runner, from the settings
        self._model: type[Payload] = action.payload
        self._check = action.check
        self._resolve = compile_mapping(merged)
        self._sources = {name: referenced_paths(value) for name, value in merged.items()}
        self._validator = FieldsValidator(action.fields, strict=False, defaults=False)

    def payload(self, settings: Settings, event: Mapping[str, Any]) -> Payload:
        """The typed payload this event resolves to, or :class:`PayloadValidationError`,
        or :class:`_Declined` when the check gives a reason to send nothing.

        The check runs on the converted values even when some failed (see
        :class:`~framework.authoring.definition.Action`): reading one of those ends it, and the
        conversion problems are reported."""
        values, problems = self._validator.validate(self._resolve(event))
        unconverted = {where.split(".", maxsplit=1)[0] for where, _ in problems} if problems else ()
        payload = build(self._model, values, unconverted)
        if self._check is not None:
            try:
                reason = self._check(settings, payload)
            except Unconverted:
                if not problems:
                    raise
                reason = None
            if reason is not None:
                raise _Declined(str(reason))
        if problems:
            raise PayloadValidationError(
                "; ".join(self._explain(loc, why) for loc, why in problems)
            )
        return payload

    def _explain(self, location: str, reason: str) -> str:
        sources = self._sources.get(location.split(".", maxsplit=1)[0])
        where = f" (mapped from {', '.join(sources)})" if sources else ""
        return f"{location}: {reason}{where}"


def unmatched_reason(declared: Mapping[str, str], event: Mapping[str, object]) -> str:
    """Why no subscription takes ``event``: the reason its destination declares for the
    event's type (``Destination.unmatched``), else "no subscription matched"."""
    kind = event.get("type")
    return (declared.get(kind) if isinstance(kind, str) else None) or NO_SUBSCRIPTION_MATCHED


class DestinationRunner:
    """A destination configured with settings and subscriptions, ready to process events.

    ``base_url`` (operator configuration) replaces the destination's own; ``transport``
    replaces the network (tests pass an ``httpx.MockTransport``; the runtime shares one
    connection pool between a destination's runners) and ``flow`` paces the requests
    (:mod:`framework.engine.flow`); with ``dry_run`` requests are built and reported but not
    sent. Raises :class:`SettingsError` or :class:`MappingError` before any event is
    processed.

    Requests with an absolute URL pass the address guard: only public addresses, unless
    ``allow_private_targets`` (operator configuration:
    :class:`framework.engine.operator.OperatorConfig`). ``resolver`` replaces the system's name
    resolution (tests: ``framework.core.guard.static_resolver``). Results carry the request
    sent, redacted, unless ``show_requests`` is false, or ``"failures"`` and the event was
    delivered (the workers keep a failure's request as a sample; redacting every request
    costs time).

    An unexpected exception in plugin code (a hook, ``perform``) is logged with its
    traceback, redacted, on the ``framework.plugins`` logger, and the event fails as
    ``UNEXPECTED_ERROR``; with ``raise_plugin_errors`` (tests) it is raised instead.

    OAuth 2.0: when the destination's token setting holds a connection reference
    (``oauth:<id>``, :mod:`framework.authoring.oauth`), ``sessions`` (the process's
    :class:`~framework.engine.oauth.session.TokenSessions`) gives the connection's access
    token, which replaces the reference in the settings the hooks and ``perform`` see; a
    request refused with a 401 is sent once more with a refreshed token. A dry run uses no
    token. With ``partial_settings`` (listing a field's choices), settings that are missing
    or invalid are left out: reading one raises :class:`Unconverted`, and
    ``check_settings`` does not run.
    """

    @classmethod
    def configured(
        cls,
        destination: Destination,
        settings: Mapping[str, Any],
        operator: OperatorConfig,
        **options: Any,
    ) -> DestinationRunner:
        """A runner under the operator's configuration: its endpoint for the destination,
        time-out, private targets, and OAuth clients and token store."""
        from framework.engine.oauth.session import shared_sessions  # noqa: PLC0415 (OAuth only)

        options.setdefault("timeout", operator.timeout)
        if destination.oauth is not None:
            options.setdefault("sessions", shared_sessions(operator))
        return cls(
            destination,
            settings,
            base_url=operator.endpoints.get(destination.slug),
            allow_private_targets=operator.allow_private_targets,
            **options,
        )

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
        transport: Transport | httpx.BaseTransport | None = None,
        flow: FlowControl | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        allow_private_targets: bool = False,
        resolver: Resolver | None = None,
        show_requests: bool | Literal["failures"] = True,
        raise_plugin_errors: bool = False,
        sessions: TokenSessions | None = None,
        partial_settings: bool = False,
    ) -> None:
        self.destination = destination
        self._show_requests = show_requests
        self._raise_plugin_errors = raise_plugin_errors
        self._partial = partial_settings
        if partial_settings:
            values, unconverted = settings_so_far(destination, settings)
        else:
            values, unconverted = validate_settings(destination, settings), set()
        self.redactor = Redactor(secret_values(values))
        self._credentials = Credentials(
            destination, values, unconverted, sessions=sessions, redactor=self.redactor
        )
        if (check := destination.check_settings) is not None and not partial_settings:
            self._hook("check_settings", lambda: check(self.settings))
        self._unmatched_reasons = {
            kind: self.redactor.text(reason) for kind, reason in destination.unmatched.items()
        }
        self._base_url = base_url or destination.base_url
        self._dry_run = dry_run
        extend = destination.extend_request
        if extend is not None:
            self._credentials.derive_headers(
                lambda settings: self._hook("extend_request", lambda: extend(settings))
            )
        self._guard = AddressGuard(allow_private=allow_private_targets, resolver=resolver)
        session = self._credentials.session
        token_url = session.provider.token_url if session is not None else None
        trusted = [httpx.URL(url).host for url in (self._base_url, token_url) if url]
        self._client = RequestClient(
            timeout=timeout,
            retry=retry,
            transport=transport,
            sleep=sleep,
            guard=self._guard,
            trusted=trusted,
            flow=flow,
            redactor=self.redactor,
        )
        if subscriptions is None:
            subscriptions = presets_as_subscriptions(destination)
        self._routes = [self._compile(sub) for sub in subscriptions]

    @property
    def settings(self) -> Settings:
        """The settings requests are built from (with a connection's current access token,
        once one was needed)."""
        return self._credentials.settings

    async def _current(self, refused: str | None = None) -> tuple[Settings, str | None]:
        """The settings to build a request with and the connection's access token in them
        (``None`` without a connection, or in a dry run, which needs no token)."""
        if self._dry_run:
            return self.settings, None
        return await self._credentials.current(self._client.send_once, refused)

    def _compile(
        self, sub: ActionSubscription
    ) -> tuple[Callable[[Mapping[str, Any]], bool], _CompiledAction]:
        compiled = self._compile_action(sub.action, sub.mapping)
        compiled.batch_size = self._batch_size(sub.action)
        return compile_subscription(sub.subscription).matches, compiled

    def _batch_size(self, slug: str) -> int | None:
        limit = self.destination.actions[slug].max_batch_size
        if limit is None:
            return None
        size = (
            self._hook(f"{slug}.max_batch_size", lambda: limit(self.settings))
            if callable(limit)
            else limit
        )
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise SettingsError(
                f"invalid settings for {self.destination.slug}: the maximum batch size of "
                f"action {slug!r} must be a positive integer"
            )
        return size

    def _compile_action(self, slug: str, mapping: Mapping[str, Any]) -> _CompiledAction:
        action = self.destination.actions.get(slug)
        if action is None:
            known = ", ".join(sorted(self.destination.actions))
            raise MappingError([Problem("", f"unknown action {slug!r} (known: {known})")])
        return _CompiledAction(slug, action, mapping)

    def process(self, event: object) -> list[Result]:
        """Every matched action's result for one event, or one ``skipped`` result."""
        return engine_loop().run(self.process_async(event))

    async def process_async(self, event: object) -> list[Result]:
        """:meth:`process`, on the engine's loop."""
        if not isinstance(event, dict):
            return [self.invalid_event(None, f"an event must be a JSON object, not {_kind(event)}")]
        event = with_message_id(event)
        message_id = event["messageId"]
        results = [
            await self._run(compiled, event, message_id)
            for matches, compiled in self._routes
            if matches(event)
        ]
        return results or [self._unmatched(event)]

    def process_batch(self, events: Iterable[object]) -> list[Result]:
        """The results of many events, as ``process`` would report them one by one and in
        the same order (each event's results in subscription order; ``skipped`` for an
        event matching nothing; ``INVALID_EVENT`` for one that is not an object), but with
        each action's requests batched.

        For each subscription whose action has ``perform_batch``, the matching events are
        resolved and validated one by one (an invalid one fails alone, with its own coded
        result); the valid payloads, in input order, are cut into chunks of the action's
        maximum batch size and each chunk is sent as ONE request built by
        ``perform_batch``. Every event of a chunk gets its own result carrying the chunk's
        request: ``delivered``, ``dry_run``, or ``failed`` with the chunk's error. Actions
        without ``perform_batch`` send their events one by one.
        """
        return engine_loop().run(self.process_batch_async(list(events)))

    async def process_batch_async(self, events: Iterable[object]) -> list[Result]:
        """:meth:`process_batch`, on the engine's loop."""
        outcomes: list[list[Result]] = []
        accepted: list[tuple[int, dict[str, Any]]] = []
        for index, event in enumerate(events):
            if isinstance(event, dict):
                outcomes.append([])
                accepted.append((index, with_message_id(event)))
            else:
                message = f"an event must be a JSON object, not {_kind(event)}"
                outcomes.append([self.invalid_event(None, message)])
        for matches, compiled in self._routes:
            matching = [(index, event) for index, event in accepted if matches(event)]
            for index, result in await self._run_together(compiled, matching):
                outcomes[index].append(result)
        for index, event in accepted:
            if not outcomes[index]:
                outcomes[index].append(self._unmatched(event))
        return [result for results in outcomes for result in results]

    @property
    def max_batch_size(self) -> int | None:
        """The most events one request of :meth:`process_batch` carries: the largest
        maximum batch size among the subscribed actions with ``perform_batch``
        (``sys.maxsize`` for one declaring no maximum), or ``None`` when none has
        ``perform_batch`` (every event is sent alone)."""
        sizes = [
            compiled.batch_size or sys.maxsize
            for _, compiled in self._routes
            if compiled.perform_batch is not None
        ]
        return max(sizes, default=None)

    def run_action(
        self, slug: str, event: dict[str, Any], mapping: Mapping[str, Any] | None = None
    ) -> Result:
        """Run one action on one event regardless of subscriptions (tests, the UI).

        The mapping is compiled on each call; use subscriptions for repeated work.
        """
        event = with_message_id(event)
        compiled = self._compile_action(slug, mapping or {})
        return engine_loop().run(self._run(compiled, event, event["messageId"]))

    def _unmatched(self, event: Mapping[str, Any]) -> Result:
        """The ``skipped`` result of an event no subscription matched."""
        reason = unmatched_reason(self._unmatched_reasons, event)
        return Result(event["messageId"], None, "skipped", reason=reason)

    def _declined(self, message_id: str | None, slug: str, declined: _Declined) -> Result:
        return Result(message_id, slug, "skipped", reason=self.redactor.text(declined.reason))

    def invalid_event(self, message_id: str | None, message: str) -> Result:
        """The result for input that is not an event at all."""
        error = ErrorInfo("INVALID_EVENT", self.redactor.text(message), retryable=False)
        return Result(message_id, None, "failed", error=error)

    async def _run(
        self, compiled: _CompiledAction, event: Mapping[str, Any], message_id: str | None
    ) -> Result:
        try:
            payload = compiled.payload(self.settings, event)
        except _Declined as declined:
            return self._declined(message_id, compiled.slug, declined)
        except Exception as error:  # a bug in a plugin must not stop the run
            return self._failure(message_id, compiled.slug, None, error)
        request_of = partial(_perform, compiled.perform, payload)
        [result] = await self._deliver(compiled.slug, "perform", [message_id], request_of)
        return result

    async def _run_together(
        self, compiled: _CompiledAction, events: list[tuple[int, dict[str, Any]]]
    ) -> list[tuple[int, Result]]:
        """``(input index, result)`` for events matching one subscription: chunked requests
        when the action has ``perform_batch``, else one request per event."""
        perform_batch = compiled.perform_batch
        if perform_batch is None:
            return [
                (index, await self._run(compiled, event, event["messageId"]))
                for index, event in events
            ]
        done: list[tuple[int, Result]] = []
        valid: list[tuple[int, str | None, Payload]] = []
        for index, event in events:
            message_id = event["messageId"]
            try:
                valid.append((index, message_id, compiled.payload(self.settings, event)))
            except _Declined as declined:
                done.append((index, self._declined(message_id, compiled.slug, declined)))
            except Exception as error:  # this event fails alone
                done.append((index, self._failure(message_id, compiled.slug, None, error)))
        size = compiled.batch_size or max(len(valid), 1)
        for start in range(0, len(valid), size):
            chunk = valid[start : start + size]
            request_of = partial(_perform, perform_batch, [payload for _, _, payload in chunk])
            message_ids = [message_id for _, message_id, _ in chunk]
            results = await self._deliver(compiled.slug, "perform_batch", message_ids, request_of)
            done += zip([index for index, _, _ in chunk], results, strict=True)
        return done

    async def _deliver(
        self,
        slug: str,
        builder: str,
        message_ids: list[str | None],
        build: Callable[[Settings], object],
    ) -> list[Result]:
        """Build one request (from the settings with the current access token), check,
        send (or, in a dry run, show) it: the same result for each of ``message_ids``. A
        request refused with a 401 is built and sent once more with a refreshed token."""
        prepared: PreparedRequest | None = None

        async def attempt(settings: Settings) -> None:
            nonlocal prepared
            prepared = self._built(build(settings), f"{builder} of {slug!r}")
            await self._check_target(prepared)
            if not self._dry_run:
                await self._client.send(prepared)

        try:
            await self._authorized(attempt)
        except Exception as error:  # a bug in a plugin must not stop the run
            failed = self._failure(None, slug, prepared, error)
            return [replace(failed, message_id=message_id) for message_id in message_ids]
        status: Status = "dry_run" if self._dry_run else "delivered"
        shown = self._show(prepared) if self._show_requests is True and prepared else None
        return [Result(message_id, slug, status, shown) for message_id in message_ids]

    def _built(self, request: object, builder: str) -> PreparedRequest:
        """``request`` (what ``builder`` returned) prepared to be sent."""
        if not isinstance(request, HttpRequest):
            raise IntegrationError(
                f"{builder} returned {_kind(request)}, not an HttpRequest",
                code="INVALID_REQUEST",
            )
        return prepare(request, base_url=self._base_url, shared_headers=self._credentials.headers)

    async def fetch_json_async(self, build: Callable[[Settings], HttpRequest]) -> Any:
        """Send the request ``build`` makes from the settings (with the current access
        token): a read of the destination's API, e.g. a page of a field's choices. The JSON
        body of the 2xx answer, or the classified :class:`IntegrationError`
        (``INVALID_RESPONSE`` for a body that is not JSON)."""

        async def attempt(settings: Settings) -> Response:
            prepared = self._built(build(settings), "the request")
            await self._check_target(prepared)
            return await self._client.send(prepared)

        response = await self._authorized(attempt)
        try:
            return response.json()
        except ValueError:
            raise IntegrationError(
                f"the answer of {self.destination.name} is not JSON", code="INVALID_RESPONSE"
            ) from None

    async def _authorized(
        self,
        attempt: Callable[[Settings], Awaitable[_T]],
        refused: Callable[[_T], bool] = lambda _: False,
    ) -> _T:
        """``attempt(settings)`` with the current credentials; when it was a connection's
        access token and the destination refused it (a 401, raised or an outcome that
        ``refused`` says is one), once more with a refreshed token."""
        settings, token = await self._current()
        if token is None:
            return await attempt(settings)
        try:
            outcome = await attempt(settings)
        except InvalidAuthenticationError as error:
            if error.status != 401:
                raise
        else:
            if not refused(outcome):
                return outcome
        settings, _ = await self._current(refused=token)
        return await attempt(settings)

    async def _check_target(self, prepared: PreparedRequest) -> None:
        """The address guard, for a request whose URL is its own (a tenant's); name
        resolution blocks, so it runs off the loop."""
        if prepared.guarded:
            await asyncio.get_running_loop().run_in_executor(
                None, self._guard.check_url, prepared.url
            )

    def _failure(
        self,
        message_id: str | None,
        slug: str,
        prepared: PreparedRequest | None,
        error: Exception,
    ) -> Result:
        if isinstance(error, ActionsError):
            return self._failed(message_id, slug, prepared, error, error.message)
        message = self._plugin_error(slug, error)
        unexpected = IntegrationError("", code="UNEXPECTED_ERROR")
        return self._failed(message_id, slug, prepared, unexpected, message)

    def _hook(self, name: str, call: Callable[[], _T]) -> _T:
        """A destination hook's answer; an unexpected exception in it is logged and becomes
        an ``UNEXPECTED_ERROR`` naming the hook (see :meth:`_plugin_error`)."""
        try:
            return call()
        except ActionsError:
            raise
        except Exception as error:
            if self._partial and isinstance(error, Unconverted):
                raise  # a setting not given yet: the caller names it
            message = self._plugin_error(name, error)
            raise IntegrationError(self.redactor.text(message), code="UNEXPECTED_ERROR") from None

    def _plugin_error(self, where: str, error: Exception) -> str:
        """Log an unexpected exception in plugin code with its traceback, redacted; raise it
        again with ``raise_plugin_errors``, else give the message of its failure."""
        trace = "".join(traceback.format_exception(error))
        logger.error(
            "%s/%s failed unexpectedly:\n%s",
            self.destination.slug,
            where,
            self.redactor.text(trace),
        )
        if self._raise_plugin_errors:
            raise error
        return f"{where} failed unexpectedly: {type(error).__name__}: {error}"

    def _failed(
        self,
        message_id: str | None,
        slug: str,
        prepared: PreparedRequest | None,
        error: ActionsError,
        message: str,
    ) -> Result:
        shown = self._show(prepared) if prepared and self._show_requests else None
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
        return engine_loop().run(self.test_authentication_async())

    async def test_authentication_async(self) -> AuthResult:
        """:meth:`test_authentication`, on the engine's loop."""
        auth = self.destination.authentication
        if auth is None:
            return AuthResult(True, f"{self.destination.name} has no authentication test")
        try:
            response = await self._authentication_response(auth.request)
        except ActionsError as error:
            return AuthResult(False, self.redactor.text(error.message), error.code)
        failure = error_for_response(response, self.redactor)
        if failure is None:
            return AuthResult(True, "authentication succeeded", status=response.status_code)
        message = auth.failures.get(response.status_code, failure.message)
        return AuthResult(False, self.redactor.text(message), failure.code, response.status_code)

    async def _authentication_response(self, request: Callable[[Any], HttpRequest]) -> Response:
        """The answer to the authentication test's request (asked once more with a
        refreshed token when the destination refused a connection's token)."""

        async def attempt(settings: Settings) -> Response:
            built = self._hook("authentication.request", lambda: request(settings))
            prepared = self._built(built, "authentication.request")
            await self._check_target(prepared)
            return await self._client.exchange(prepared)

        return await self._authorized(attempt, refused=lambda answer: answer.status_code == 401)

    def close(self) -> None:
        """Release the connection pool."""
        engine_loop().run(self.aclose())

    async def aclose(self) -> None:
        """:meth:`close`, on the engine's loop."""
        await self._client.close()

    def __enter__(self) -> DestinationRunner:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def presets_as_subscriptions(
    destination: Destination, overrides: Mapping[str, Mapping[str, Any]] | None = None
) -> list[ActionSubscription]:
    """The destination's presets as subscriptions; ``overrides`` (action slug -> mapping)
    are merged over the presets' own mappings. A preset off by default (``enabled=False``)
    is included only when ``overrides`` names its action."""
    overrides = overrides or {}
    return [
        ActionSubscription(
            preset.action,
            preset.subscription,
            {**preset.mapping, **overrides.get(preset.action, {})},
            preset.name,
            preset.key,
        )
        for preset in destination.presets
        if preset.enabled or preset.action in overrides
    ]


def _perform(perform: Callable[[Any, Any], object], payload: Any, settings: Settings) -> object:
    """``perform(settings, payload)``: what a request builder of :meth:`_deliver` calls."""
    return perform(settings, payload)


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__
