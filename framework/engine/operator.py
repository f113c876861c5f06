"""The operator's configuration: where each destination's requests go, whether tenant URLs
may reach private addresses, and how long a request may take.

It is one frozen :class:`OperatorConfig`, built at the edge (a command, from its options
and the environment) and passed down; nothing below the edge reads these variables:

- ``ACTIONS_ENDPOINT_<SLUG>`` replaces a destination's base URL. The slug is upper-cased
  and each ``-`` becomes ``_`` (:func:`endpoint_variable`: ``acme-crm`` is read from
  ``ACTIONS_ENDPOINT_ACME_CRM``), so every name is one a shell can export. An endpoint
  given as an option wins over the variable. It must be an http(s) URL naming a host
  (:mod:`framework.core.endpoint`); a refusal names the variable, never its value.
- ``ACTIONS_ALLOW_PRIVATE_TARGETS=1`` (or ``true``, ``yes``, ``on``) lifts the address
  guard's rules for tenant URLs (:mod:`framework.core.guard`); anything else, or nothing,
  leaves them on.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from framework.authoring.definition import SLUG
from framework.core.endpoint import ENDPOINT_PREFIX, endpoint_problem
from framework.core.errors import ActionsError
from framework.core.guard import private_targets_allowed
from framework.engine.http import DEFAULT_TIMEOUT


class OperatorConfigError(ActionsError):
    """The operator's configuration is invalid: the message names the variable or the
    option, never the value given (an endpoint may hold credentials)."""

    code = "INVALID_OPERATOR_CONFIG"


def endpoint_variable(slug: str) -> str:
    """The variable that sets a destination's endpoint: ``acme-crm`` ->
    ``ACTIONS_ENDPOINT_ACME_CRM``. ``ValueError`` for a string that is no destination slug
    (lowercase letters, digits and ``-``, starting with a letter)."""
    if not SLUG.fullmatch(slug):
        raise ValueError(f"{slug!r} is not a destination slug")
    return ENDPOINT_PREFIX + slug.upper().replace("-", "_")


@dataclass(frozen=True, repr=False)
class OperatorConfig:
    """What the operator, never a tenant's settings, decides: ``endpoints`` (destination
    slug -> base URL replacing the destination's own), ``allow_private_targets`` (for
    tenant URLs) and ``timeout`` (seconds per request). Checked when built
    (:class:`OperatorConfigError`); its repr names the slugs, never the URLs."""

    endpoints: Mapping[str, str] = field(default_factory=dict)
    allow_private_targets: bool = False
    timeout: float = DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        for slug, url in self.endpoints.items():
            if not SLUG.fullmatch(slug):
                raise OperatorConfigError(f"endpoints: {slug!r} is not a destination slug")
            problem = endpoint_problem(url)
            if problem is not None:
                raise OperatorConfigError(f"endpoints[{slug!r}]: the endpoint {problem}")
        if not 0 < self.timeout < math.inf:  # NaN too
            raise OperatorConfigError("timeout: expected a positive number of seconds")
        object.__setattr__(self, "endpoints", MappingProxyType(dict(self.endpoints)))

    def __repr__(self) -> str:
        slugs = ", ".join(sorted(self.endpoints))
        return (
            f"OperatorConfig(endpoints for [{slugs}], "
            f"allow_private_targets={self.allow_private_targets}, timeout={self.timeout})"
        )

    @classmethod
    def from_environment(
        cls,
        slugs: Iterable[str],
        *,
        environ: Mapping[str, str] | None = None,
        endpoints: Mapping[str, str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> OperatorConfig:
        """The configuration the environment (``environ``, by default the process's) gives
        the destinations ``slugs``, read once, here: each ``ACTIONS_ENDPOINT_<SLUG>`` that
        is set and not empty, overridden by ``endpoints`` (given as options), and
        ``ACTIONS_ALLOW_PRIVATE_TARGETS``. An endpoint variable that cannot be an endpoint
        is an :class:`OperatorConfigError` naming it."""
        env = os.environ if environ is None else environ
        found: dict[str, str] = {}
        for slug in slugs:
            name = endpoint_variable(slug)
            url = env.get(name)
            if not url:
                continue
            problem = endpoint_problem(url)
            if problem is not None:
                raise OperatorConfigError(f"{name}: the endpoint {problem}")
            found[slug] = url
        return cls(
            {**found, **(endpoints or {})},
            allow_private_targets=private_targets_allowed(env),
            timeout=timeout,
        )
