"""The one error type of the settings server: an HTTP status, a stable code, a message and,
for documents the framework rejected, every problem at its location."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A request the server refuses; the handler turns it into a JSON error response.

    The message never contains a request's values (so never a secret).
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        problems: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.problems = problems

    def to_json(self) -> dict[str, Any]:
        """``{"error": {"code", "message"[, "problems"]}}``."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.problems is not None:
            error["problems"] = self.problems
        return {"error": error}


def bad_request(message: str) -> ApiError:
    """A request whose JSON has the wrong shape (400)."""
    return ApiError(400, "BAD_REQUEST", message)


def not_found(message: str) -> ApiError:
    """An unknown route, destination or asset (404)."""
    return ApiError(404, "NOT_FOUND", message)
