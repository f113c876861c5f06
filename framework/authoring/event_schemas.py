"""Segment's event types (track, identify, page, screen, group, alias): a JSON Schema
(draft 2020-12) for each, following Segment's spec, and the check of an incoming event
against the schema of its type.

The schemas name what the spec requires (``event`` for a track call, ``groupId`` for a
group call, ``userId`` and ``previousId`` for an alias, ``userId`` or ``anonymousId`` for
the others) and the types of the common fields; any other key is allowed, as in Segment.
They are written to ``schemas/events/<type>.schema.json`` by ``actions schemas``.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from framework.authoring.json_schema import DIALECT
from framework.core.errors import Problem

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

EVENT_TYPES = ("track", "identify", "page", "screen", "group", "alias")

_TEXT = {"type": "string", "minLength": 1}
_TIME = {"type": "string", "format": "date-time"}
_OBJECT = {"type": "object"}

_COMMON: dict[str, dict[str, Any]] = {
    "anonymousId": {**_TEXT, "description": "A pseudo-unique id for a user not yet known."},
    "userId": {**_TEXT, "description": "The user's id in your database."},
    "messageId": {**_TEXT, "description": "A unique id of this message (de-duplication)."},
    "timestamp": {**_TIME, "description": "When the event happened."},
    "originalTimestamp": {**_TIME, "description": "The timestamp the client gave."},
    "sentAt": {**_TIME, "description": "When the client sent the event."},
    "receivedAt": {**_TIME, "description": "When Segment received the event."},
    "context": {**_OBJECT, "description": "Extra information about the event's context."},
    "integrations": {**_OBJECT, "description": "Which destinations to send the event to."},
    "channel": {"type": "string", "description": "Where the event came from."},
    "version": {"type": ["number", "string"], "description": "The spec version."},
}

_OWN: dict[str, tuple[str, dict[str, dict[str, Any]], list[str]]] = {
    "track": (
        "An action the user performed.",
        {
            "event": {**_TEXT, "description": "The name of the action."},
            "properties": {**_OBJECT, "description": "Details of the action."},
        },
        ["event"],
    ),
    "identify": (
        "Who the user is, and traits about them.",
        {"traits": {**_OBJECT, "description": "What is known about the user."}},
        [],
    ),
    "page": (
        "A page of a website that the user viewed.",
        {
            "name": {"type": "string", "description": "The page's name."},
            "category": {"type": "string", "description": "The page's category."},
            "properties": {**_OBJECT, "description": "Details of the page (url, title, …)."},
        },
        [],
    ),
    "screen": (
        "A screen of a mobile app that the user viewed.",
        {
            "name": {"type": "string", "description": "The screen's name."},
            "category": {"type": "string", "description": "The screen's category."},
            "properties": {**_OBJECT, "description": "Details of the screen."},
        },
        [],
    ),
    "group": (
        "The group (company, organisation, account) the user belongs to.",
        {
            "groupId": {**_TEXT, "description": "The group's id."},
            "traits": {**_OBJECT, "description": "What is known about the group."},
        },
        ["groupId"],
    ),
    "alias": (
        "Links two identities of the same user.",
        {"previousId": {**_TEXT, "description": "The user's previous id."}},
        ["userId", "previousId"],
    ),
}

# Every call but alias (which names both ids) identifies its user by one id or the other.
IDENTITY_KEYS = ("userId", "anonymousId")
_IDENTIFIED = [{"required": [key]} for key in IDENTITY_KEYS]
_KIND_NAMES = {"string": "a string", "object": "an object", "number": "a number"}


def event_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one Segment event type (a fresh document)."""
    description, own, required = _OWN[kind]
    schema: dict[str, Any] = {
        "$schema": DIALECT,
        "title": f"Segment {kind} event",
        "description": description,
        "type": "object",
        "properties": {
            **{name: dict(spec) for name, spec in _COMMON.items()},
            **{name: dict(spec) for name, spec in own.items()},
            "type": {"const": kind, "description": "The event type."},
        },
        "required": ["type", *required],
    }
    if kind != "alias":
        schema["anyOf"] = [dict(option) for option in _IDENTIFIED]
    return schema


@cache
def _validator(kind: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator  # noqa: PLC0415 (imported with the first check)

    return Draft202012Validator(event_schema(kind))


def event_problems(event: object) -> list[Problem]:
    """Where ``event`` departs from Segment's spec for its type (empty when it follows it),
    each at a JSON pointer with what is expected there (never the value sent)."""
    if not isinstance(event, dict):
        return [Problem("", "an event must be a JSON object")]
    kind = event.get("type")
    if kind not in EVENT_TYPES:
        return [Problem("/type", f"must be one of {', '.join(EVENT_TYPES)}")]
    errors = sorted(_validator(kind).iter_errors(event), key=lambda error: list(error.path))
    return [Problem(_pointer(error), _message(error)) for error in errors]


def _pointer(error: ValidationError) -> str:
    return "".join(f"/{str(step).replace('~', '~0').replace('/', '~1')}" for step in error.path)


def _message(error: ValidationError) -> str:
    """What the schema expects, in words drawn from the schema alone: never the value sent
    (``jsonschema``'s own messages quote it)."""
    expected: Any = error.validator_value
    if error.validator == "anyOf" and not error.path:
        return f"needs {' or '.join(IDENTITY_KEYS)}"
    if error.validator == "required":
        return error.message  # "'event' is a required property": a name from the schema
    if error.validator == "type":
        kinds = [expected] if isinstance(expected, str) else list(expected)
        return "must be " + " or ".join(_KIND_NAMES.get(kind, kind) for kind in kinds)
    if error.validator == "minLength":
        return "must not be empty" if expected == 1 else f"needs at least {expected} characters"
    if error.validator == "const":
        return f"must be {expected!r}"
    return f"does not meet the schema's {error.validator!r} rule"
