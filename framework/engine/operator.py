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
- For a destination that connects with OAuth 2.0 (:mod:`framework.authoring.oauth`):
  ``ACTIONS_OAUTH_CLIENT_ID_<SLUG>`` and ``ACTIONS_OAUTH_CLIENT_SECRET_<SLUG>`` are the
  operator's OAuth client; ``ACTIONS_OAUTH_ENDPOINT_<SLUG>`` replaces the scheme, host and
  port of its authorization and token URLs (their paths are kept: a sandbox serves them);
  ``ACTIONS_TOKEN_STORE`` is the file of the token store (default ``actions-tokens.db`` in
  the working directory) and ``ACTIONS_TOKEN_KEY`` the Fernet key its tokens are sealed with
  (default: a key file beside it).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
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


OAUTH_CLIENT_ID = "ACTIONS_OAUTH_CLIENT_ID_"
OAUTH_CLIENT_SECRET = "ACTIONS_OAUTH_CLIENT_SECRET_"
OAUTH_ENDPOINT = "ACTIONS_OAUTH_ENDPOINT_"
TOKEN_STORE = "ACTIONS_TOKEN_STORE"
TOKEN_KEY = "ACTIONS_TOKEN_KEY"
DEFAULT_TOKEN_STORE = Path("actions-tokens.db")


def endpoint_variable(slug: str, prefix: str = ENDPOINT_PREFIX) -> str:
    """The variable that sets a destination's endpoint: ``acme-crm`` ->
    ``ACTIONS_ENDPOINT_ACME_CRM`` (another ``prefix``: another of its variables).
    ``ValueError`` for a string that is no destination slug (lowercase letters, digits and
    ``-``, starting with a letter)."""
    if not SLUG.fullmatch(slug):
        raise ValueError(f"{slug!r} is not a destination slug")
    return prefix + slug.upper().replace("-", "_")


@dataclass(frozen=True)
class OAuthClient:
    """The operator's OAuth client at one provider; its repr never shows the secret."""

    client_id: str
    client_secret: str = field(repr=False)


@dataclass(frozen=True, repr=False)
class OperatorConfig:
    """What the operator, never a tenant's settings, decides: ``endpoints`` (destination
    slug -> base URL replacing the destination's own), ``allow_private_targets`` (for
    tenant URLs) and ``timeout`` (seconds per request). Checked when built
    (:class:`OperatorConfigError`); its repr names the slugs, never the URLs."""

    endpoints: Mapping[str, str] = field(default_factory=dict)
    allow_private_targets: bool = False
    timeout: float = DEFAULT_TIMEOUT
    oauth_clients: Mapping[str, OAuthClient] = field(default_factory=dict)
    oauth_endpoints: Mapping[str, str] = field(default_factory=dict)
    token_store: Path = DEFAULT_TOKEN_STORE
    token_key: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for name in ("endpoints", "oauth_endpoints"):
            for slug, url in getattr(self, name).items():
                if not SLUG.fullmatch(slug):
                    raise OperatorConfigError(f"{name}: {slug!r} is not a destination slug")
                problem = endpoint_problem(url)
                if problem is not None:
                    raise OperatorConfigError(f"{name}[{slug!r}]: the endpoint {problem}")
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        if not 0 < self.timeout < math.inf:  # NaN too
            raise OperatorConfigError("timeout: expected a positive number of seconds")
        object.__setattr__(self, "oauth_clients", MappingProxyType(dict(self.oauth_clients)))

    def __repr__(self) -> str:
        slugs = ", ".join(sorted(self.endpoints))
        clients = ", ".join(sorted(self.oauth_clients))
        return (
            f"OperatorConfig(endpoints for [{slugs}], "
            f"allow_private_targets={self.allow_private_targets}, timeout={self.timeout}, "
            f"OAuth clients for [{clients}])"
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
        ``ACTIONS_ALLOW_PRIVATE_TARGETS``, and the OAuth variables of the module. A variable
        that cannot be an endpoint, or an OAuth client id without its secret (or the
        reverse), is an :class:`OperatorConfigError` naming it."""
        env = os.environ if environ is None else environ
        slugs = list(slugs)
        clients: dict[str, OAuthClient] = {}
        for slug in slugs:
            client_id = env.get(endpoint_variable(slug, OAUTH_CLIENT_ID))
            secret = env.get(endpoint_variable(slug, OAUTH_CLIENT_SECRET))
            if client_id and secret:
                clients[slug] = OAuthClient(client_id, secret)
            elif client_id or secret:
                given, missing = (
                    (OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET)
                    if client_id
                    else (OAUTH_CLIENT_SECRET, OAUTH_CLIENT_ID)
                )
                raise OperatorConfigError(
                    f"{endpoint_variable(slug, given)} is set but "
                    f"{endpoint_variable(slug, missing)} is not: an OAuth client needs both"
                )
        return cls(
            {**_endpoints(env, slugs, ENDPOINT_PREFIX), **(endpoints or {})},
            allow_private_targets=private_targets_allowed(env),
            timeout=timeout,
            oauth_clients=clients,
            oauth_endpoints=_endpoints(env, slugs, OAUTH_ENDPOINT),
            token_store=Path(env.get(TOKEN_STORE) or DEFAULT_TOKEN_STORE),
            token_key=env.get(TOKEN_KEY) or None,
        )


def _endpoints(env: Mapping[str, str], slugs: Iterable[str], prefix: str) -> dict[str, str]:
    """slug -> URL of each variable ``<prefix><SLUG>`` that is set and not empty."""
    found: dict[str, str] = {}
    for slug in slugs:
        name = endpoint_variable(slug, prefix)
        url = env.get(name)
        if not url:
            continue
        problem = endpoint_problem(url)
        if problem is not None:
            raise OperatorConfigError(f"{name}: the endpoint {problem}")
        found[slug] = url
    return found
