"""Secrets at rest: the secret settings of a stored connection are sealed with Fernet
(``cryptography``: AES-128-CBC with an HMAC-SHA256, a timestamp and a random IV per token).

A :class:`SecretBox` holds one key or more (a :class:`~cryptography.fernet.MultiFernet`):
the first seals, every one opens, so a store can be read while it is re-sealed under a
new key. Sealing replaces each secret setting (by the destination's schema, see
:mod:`framework.runtime.control.connections`) with ``{"sealed": "<token>"}``, the token of
its JSON; opening replaces every such object, wherever it is, with what it holds.

The key comes from the operator: ``secret_key`` under ``[control]`` (resolved from the
environment by the configuration; several keys separated by commas, the sealing one
first), or else a key file created beside the store with mode 0600 (:func:`load_key`).
The key is never stored with the connections: a store holds only a *canary* (a token of
a fixed text) by which opening it with another key is a clear :class:`WrongKeyError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from framework.core.errors import ActionsError
from framework.core.keys import SecretKeyError
from framework.runtime.control.connections import Fields, swap_secrets

if TYPE_CHECKING:
    from framework.authoring.definition import Destination

SEALED = "sealed"
KEY_FILE = "actions-control.key"  # beside a store that is not a file (Redis)
_CANARY = b"actions control store canary"


class WrongKeyError(ActionsError):
    """A store (or a sealed value) was sealed with another key than the ones given."""

    code = "WRONG_SECRET_KEY"


class SecretBox:
    """Seals and opens secret settings with ``keys`` (Fernet keys, the first one sealing).
    A destination's secrets are found by its schema in ``destinations`` (by slug; ``None``:
    the installed destinations, found on first use); a destination with none known has
    every setting sealed."""

    def __init__(
        self, keys: Sequence[bytes], destinations: Mapping[str, Destination] | None = None
    ) -> None:
        if not keys:
            raise SecretKeyError("no secret key given")
        try:
            self._fernet = MultiFernet([Fernet(key) for key in keys])
        except (ValueError, TypeError):
            raise SecretKeyError(
                "a secret key is not a Fernet key (32 bytes in URL-safe base64; make one "
                'with: python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())")'
            ) from None
        self._destinations = destinations
        self._count = len(keys)

    def __repr__(self) -> str:  # never a key
        return f"SecretBox({self._count} key(s))"

    def seal(self, destination: str, settings: Mapping[str, Any]) -> dict[str, Any]:
        """``settings`` of a connection to ``destination`` (a slug) with each secret setting
        replaced by ``{"sealed": token}``."""
        fields = self._fields(destination)
        return swap_secrets(fields, settings, None, lambda value, _: self._seal(value))

    def open(self, sealed: Any) -> Any:
        """``sealed`` (settings, or any JSON) with each ``{"sealed": token}`` opened;
        :class:`WrongKeyError` when a token was sealed with another key."""
        if isinstance(sealed, list):
            return [self.open(item) for item in sealed]
        if not isinstance(sealed, dict):
            return sealed
        if set(sealed) == {SEALED} and isinstance(sealed[SEALED], str):
            try:
                return json.loads(self._fernet.decrypt(sealed[SEALED].encode()))
            except InvalidToken:
                raise WrongKeyError("a sealed setting cannot be opened with this key") from None
        return {key: self.open(item) for key, item in sealed.items()}

    def canary(self) -> str:
        """A token of a fixed text, stored with the connections to recognise the key."""
        return self._fernet.encrypt(_CANARY).decode()

    def opens(self, canary: str) -> bool:
        """Whether ``canary`` was sealed with one of this box's keys."""
        try:
            return self._fernet.decrypt(canary.encode()) == _CANARY
        except InvalidToken:
            return False

    def _seal(self, value: Any) -> Any:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return {SEALED: self._fernet.encrypt(text.encode()).decode()}

    def _fields(self, destination: str) -> Fields:
        if self._destinations is None:
            from framework.authoring.registry import discover  # noqa: PLC0415 (first use)

            self._destinations = discover().destinations
        found = self._destinations.get(destination)
        return None if found is None else found.setting_fields
