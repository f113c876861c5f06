"""An operator's endpoint: the base URL that replaces a destination's own (``--endpoint``,
``ACTIONS_ENDPOINT_<SLUG>`` through :mod:`framework.engine.operator`, a runtime configuration's
``endpoint``). It must be an absolute ``http`` or ``https`` URL naming a host; anything
else (``file:///…``, a bare ``host:port``) is refused where it is given, before any event
is read."""

from __future__ import annotations

from urllib.parse import urlsplit

ALLOWED_SCHEMES = ("http", "https")
"""The only URL schemes a destination may be sent to."""

ENDPOINT_PREFIX = "ACTIONS_ENDPOINT_"
ENDPOINT_VARIABLES = (
    f"{ENDPOINT_PREFIX}<SLUG>, the slug upper-cased with '-' as '_' "
    f"(acme-crm: {ENDPOINT_PREFIX}ACME_CRM)"
)
"""How help texts name the variables that replace a destination's base URL
(:mod:`framework.engine.operator` reads them)."""

EXAMPLE = "https://api.example.com"


def endpoint_problem(url: str) -> str | None:
    """Why ``url`` cannot be an endpoint (words that complete "the endpoint …"), or
    ``None``. Never repeats the URL, which may hold credentials."""
    if any(not char.isprintable() or char.isspace() for char in url):
        return "must not contain spaces or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a port that is not a number in range raises)
    except ValueError:
        return f"is not a valid URL; expected one such as {EXAMPLE}"
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        return f"must be an http or https URL, such as {EXAMPLE}"
    if not parts.hostname:
        return f"must name a host, as in {EXAMPLE}"
    return None
