"""Removing secret values from anything the framework shows: requests, messages, logs."""

from __future__ import annotations

from typing import Any

REDACTED = "[REDACTED]"
# Credential headers whose value starts with an authentication scheme ("Bearer", "Basic").
_SCHEME_HEADERS = frozenset({"authorization", "proxy-authorization"})
# Credential headers without a scheme: nothing of their value is shown.
_OPAQUE_HEADERS = frozenset({"cookie", "x-api-key"})


class Redactor:
    """Replaces every occurrence of known secret values, and hides credential headers."""

    def __init__(self, secrets: list[str]) -> None:
        # Longest first, so a secret containing another is replaced whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def text(self, value: str) -> str:
        """``value`` with every secret replaced by ``[REDACTED]``."""
        for secret in self._secrets:
            value = value.replace(secret, REDACTED)
        return value

    def value(self, value: Any) -> Any:
        """A copy of a JSON-like value with secrets replaced in every string."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(item) for item in value]
        return value

    def headers(self, headers: dict[str, str]) -> dict[str, str]:
        """Headers with secrets replaced; a credential header keeps only its scheme."""
        shown = {}
        for name, value in headers.items():
            redacted = self.text(value)
            if name.lower() in _OPAQUE_HEADERS:
                redacted = REDACTED
            elif name.lower() in _SCHEME_HEADERS and REDACTED not in redacted:
                scheme, _, credentials = redacted.partition(" ")
                redacted = f"{scheme} {REDACTED}" if credentials else REDACTED
            shown[name] = redacted
        return shown
