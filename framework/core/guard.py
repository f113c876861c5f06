"""The address guard: a URL chosen by a tenant may only reach public addresses.

A request whose URL is absolute did not come from the operator's base URL: it came from
the destination's settings (a webhook URL, say), which a tenant controls. Sent blindly,
it could make the framework reach into the operator's own network: an admin page on
``10.0.0.5``, a sidecar on ``127.0.0.1``, or the cloud metadata service on
``169.254.169.254``, which hands out credentials (server-side request forgery). So, before
such a request is sent, and before a dry run reports it, the runner checks it here.

Rules (:meth:`AddressGuard.check_url`)

- The scheme is ``http`` or ``https``; anything else is refused. This rule always holds.
- The host is resolved (IP literals need no DNS; ``localhost`` and ``*.localhost`` are
  loopback by definition, RFC 6761, and are never looked up) and *every* address it
  resolves to must be public. Refused: loopback (127/8, ::1), private (10/8, 172.16/12,
  192.168/16, fc00::/7 and the other special-purpose blocks Python's ``ipaddress`` counts
  as private), link-local (169.254/16, fe80::/10), unspecified (0.0.0.0, ::), multicast,
  reserved, anything else not globally routable (such as 100.64/10), and the cloud metadata
  addresses 169.254.169.254, fd00:ec2::254 and 100.100.100.200. An IPv6 address that
  embeds an IPv4 address (IPv4-mapped ``::ffff:a.b.c.d``, 6to4 ``2002::/16``, NAT64
  ``64:ff9b::/96``) is judged by the IPv4 address it embeds.
- A refusal is an :class:`UnsafeUrlError` (code ``UNSAFE_URL``, not retryable) naming the
  host and the reason, never the rest of the URL (its path and query may hold tokens), nor
  the private address a name resolved to. A name that does not resolve is a retryable
  ``DNS_ERROR``.
- The operator, and only the operator, can allow private targets (a sandbox on
  127.0.0.1, an on-premises receiver): ``DestinationRunner(..., allow_private_targets=True)``,
  which a command sets from the environment variable ``ACTIONS_ALLOW_PRIVATE_TARGETS=1``
  (:class:`framework.engine.operator.OperatorConfig`). That lifts the address rules, not the
  scheme rule.
- Name resolution is injectable (``resolver``: host name -> addresses), so tests run with
  no network: :func:`static_resolver` maps names to addresses.

Connecting to the checked address. Checking a name and then letting the HTTP client resolve
it again leaves a gap: DNS rebinding, where a name resolves to a public address for the
check and to 127.0.0.1 a moment later, for the connection. When the runner uses the real
network (no ``transport`` injected), the engine's connections to tenant hosts are opened
through :class:`framework.engine.client.GuardedResolver`, which resolves the host through
the same guard, applies the same rules to the answer, and hands the connector only the
addresses it has just checked. The address connected to is the address checked; TLS is
still verified against the host name.

Limits, honestly:

- With an injected ``transport`` (tests, custom transports) only the check before sending
  runs; where the bytes then go is the transport's business.
- Redirects are never followed (the engine sends with ``allow_redirects=False``): a 3xx is a
  failed request (``UNEXPECTED_REDIRECT``), so a public host cannot bounce a request to a
  private one.
- Tenant requests never use the environment's proxy settings (``HTTP_PROXY`` and so on):
  behind a proxy, the proxy would choose the address and the guard could not see it.
- The guard judges addresses, not intent: a public address that the operator's own
  firewalls trust (an allowlisted partner, the operator's own public endpoints) passes.
  Egress firewalling remains the real boundary; this is defence in depth.
- The system resolver (``getaddrinfo``) has no time-out of its own: a slow DNS server delays
  the request beyond its HTTP time-out. Nothing is cached: a host name is resolved for the
  check of every request and again for every new connection, and every answer is checked.
- A connection to a host with several addresses tries them in the resolver's order, each
  with the full connect time-out.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterable, Mapping, Sequence
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network

import httpx

from framework.core.endpoint import ALLOWED_SCHEMES
from framework.core.errors import IntegrationError, RetryableError

IPAddress = IPv4Address | IPv6Address
Resolver = Callable[[str], Iterable[str]]
"""Resolves a host name to IP address strings; raises ``OSError`` when it cannot."""

ALLOW_PRIVATE_TARGETS_ENV = "ACTIONS_ALLOW_PRIVATE_TARGETS"
METADATA_ADDRESSES = frozenset(
    ip_address(address) for address in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
_NAT64 = ip_network("64:ff9b::/96")
_ABSOLUTE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_LOOPBACK_ADDRESSES = (ip_address("127.0.0.1"), ip_address("::1"))
_HINT = (
    "only public addresses are allowed unless the operator allows private targets "
    f"({ALLOW_PRIVATE_TARGETS_ENV}=1)"
)


class UnsafeUrlError(IntegrationError):
    """A request URL the guard refuses: not http(s), or not a public address."""

    code = "UNSAFE_URL"


def absolute_url_scheme(url: str) -> str | None:
    """The lowercased scheme of an absolute URL (``scheme://...``), or ``None`` for a
    reference relative to the base URL."""
    found = _ABSOLUTE.match(url)
    return found.group(1).lower() if found else None


def check_scheme(scheme: str) -> None:
    """Refuse every scheme but ``http`` and ``https``."""
    if scheme not in ALLOWED_SCHEMES:
        raise UnsafeUrlError(f"URL scheme {scheme!r} is not allowed: only http and https")


def private_targets_allowed(environ: Mapping[str, str]) -> bool:
    """Whether the environment ``environ`` allows private targets
    (``ACTIONS_ALLOW_PRIVATE_TARGETS=1``): read by :mod:`framework.engine.operator` only."""
    value = environ.get(ALLOW_PRIVATE_TARGETS_ENV, "")
    return value.strip().lower() in ("1", "true", "yes", "on")


def not_public_because(address: IPAddress) -> str | None:
    """Why ``address`` is not a public address (e.g. ``"a loopback address"``), or ``None``
    when it is one."""
    if isinstance(address, IPv6Address):
        address = IPv6Address(address.packed)  # without a zone ("%eth0")
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return not_public_because(embedded)
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    kinds = (
        (address.is_unspecified, "an unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.is_private, "a private address"),
        (address.is_reserved, "a reserved address"),
        (not address.is_global, "not a public address"),
    )
    return next((reason for refused, reason in kinds if refused), None)


def system_resolver(host: str) -> list[str]:
    """The addresses the operating system resolves ``host`` to (``getaddrinfo``)."""
    answers = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(answer[4][0]) for answer in answers))


def static_resolver(names: Mapping[str, Sequence[str]]) -> Resolver:
    """A resolver answering from ``names`` (host -> addresses), for tests and pinned hosts;
    any other name fails as an unknown host would."""

    def resolve(host: str) -> list[str]:
        try:
            return list(names[host])
        except KeyError:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None

    return resolve


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address, IPv6 with or without brackets) is this
    machine's loopback: ``localhost`` or a loopback address."""
    host = host.strip("[]").lower()
    address = _literal(host)
    return host == "localhost" or (address is not None and address.is_loopback)


def _is_localhost(host: str) -> bool:
    name = host.rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")


def _literal(host: str) -> IPAddress | None:
    try:
        return ip_address(host)
    except ValueError:
        return None


class AddressGuard:
    """Checks tenant URLs and resolves the addresses their connections may use.

    ``allow_private`` (operator configuration) lifts the address rules; ``resolver``
    replaces the system's name resolution.
    """

    def __init__(self, *, allow_private: bool = False, resolver: Resolver | None = None) -> None:
        self.allow_private = allow_private
        self._resolver = resolver or system_resolver

    def check_url(self, url: str) -> None:
        """Refuse ``url`` unless it is http(s) and its host is public (or private targets are
        allowed). Raises :class:`UnsafeUrlError`, or a retryable ``DNS_ERROR``."""
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL:
            raise UnsafeUrlError("the request URL is not a valid URL") from None
        check_scheme(parsed.scheme)
        host = parsed.raw_host.decode("ascii")
        if not host:
            raise UnsafeUrlError("the request URL has no host")
        if not self.allow_private:
            self.addresses(host)

    def addresses(self, host: str) -> list[IPAddress]:
        """The addresses a connection to ``host`` may use: every address it resolves to,
        each checked unless private targets are allowed (then they are only resolved)."""
        literal = _literal(host)
        if literal is not None:
            found = [literal]
        elif _is_localhost(host):
            if not self.allow_private:
                raise UnsafeUrlError(
                    f"refusing to send to {host!r}: it is a loopback name; {_HINT}"
                )
            found = list(_LOOPBACK_ADDRESSES)
        else:
            found = self._resolve(host)
        if not self.allow_private:
            for address in found:
                reason = not_public_because(address)
                if reason is not None:
                    where = "it is" if literal is not None else "it resolves to"
                    raise UnsafeUrlError(f"refusing to send to {host!r}: {where} {reason}; {_HINT}")
        return found

    def _resolve(self, host: str) -> list[IPAddress]:
        try:
            answers = list(self._resolver(host))
        except OSError as error:
            reason = error.strerror or str(error) or type(error).__name__
            raise RetryableError(
                f"could not resolve host {host!r}: {reason}", code="DNS_ERROR"
            ) from None
        if not answers:
            raise RetryableError(f"host {host!r} resolves to no address", code="DNS_ERROR")
        return list(dict.fromkeys(ip_address(answer) for answer in answers))
