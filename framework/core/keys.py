"""Fernet keys of the operator's: given (several, the sealing one first) or kept in a
key file of mode 0600, created when missing. The control plane's store and the OAuth token
store seal their secrets with them; a message never holds a key."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.fernet import Fernet

from framework.core.errors import ActionsError


class SecretKeyError(ActionsError):
    """A secret key that is not a Fernet key, or a key file that cannot be used."""

    code = "INVALID_SECRET_KEY"


def load_key(
    secret_key: str | None, key_file: Path, where: str = "control.secret_key"
) -> tuple[list[bytes], bool]:
    """The keys of ``secret_key`` (the configured value, named ``where`` in errors, its
    keys separated by commas), else the key in ``key_file``, created (mode 0600, a new
    Fernet key) when missing; and whether it was created. :class:`SecretKeyError` for a
    key that is not a Fernet key or a key file others may read (the message never holds a
    key)."""
    if secret_key is not None:
        return parse_keys(secret_key, where), False
    created = _create(key_file)
    try:
        mode = stat.S_IMODE(key_file.stat().st_mode)
        key = key_file.read_bytes().strip()
    except OSError as error:
        raise SecretKeyError(f"cannot read the key file {key_file}: {error.strerror}") from None
    if mode & 0o077:
        raise SecretKeyError(
            f"the key file {key_file} may be read by others (mode {mode:04o}): "
            f"run chmod 600 {key_file}"
        )
    _check(key, f"the key file {key_file}")
    return [key], created


def parse_keys(text: str, where: str) -> list[bytes]:
    """The Fernet keys of ``text`` (separated by commas, the sealing one first);
    :class:`SecretKeyError` naming ``where`` (never the text) for one that is not a key."""
    keys = [part.strip().encode() for part in text.split(",")]
    for key in keys:
        _check(key, where)
    return keys


def _check(key: bytes, where: str) -> None:
    try:
        Fernet(key)
    except (ValueError, TypeError):
        raise SecretKeyError(f"{where} is not a Fernet key (32 bytes in URL-safe base64)") from None


def _create(key_file: Path) -> bool:
    """Write a new key to ``key_file`` (mode 0600) unless it exists; whether it did. The
    key is written to a file of its own, then linked into place: another process never
    sees a half-written key file, and of two creating it at once one key wins."""
    if key_file.exists():
        return False
    draft = key_file.with_name(f".{key_file.name}.{os.getpid()}")
    try:
        key_file.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(draft, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(Fernet.generate_key() + b"\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(draft, key_file)
        except FileExistsError:
            return False
        return True
    except OSError as error:
        raise SecretKeyError(f"cannot create the key file {key_file}: {error.strerror}") from None
    finally:
        draft.unlink(missing_ok=True)
