"""What every connection store shares: the :class:`ConnectionStore` interface, its
errors, and the stored document (a connection's JSON with its secrets sealed, its version
kept beside it).

Every store keeps, per connection, that document and a ``version`` bumped by each write,
plus a ``revision`` bumped by every change (the runtime polls it to apply changes live) and
the key's canary. A write names the version it was read at (``None``: a creation), and is
refused with :class:`VersionConflict` when it is not the stored one any more: of two
updates made from one version, exactly one is applied, never half of each.
"""

from __future__ import annotations

import json
from typing import Protocol

from framework.core.errors import ActionsError
from framework.runtime.control.connections import Connection
from framework.runtime.control.secrets import SecretBox, WrongKeyError


class VersionConflict(ActionsError):
    """A write named a version that is not the stored one (or created a connection that
    exists): read the connection again."""

    code = "VERSION_CONFLICT"


class StoreUnavailable(ActionsError):
    """The control store cannot be opened, read or written. The message names the store,
    never its credentials."""

    code = "CONTROL_STORE_UNAVAILABLE"


class ConnectionStore(Protocol):
    """Stored connections; thread-safe, synchronous."""

    def list(self) -> list[Connection]:
        """Every connection, by name."""
        ...

    def get(self, name: str) -> Connection | None:
        """The connection ``name``, if there is one."""
        ...

    def put(self, connection: Connection, expected_version: int | None) -> Connection:
        """Store ``connection``: a creation (``expected_version`` ``None``) or an update of
        the stored ``expected_version``, else :class:`VersionConflict`; it, at its new
        version."""
        ...

    def delete(self, name: str, expected_version: int | None = None) -> bool:
        """Delete ``name`` (only at ``expected_version``, if given, else
        :class:`VersionConflict`); whether there was one."""
        ...

    def revision(self) -> int:
        """A number bumped by every change."""
        ...

    def close(self) -> None:
        """Release the store."""
        ...


class SealedStore(ConnectionStore, Protocol):
    """A store that can be sealed again under another key."""

    def reseal(self, box: SecretBox) -> int:
        """Seal every connection and the canary with ``box`` from now on, all at once;
        the number of connections."""
        ...


def seal_document(connection: Connection, box: SecretBox) -> str:
    """The stored text of ``connection``: its JSON with its secrets sealed, its version
    (kept beside it) left out."""
    document = connection.to_json(masked=False)
    document["settings"] = box.seal(connection.destination, connection.settings)
    del document["version"]
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def open_document(text: str, version: int, box: SecretBox, where: str) -> Connection:
    """The connection stored as ``text`` at ``version`` in the store ``where``."""
    document = json.loads(text)
    try:
        document["settings"] = box.open(document["settings"])
    except WrongKeyError:
        raise wrong_key(where, f"connection {document['name']!r} ") from None
    return Connection.from_json({**document, "version": version})


def wrong_key(where: str, what: str = "") -> WrongKeyError:
    """The error of a store (or ``what`` in it) sealed with another key."""
    return WrongKeyError(
        f"{what}the control store {where} was sealed with another secret key: give the key "
        "it was sealed with ([control] secret_key, or the key file made with the store), "
        "or re-seal it with `actions connections rotate-key`"
    )


def conflict(name: str, stored: int | None, expected: int | None) -> VersionConflict:
    """Why a write of ``name`` at ``expected`` is refused, the stored version being
    ``stored`` (``None``: there is no such connection)."""
    if expected is None:
        return VersionConflict(f"a connection named {name!r} exists already")
    if stored is None:
        return VersionConflict(f"connection {name!r} was deleted meanwhile")
    return VersionConflict(
        f"connection {name!r} changed meanwhile (version {stored}, not {expected}): read it again"
    )
