"""A connection: a source of the configuration file and an instance of a destination, with
its settings, mapping changes per action, replaced subscriptions and on/off.

Its JSON (the API's, and the store's before sealing) is ``{"name", "source",
"destination", "settings", "mappings", "subscriptions", "enabled", "readonly",
"version"}``. A secret setting is one whose field (:class:`FieldSpec`, of type
``secret``, at any depth: inside an object, each item of a list of objects, each value of
a text-map of secrets) says so; with no schema (a destination that is not installed),
every setting counts as a secret. :func:`mask_settings` shows a secret only as
:data:`SECRET_SET`; :func:`merge_settings` lets an update send that marker back to keep
the stored value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from framework.core.errors import ActionsError

if TYPE_CHECKING:
    from framework.authoring.fields import FieldSpec

NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
SECRET_SET: dict[str, Any] = {"secret": True}  # how a secret that is set is shown
Fields = Mapping[str, "FieldSpec"] | None  # a destination's setting fields; None: unknown
Swap = Callable[[Any, Any], Any]  # (a secret, the stored one at its place) -> the new value
DROP = object()  # a Swap's answer: leave the setting out


class InvalidConnection(ActionsError):
    """A connection document of the wrong shape; ``field`` names the bad member."""

    code = "INVALID_CONNECTION"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class Connection:
    """One stored connection. ``settings`` hold secrets in clear (in memory only: never
    in its repr); ``version`` is bumped by every write (optimistic concurrency)."""

    name: str
    source: str
    destination: str
    settings: dict[str, Any] = field(repr=False)
    mappings: dict[str, Any]
    subscriptions: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    readonly: bool = False
    version: int = 0

    def to_json(self, *, masked: bool, fields: Fields = None) -> dict[str, Any]:
        """The connection as JSON; ``masked``: each secret setting (per ``fields``, the
        destination's setting fields; ``None``: every setting) shown as :data:`SECRET_SET`."""
        return {
            "name": self.name,
            "source": self.source,
            "destination": self.destination,
            "settings": mask_settings(fields, self.settings) if masked else self.settings,
            "mappings": self.mappings,
            "subscriptions": self.subscriptions,
            "enabled": self.enabled,
            "readonly": self.readonly,
            "version": self.version,
        }

    @classmethod
    def from_json(cls, document: object) -> Connection:
        """The connection ``document`` describes; :class:`InvalidConnection` naming the
        first member that is missing, unknown or of the wrong type."""
        if not isinstance(document, dict):
            raise InvalidConnection("connection", "expected a JSON object")
        unknown = sorted(set(document) - _MEMBERS)
        if unknown:
            raise InvalidConnection(unknown[0], "unknown member")
        name = _member(document, "name", str, None)
        if not NAME.fullmatch(name):
            raise InvalidConnection("name", "expected 1 to 63 of a-z, 0-9 and - (not first)")
        version = _member(document, "version", int, 0)
        if version < 0:
            raise InvalidConnection("version", "expected a whole number from 0")
        return cls(
            name=name,
            source=_text(document, "source"),
            destination=_text(document, "destination"),
            settings=_member(document, "settings", dict, {}),
            mappings=_member(document, "mappings", dict, {}),
            subscriptions=_member(document, "subscriptions", dict, {}),
            enabled=_member(document, "enabled", bool, True),
            readonly=_member(document, "readonly", bool, False),
            version=version,
        )


_MEMBERS = {
    "name",
    "source",
    "destination",
    "settings",
    "mappings",
    "subscriptions",
    "enabled",
    "readonly",
    "version",
}
_TYPE_NAMES = {str: "a string", dict: "a JSON object", bool: "true or false", int: "an integer"}


def _member(document: Mapping[str, Any], key: str, kind: type, default: Any) -> Any:
    value = document.get(key, default)
    if value is None or not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InvalidConnection(key, f"expected {_TYPE_NAMES[kind]}")
    return value


def _text(document: Mapping[str, Any], key: str) -> str:
    value: str = _member(document, key, str, None)
    if not value:
        raise InvalidConnection(key, "expected a non-empty string")
    return value


def mask_settings(fields: Fields, settings: Mapping[str, Any]) -> dict[str, Any]:
    """``settings`` with each secret that is set (not null) shown as :data:`SECRET_SET`."""
    return swap_secrets(fields, settings, None, lambda value, _: SECRET_SET)


def merge_settings(
    fields: Fields, update: Mapping[str, Any], stored: Mapping[str, Any]
) -> dict[str, Any]:
    """``update`` (masked settings sent back) with each :data:`SECRET_SET` marker replaced
    by the ``stored`` secret at its place; a marker where nothing is stored is left out."""
    return swap_secrets(
        fields, update, stored, lambda value, old: value if value != SECRET_SET else old
    )


def swap_secrets(
    fields: Fields, settings: Mapping[str, Any], stored: Any, swap: Swap
) -> dict[str, Any]:
    """``settings`` with ``swap(secret, stored secret or None)`` at the place of each secret
    that is not null (``stored``: the stored settings, or ``None``); a secret swapped to
    ``None`` or :data:`DROP` is left out. The one walk behind masking, merging and sealing."""
    return _object(fields, dict(settings), stored, swap)


def _object(fields: Fields, value: dict[str, Any], stored: Any, swap: Swap) -> dict[str, Any]:
    olds = stored if isinstance(stored, dict) else {}
    found: dict[str, Any] = {}
    for key, item in value.items():
        if fields is None:  # no schema: every member is a secret
            new = _secret(item, olds.get(key), swap)
        else:
            spec = fields.get(key)
            new = item if spec is None else _field(spec, item, olds.get(key), swap)
        if new is not DROP and (new is not None or item is None):
            found[key] = new
    return found


def _secret(value: Any, stored: Any, swap: Swap) -> Any:
    return value if value is None else swap(value, stored)


def _field(spec: FieldSpec, value: Any, stored: Any, swap: Swap) -> Any:
    if spec.type == "secret":
        return _secret(value, stored, swap)
    if spec.type != "object":
        return value
    if spec.properties is not None:
        if isinstance(value, dict):
            return _object(spec.properties, value, stored, swap)
        if spec.multiple and isinstance(value, list):
            olds = stored if isinstance(stored, list) else []
            return [
                _object(spec.properties, item, olds[i] if i < len(olds) else None, swap)
                if isinstance(item, dict)
                else item
                for i, item in enumerate(value)
            ]
    elif spec.values == "secret" and isinstance(value, dict):
        return _object(None, value, stored, swap)
    return value
