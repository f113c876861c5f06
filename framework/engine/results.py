"""What happened to one event in one action: the unit every tool reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from framework.core.errors import ActionsError, RetryableError

Status = Literal["delivered", "dry_run", "failed", "skipped"]


@dataclass(frozen=True)
class ErrorInfo:
    """A coded failure as reported to users (message already free of secrets).

    ``retry_after`` is the wait the destination asked for (``Retry-After``), in seconds, when
    it asked: a queue scheduling the next attempt honours it."""

    code: str
    message: str
    retryable: bool
    retry_after: float | None = None

    @classmethod
    def of(cls, error: ActionsError, message: str) -> ErrorInfo:
        """The report of ``error``, with its message as given (already redacted)."""
        wait = error.retry_after if isinstance(error, RetryableError) else None
        return cls(error.code, message, error.retryable, wait)

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape: ``code``, ``message``, ``retryable``."""
        return {"code": self.code, "message": self.message, "retryable": self.retryable}


@dataclass(frozen=True)
class Result:
    """One (event, action) outcome. ``request`` is the redacted request, when one was built;
    ``reason`` says why a ``skipped`` result sent nothing (redacted, never the event's values):
    no subscription matched, or the action declined the event."""

    message_id: str | None
    action: str | None
    status: Status
    request: dict[str, Any] | None = None
    error: ErrorInfo | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The documented JSON line: message_id, action, status, request, error, reason."""
        return {
            "message_id": self.message_id,
            "action": self.action,
            "status": self.status,
            "request": self.request,
            "error": self.error.to_json() if self.error else None,
            "reason": self.reason,
        }
