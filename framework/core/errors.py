"""Error types with stable codes.

Every error the framework reports carries a machine-readable ``code`` (stable across
releases), a human ``message`` and ``retryable``. Messages never contain secrets.
"""

from __future__ import annotations

from dataclasses import dataclass


class ActionsError(Exception):
    """Base of every error the framework raises on purpose."""

    code = "ACTIONS_ERROR"
    retryable = False

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class DefinitionError(ActionsError):
    """A destination, action, field or preset declaration is invalid (raised at build time)."""

    code = "INVALID_DEFINITION"


class SettingsError(ActionsError):
    """Destination settings are missing or invalid; the message names each bad setting."""

    code = "INVALID_SETTINGS"


@dataclass(frozen=True)
class Problem:
    """One problem found in a user document, at a JSON-pointer ``location``."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location or '/'}: {self.message}"


class MappingError(ActionsError):
    """A mapping is invalid. ``problems`` lists every problem found, not only the first."""

    code = "INVALID_MAPPING"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


class MappingResolutionError(ActionsError):
    """A valid mapping could not be resolved against one event."""

    code = "MAPPING_FAILED"


class SubscriptionSyntaxError(ActionsError):
    """An FQL subscription does not parse; ``position`` is the 0-based character offset.
    The message names the position, never the ``source`` text."""

    code = "INVALID_SUBSCRIPTION"

    def __init__(self, message: str, *, position: int, source: str) -> None:
        self.position = position
        self.source = source
        super().__init__(f"{message} at position {position}")


class IntegrationError(ActionsError):
    """An event could not be delivered. Not retryable unless said otherwise."""

    code = "INTEGRATION_ERROR"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        retryable: bool | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message, code=code)
        if retryable is not None:
            self.retryable = retryable
        self.status = status


class PayloadValidationError(IntegrationError):
    """The payload an event resolved to does not satisfy the action's fields."""

    code = "PAYLOAD_VALIDATION_FAILED"


class InvalidAuthenticationError(IntegrationError):
    """The destination rejected the credentials (HTTP 401/403)."""

    code = "INVALID_AUTHENTICATION"


class RetryableError(IntegrationError):
    """A transient failure: send the same event again (after ``retry_after`` seconds if set)."""

    code = "RETRYABLE_ERROR"
    retryable = True

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, code=code, status=status)
        self.retry_after = retry_after
