"""Listing a field's dynamic choices (:mod:`framework.authoring.dynamic`) from the
destination's API: for the settings page and ``actions choices``.

:func:`list_choices` reads the pages one after the other through a runner built on the
settings given so far (leniently: the user may still be filling them in), with the
destination's authentication, within one overall time-out and at most ``max_pages``
pages. It returns the choices as ``{"value", "label"}``, each value once (with its first
label). A failure is a :class:`ChoicesError` whose code says what to do:

- ``UNKNOWN_FIELD``: no such field, or it has no dynamic choices (the message names the
  fields that have them);
- ``SETTING_NEEDED``: listing needs a setting that is not given (or not valid) yet;
- ``INVALID_AUTHENTICATION``: the destination refused the credentials (HTTP 401 or 403);
- ``TIMEOUT``: the destination did not answer in time;
- ``CHOICES_FAILED``: any other failure: an error from the API, a page the destination's
  ``parse`` could not read, more pages than allowed.

Messages never show a secret of the settings (the runner's redactor).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from framework.authoring.dynamic import ChoicePage, DynamicChoices, listed_kind
from framework.authoring.field_types import KINDS, FieldKind
from framework.authoring.fields import Choice, FieldSpec
from framework.authoring.model import Unconverted
from framework.core.errors import ActionsError
from framework.engine.execute import DestinationRunner
from framework.engine.loop import engine_loop
from framework.engine.operator import OperatorConfig

if TYPE_CHECKING:
    import httpx

    from framework.authoring.definition import Destination
    from framework.engine.transport import Transport

UNKNOWN_FIELD = "UNKNOWN_FIELD"
SETTING_NEEDED = "SETTING_NEEDED"
INVALID_AUTHENTICATION = "INVALID_AUTHENTICATION"
TIMEOUT = "TIMEOUT"
CHOICES_FAILED = "CHOICES_FAILED"

DEFAULT_TIMEOUT = 15.0  # seconds for the whole listing
MAX_PAGES = 50
_T = TypeVar("_T")


class ChoicesError(ActionsError):
    """Listing a field's choices failed; the code is one of the module's."""

    code = CHOICES_FAILED


def dynamic_fields(destination: Destination) -> dict[str, FieldSpec]:
    """The fields with dynamic choices: settings by name, action fields as
    ``"<action slug>.<field>"``."""
    found = {name: spec for name, spec in destination.setting_fields.items() if spec.dynamic}
    for slug, action in destination.actions.items():
        found.update(
            {f"{slug}.{name}": spec for name, spec in action.fields.items() if spec.dynamic}
        )
    return found


def list_choices(
    destination: Destination, settings: Mapping[str, Any], field: str, **options: Any
) -> list[dict[str, Any]]:
    """:func:`list_choices_async` from synchronous code (the settings API, the CLI)."""
    return engine_loop().run(list_choices_async(destination, settings, field, **options))


async def list_choices_async(
    destination: Destination,
    settings: Mapping[str, Any],
    field: str,
    *,
    operator: OperatorConfig | None = None,
    transport: Transport | httpx.BaseTransport | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_pages: int = MAX_PAGES,
) -> list[dict[str, Any]]:
    """The choices of ``field`` (a setting's name, or ``"<action slug>.<field>"``) given
    ``settings``, as ``{"value", "label"}``; :class:`ChoicesError` (see the module).
    ``operator`` gives the endpoint, the time-out of each request and the OAuth token
    store; ``transport`` replaces the network (tests); ``timeout`` bounds the whole
    listing, in seconds. Settings that are not a JSON object are a :class:`SettingsError`."""
    spec, dynamic = _dynamic_field(destination, field)
    operator = operator or OperatorConfig()
    try:
        async with asyncio.timeout(timeout):
            runner = DestinationRunner.configured(
                destination,
                settings,
                operator,
                subscriptions=[],  # no events: nothing to compile
                partial_settings=True,
                transport=transport,
            )
            try:
                listing = _Listing(runner, field, dynamic, KINDS[listed_kind(spec)])
                return await listing.read(max_pages)
            finally:
                await runner.aclose()
    except TimeoutError:
        raise ChoicesError(
            f"{destination.name} did not list the choices of {field} within {timeout:g} seconds",
            code=TIMEOUT,
        ) from None
    except Unconverted as missing:
        setting = missing.name or "a setting it reads"
        raise ChoicesError(
            f"the choices of {field} depend on the setting {setting}: fill it in first",
            code=SETTING_NEEDED,
        ) from None


def _dynamic_field(destination: Destination, field: str) -> tuple[FieldSpec, DynamicChoices]:
    fields = dynamic_fields(destination)
    spec = fields.get(field)
    if spec is None or spec.dynamic is None:
        listed = ", ".join(fields) or "none"
        raise ChoicesError(
            f"{destination.slug} has no field {field!r} with dynamic choices (fields with "
            f"them: {listed})",
            code=UNKNOWN_FIELD,
        )
    return spec, spec.dynamic


class _Listing:
    """Reads one field's pages through ``runner``; every message redacted by it."""

    def __init__(
        self, runner: DestinationRunner, field: str, dynamic: DynamicChoices, kind: FieldKind
    ) -> None:
        self._runner = runner
        self._dynamic = dynamic
        self._kind = kind
        self._redactor = runner.redactor
        self._doing = f"listing the choices of {field}"

    async def read(self, max_pages: int) -> list[dict[str, Any]]:
        found: dict[object, Choice] = {}
        cursor: str | None = None
        followed: set[str] = set()
        for number in range(1, max_pages + 1):
            page = await self._page(number, cursor)
            for choice in page.choices:
                found.setdefault(choice.value, choice)
            if page.next is None:
                return [{"value": c.value, "label": c.label} for c in found.values()]
            if page.next in followed:
                raise self._failed(f"page {number} links back to a page already read")
            cursor = page.next
            followed.add(cursor)
        raise self._failed(f"there are more than {max_pages} pages of choices")

    async def _page(self, number: int, cursor: str | None) -> ChoicePage:
        def request(settings: Any) -> Any:
            what = f"the request of page {number}"
            return self._plugin(what, self._dynamic.request, settings, cursor)

        try:
            body = await self._runner.fetch_json_async(request)
        except ChoicesError:
            raise
        except ActionsError as error:
            raise self._refused(error) from None
        page = self._plugin(f"reading page {number}", self._dynamic.parse, body)
        problem = self._problem(page)
        if problem is not None:
            raise self._failed(f"page {number} is invalid: {problem}")
        return page

    def _plugin(self, what: str, hook: Callable[..., _T], *args: Any) -> _T:
        """The destination's ``request`` or ``parse`` hook's answer; a setting it reads
        that is not there passes through (SETTING_NEEDED), any other exception fails."""
        try:
            return hook(*args)
        except Unconverted:
            raise
        except Exception as error:
            raise self._failed(f"{what} failed: {type(error).__name__}: {error}") from None

    def _problem(self, page: object) -> str | None:
        if not isinstance(page, ChoicePage):
            return f"parse returned {type(page).__name__}, not a ChoicePage"
        if page.next is not None and not isinstance(page.next, str):
            return f"its next cursor is {type(page.next).__name__}, not text"
        if isinstance(page.choices, str) or not isinstance(page.choices, Sequence):
            return f"its choices are {type(page.choices).__name__}, not a list"
        for choice in page.choices:
            if not isinstance(choice, Choice):
                return f"a choice is {type(choice).__name__}, not a Choice"
            value = choice.value
            if isinstance(value, bool) or not isinstance(value, self._kind.choice_types):
                return f"the value {value!r} is not of type {self._kind.name}"
            if not isinstance(choice.label, str):
                return f"the label of {value!r} is not text"
        return None

    def _refused(self, error: ActionsError) -> ChoicesError:
        """What the API's refusal of a page means for the listing."""
        name = self._runner.destination.name
        if error.code == INVALID_AUTHENTICATION:
            message = f"{name} refused the credentials ({self._doing}): {error.message}"
            return self._error(message, INVALID_AUTHENTICATION)
        if error.code == TIMEOUT:
            message = f"{name} did not answer in time ({self._doing}): {error.message}"
            return self._error(message, TIMEOUT)
        return self._failed(f"{error.code}: {error.message}")

    def _failed(self, reason: str) -> ChoicesError:
        return self._error(f"{self._doing} failed: {reason}", CHOICES_FAILED)

    def _error(self, message: str, code: str) -> ChoicesError:
        return ChoicesError(self._redactor.text(message), code=code)
