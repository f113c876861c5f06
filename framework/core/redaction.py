"""Removing secret values from anything the framework shows: requests, messages, logs.

Each secret is hidden in every form :mod:`framework.core.secret_forms` lists (as itself, and
escaped or encoded as libraries and servers write it), and every character of every
occurrence is hidden, even where occurrences of different secrets overlap. Text that is
shortened for display is redacted first, so a cut never leaves part of a secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from framework.core.secret_forms import percent_encoded_pattern, secret_forms

REDACTED = "[REDACTED]"
# Credential headers whose value starts with an authentication scheme ("Bearer", "Basic").
_SCHEME_HEADERS = frozenset({"authorization", "proxy-authorization"})
# Credential headers without a scheme: nothing of their value is shown.
_OPAQUE_HEADERS = frozenset({"cookie", "x-api-key"})


class Redactor:
    """Replaces every occurrence of known secret values, and hides credential headers.

    The forms of the secrets are computed once, here; :meth:`text` only searches for them.
    """

    def __init__(self, secrets: list[str]) -> None:
        self._secrets: list[str] = []
        self.add(secrets)

    def add(self, secrets: list[str]) -> None:
        """Redact ``secrets`` too from now on (an access token obtained later)."""
        secrets = [secret for secret in secrets if secret not in self._secrets]
        if not secrets and self._secrets:
            return
        self._secrets += secrets
        every = self._secrets
        self._forms = tuple({form for secret in every for form in secret_forms(secret)})
        # One lookahead per secret, so that overlapping occurrences are all found
        patterns = {p for secret in every if (p := percent_encoded_pattern(secret))}
        self._percent_encoded = tuple(re.compile(f"(?=({pattern}))") for pattern in patterns)

    def text(self, value: str) -> str:
        """``value`` with every occurrence of a form of a secret replaced by
        ``[REDACTED]``; occurrences that overlap are replaced together, by one."""
        spans = [
            span for form in self._forms if form in value for span in _occurrences(value, form)
        ]
        if self._percent_encoded and ("%" in value or "+" in value):
            spans += [
                found.span(1)
                for pattern in self._percent_encoded
                for found in pattern.finditer(value)
            ]
        if not spans:
            return value
        spans.sort()
        parts: list[str] = []
        shown_from = 0
        for start, end in _merged(spans):
            parts += (value[shown_from:start], REDACTED)
            shown_from = end
        parts.append(value[shown_from:])
        return "".join(parts)

    def shortened(self, value: str, limit: int) -> str:
        """``value`` redacted, then cut to at most ``limit`` characters."""
        return self.text(value)[:limit]

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
            elif name.lower() in _SCHEME_HEADERS:
                scheme, _, credentials = redacted.partition(" ")
                redacted = f"{scheme} {REDACTED}" if credentials else REDACTED
            shown[name] = redacted
        return shown


def _occurrences(value: str, form: str) -> Iterator[tuple[int, int]]:
    """The ``(start, end)`` of every occurrence of ``form`` in ``value``, overlapping ones too."""
    start = value.find(form)
    while start != -1:
        yield start, start + len(form)
        start = value.find(form, start + 1)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted spans with the overlapping ones joined."""
    merged = [spans[0]]
    for start, end in spans[1:]:
        last_start, last_end = merged[-1]
        if start < last_end:
            merged[-1] = (last_start, max(last_end, end))
        else:
            merged.append((start, end))
    return merged
