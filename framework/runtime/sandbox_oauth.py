"""An emulated OAuth 2.0 authorization server (RFC 6749, with PKCE, RFC 7636) that a
:class:`~framework.runtime.sandbox.Sandbox` composes: its :meth:`Sandbox.handle` asks
:meth:`SandboxOAuth.handle` first (``None``: not one of its paths), and its API accepts
the access tokens :meth:`SandboxOAuth.valid` holds for. One client, any scope:

- ``GET <authorize path>?response_type=code&client_id&redirect_uri&scope&state
  &code_challenge&code_challenge_method=S256``: an unknown client or a redirect URI that is
  not a loopback ``http`` URL is a 400 page (there is nowhere to redirect); any other error
  redirects with ``error`` and ``state``. Approval ``"auto"``: a 302 to
  ``redirect_uri?code=…&state=…``. ``"manual"``: a page whose Approve and Deny links
  (``<authorize path>?request=ID&decision=approve|deny``) complete the redirect (Deny:
  ``error=access_denied``), as :meth:`~SandboxOAuth.approve` and
  :meth:`~SandboxOAuth.deny` do.
- ``POST <token path>``, form-encoded, the client authenticated by HTTP Basic or by
  ``client_id`` and ``client_secret`` in the form. ``grant_type=authorization_code``: a code
  is spent by its first exchange, lives 10 minutes, and must come with the authorization's
  ``redirect_uri`` and, when it had a ``code_challenge``, the matching ``code_verifier``
  (S256). ``grant_type=refresh_token`` rotates the refresh token: the old one is spent (a
  ``scope`` asked for is ignored: the grant keeps its scope). 200 ``{"access_token",
  "token_type": "Bearer", "expires_in", "refresh_token", "scope"}``; errors as RFC 6749
  §5.2, ``{"error", "error_description"}``: 400 ``invalid_request``, ``invalid_grant``,
  ``unsupported_grant_type``; 401 ``invalid_client``.
- Test controls, in Python and under ``/sandbox/oauth/`` (never faulted, no credentials):
  ``GET grants`` and ``GET pending``; ``POST expire``, ``POST revoke``, and ``POST
  approve`` or ``POST deny`` (``?request=ID``, else the oldest pending request), which
  answer ``{"location": redirect URL}``.

Token expiry reads the ``clock`` given (tests inject one: nothing here sleeps). Codes and
tokens come from :func:`authlib.common.security.generate_token`, the S256 check from
:func:`authlib.oauth2.rfc7636.create_s256_code_challenge`.
"""

from __future__ import annotations

import hmac
import html
import math
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from framework.core.guard import is_loopback
from framework.engine.operator import (
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    OAUTH_ENDPOINT,
    endpoint_variable,
)
from framework.runtime.sandbox import INSPECTION_PREFIX, Reply, SandboxRequest

Approval = Literal["auto", "manual"]
CONTROLS = f"{INSPECTION_PREFIX}oauth/"
CODE_LIFETIME = 600  # seconds an authorization code can be exchanged
GRANT_TYPES = ("authorization_code", "refresh_token")
HTML = "text/html; charset=utf-8"
FORM = "application/x-www-form-urlencoded"
_TOKEN_LENGTH = 40
_S256_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")  # base64url of a SHA-256 digest, unpadded
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_LOOPBACK_ONLY = "redirect_uri must be a loopback http URL (http://127.0.0.1:PORT/...)"


class _Refusal(Exception):
    """An OAuth error (RFC 6749 §4.1.2.1, §5.2): ``error`` code, description, status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status

    def reply(self) -> Reply:
        headers = dict(_NO_STORE)
        if self.status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="sandbox"'
        body = {"error": self.error, "error_description": self.description}
        return Reply(self.status, body, headers)


@dataclass(frozen=True)
class _Authorization:
    """An authorization request that passed its checks: pending approval, or a code's."""

    redirect_uri: str
    state: str | None
    scope: str
    challenge: str | None


@dataclass(frozen=True)
class _Code:
    authorization: _Authorization
    expires_at: float


class SandboxOAuth:
    """An OAuth 2.0 authorization server at ``authorize_path`` and ``token_path`` for one
    client (see the module's docstring). Thread-safe: it answers on the event loop while a
    test calls its controls."""

    CLIENT_ID: ClassVar[str] = "sandbox-client"
    CLIENT_SECRET: ClassVar[str] = "sandbox-secret"
    TOKEN_LIFETIME: ClassVar[int] = 3600

    def __init__(
        self,
        authorize_path: str,
        token_path: str,
        *,
        client_id: str = CLIENT_ID,
        client_secret: str = CLIENT_SECRET,
        token_lifetime: int = TOKEN_LIFETIME,
        approval: Approval = "auto",
        clock: Callable[[], float] = time.time,
    ) -> None:
        if approval not in ("auto", "manual"):
            raise ValueError(f"approval must be 'auto' or 'manual', not {approval!r}")
        if token_lifetime <= 0:
            raise ValueError("token_lifetime must be a positive number of seconds")
        if not client_id or not client_secret:
            raise ValueError("client_id and client_secret must not be empty")
        self.authorize_path, self.token_path = authorize_path, token_path
        self.client_id, self.client_secret = client_id, client_secret
        self.token_lifetime, self.approval = token_lifetime, approval
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: dict[str, _Authorization] = {}  # by request id, oldest first
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, float] = {}  # access token -> when it expires
        self._refresh: dict[str, str] = {}  # refresh token -> its grant's scope
        self._grants: Counter[str] = Counter()
        self._controls: dict[str, tuple[str, Callable[[Mapping[str, str]], Any]]] = {
            "grants": ("GET", lambda _: self.grants()),
            "pending": ("GET", lambda _: {"pending": self.pending()}),
            "expire": ("POST", lambda _: {"expired": self.expire_access_tokens()}),
            "revoke": ("POST", lambda _: {"revoked": self.revoke()}),
            "approve": ("POST", lambda query: {"location": self.approve(query.get("request"))}),
            "deny": ("POST", lambda query: {"location": self.deny(query.get("request"))}),
        }

    def handle(self, request: SandboxRequest) -> Reply | None:
        """The answer to a request for one of its paths; ``None`` for any other path."""
        if request.path == self.authorize_path:
            return self._authorize(request)
        if request.path == self.token_path:
            return self._token(request)
        if request.path.startswith(CONTROLS):
            return self._control(request)
        return None

    def valid(self, access_token: str) -> bool:
        """Whether ``access_token`` was issued here and has neither expired nor been revoked."""
        with self._lock:
            expires_at = self._access.get(access_token)
        return expires_at is not None and self._clock() < expires_at

    def grants(self) -> dict[str, int]:
        """How many times each grant type issued tokens."""
        with self._lock:
            return {grant: self._grants[grant] for grant in GRANT_TYPES}

    def pending(self) -> list[str]:
        """The ids of the authorization requests awaiting approval, oldest first."""
        with self._lock:
            return list(self._pending)

    def approve(self, request: str | None = None) -> str:
        """Approve a pending request (``None``: the oldest); the URL the user agent is then
        redirected to, with a code. :class:`LookupError` when there is no such request."""
        return self._decide(request, approved=True)

    def deny(self, request: str | None = None) -> str:
        """Deny a pending request (``None``: the oldest); the redirect URL, with
        ``error=access_denied``. :class:`LookupError` when there is no such request."""
        return self._decide(request, approved=False)

    def expire_access_tokens(self) -> int:
        """Expire every access token issued so far (refresh tokens stay valid); how many
        were still live."""
        with self._lock:
            now = self._clock()
            live = [token for token, expires_at in self._access.items() if now < expires_at]
            self._access.update(dict.fromkeys(live, -math.inf))
        return len(live)

    def revoke(self) -> int:
        """Revoke every access and refresh token issued so far (a new authorization works);
        how many tokens that was."""
        with self._lock:
            revoked = len(self._access) + len(self._refresh)
            self._access.clear()
            self._refresh.clear()
        return revoked

    def notes(self, base_url: str, slug: str) -> list[tuple[str, str]]:
        """Where it serves at ``base_url`` and the operator variables that point destination
        ``slug`` at it, as ``(label, text)`` lines for ``actions sandbox``."""
        variables = (
            (OAUTH_ENDPOINT, base_url),
            (OAUTH_CLIENT_ID, self.client_id),
            (OAUTH_CLIENT_SECRET, self.client_secret),
        )
        where = f"authorize {base_url}{self.authorize_path}, token {base_url}{self.token_path}"
        return [
            ("oauth", f"{where} (approval {self.approval})"),
            ("connect", " ".join(f"{endpoint_variable(slug, v)}={x}" for v, x in variables)),
        ]

    # the authorization endpoint

    def _authorize(self, request: SandboxRequest) -> Reply:
        if request.method != "GET":
            return _page(405, "Method not allowed", "Use GET.", {"Allow": "GET"})
        try:
            params = _params(request.query)
        except _Refusal as refusal:
            return _page(400, "Invalid authorization request", refusal.description)
        if "request" in params:  # a click on the consent page's Approve or Deny
            return self._click(params["request"], params.get("decision"))
        if not _same(params.get("client_id"), self.client_id):
            return _page(400, "Unknown client", "client_id is missing or unknown.")
        redirect_uri = params.get("redirect_uri", "")
        if not _is_loopback_http(redirect_uri):
            return _page(400, "Invalid redirect URI", _LOOPBACK_ONLY)
        state = params.get("state")
        try:
            authorization = _authorization(params, redirect_uri, state)
        except _Refusal as refusal:
            refused = {"error": refusal.error, "error_description": refusal.description}
            return _found(_redirect(redirect_uri, refused, state))
        if self.approval == "auto":
            return _found(self._issue_code(authorization))
        with self._lock:
            request_id = generate_token(_TOKEN_LENGTH)
            self._pending[request_id] = authorization
        return self._consent_page(request_id, authorization)

    def _click(self, request_id: str, decision: str | None) -> Reply:
        if decision not in ("approve", "deny"):
            return _page(400, "Invalid decision", "decision must be approve or deny.")
        try:
            return _found(self._decide(request_id, approved=decision == "approve"))
        except LookupError as error:
            return _page(400, "No such authorization request", str(error))

    def _decide(self, request: str | None, *, approved: bool) -> str:
        with self._lock:
            chosen = next(iter(self._pending), None) if request is None else request
            authorization = self._pending.pop(chosen, None) if chosen is not None else None
        if authorization is None:
            raise LookupError("no pending authorization request (decided already?)")
        if approved:
            return self._issue_code(authorization)
        refused = {"error": "access_denied", "error_description": "The user denied access"}
        return _redirect(authorization.redirect_uri, refused, authorization.state)

    def _issue_code(self, authorization: _Authorization) -> str:
        """A new code for ``authorization``; the redirect URL that carries it."""
        code = generate_token(_TOKEN_LENGTH)
        with self._lock:
            self._codes[code] = _Code(authorization, self._clock() + CODE_LIFETIME)
        return _redirect(authorization.redirect_uri, {"code": code}, authorization.state)

    def _consent_page(self, request_id: str, authorization: _Authorization) -> Reply:
        def link(decision: str) -> str:
            query = urlencode({"request": request_id, "decision": decision})
            return html.escape(f"{self.authorize_path}?{query}")

        scope = html.escape(authorization.scope or "(none)")
        where = html.escape(authorization.redirect_uri)
        text = (
            f"<p>{html.escape(self.client_id)} asks for the scope {scope}, "
            f"and will be answered at {where}.</p>\n"
            f'<p><a id="approve" href="{link("approve")}">Approve</a> '
            f'<a id="deny" href="{link("deny")}">Deny</a></p>'
        )
        return _page(200, "Authorize access?", text, escaped=True)

    # the token endpoint

    def _token(self, request: SandboxRequest) -> Reply:
        if request.method != "POST":
            refused = {"error": "invalid_request", "error_description": "Use POST"}
            return Reply(405, refused, {"Allow": "POST"})
        try:
            form = _form(request)
            self._authenticate(request.headers, form)
            grant_type = form.get("grant_type")
            if grant_type == "authorization_code":
                tokens = self._exchange(form)
            elif grant_type == "refresh_token":
                tokens = self._refresh_grant(form)
            elif grant_type is None:
                raise _Refusal("invalid_request", "grant_type is missing")
            else:
                raise _Refusal("unsupported_grant_type", f"grant_type {grant_type} is unknown")
        except _Refusal as refusal:
            return refusal.reply()
        return Reply(200, tokens, _NO_STORE)

    def _authenticate(self, headers: Mapping[str, str], form: Mapping[str, str]) -> None:
        """HTTP Basic (RFC 6749 §2.3.1: form-encoded id and secret) or the form's fields."""
        header = headers.get("authorization")
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if header is not None:
            if secret is not None:
                raise _Refusal("invalid_request", "Authenticate the client one way, not two")
            basic_id, secret = extract_basic_authorization({"Authorization": header})
            if basic_id is None or secret is None:
                raise _Refusal("invalid_client", "The Authorization header is not HTTP Basic", 401)
            if client_id not in (None, basic_id):
                raise _Refusal("invalid_client", "client_id differs from the Basic one", 401)
            client_id = basic_id
        if not (_same(client_id, self.client_id) and _same(secret, self.client_secret)):
            raise _Refusal("invalid_client", "Client authentication failed", 401)

    def _exchange(self, form: Mapping[str, str]) -> dict[str, Any]:
        code, redirect_uri = _required(form, "code"), _required(form, "redirect_uri")
        with self._lock:
            issued = self._codes.pop(code, None)  # spent, right or wrong
            if issued is None or self._clock() >= issued.expires_at:
                raise _Refusal("invalid_grant", "The code is invalid, expired or already used")
            authorization = issued.authorization
            if redirect_uri != authorization.redirect_uri:
                raise _Refusal("invalid_grant", "redirect_uri differs from the authorization's")
            _check_verifier(authorization.challenge, form.get("code_verifier"))
            return self._issue_tokens("authorization_code", authorization.scope)

    def _refresh_grant(self, form: Mapping[str, str]) -> dict[str, Any]:
        token = _required(form, "refresh_token")
        with self._lock:
            scope = self._refresh.pop(token, None)  # rotated: spent by this use
            if scope is None:
                raise _Refusal("invalid_grant", "The refresh token is invalid, revoked or spent")
            return self._issue_tokens("refresh_token", scope)

    def _issue_tokens(self, grant_type: str, scope: str) -> dict[str, Any]:
        """A new access and refresh token pair (the caller holds the lock)."""
        access, refresh = generate_token(_TOKEN_LENGTH), generate_token(_TOKEN_LENGTH)
        self._access[access] = self._clock() + self.token_lifetime
        self._refresh[refresh] = scope
        self._grants[grant_type] += 1
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
            "refresh_token": refresh,
            "scope": scope,
        }

    # the test controls

    def _control(self, request: SandboxRequest) -> Reply:
        control = self._controls.get(request.path.removeprefix(CONTROLS))
        if control is None:
            return Reply(404, {"error": "not_found", "error_description": request.path})
        method, act = control
        if request.method != method:
            refused = {"error": "invalid_request", "error_description": f"Use {method}"}
            return Reply(405, refused, {"Allow": method})
        try:
            return Reply(200, act(_params(request.query)))
        except _Refusal as refusal:
            return refusal.reply()
        except LookupError as error:
            return Reply(404, {"error": "not_found", "error_description": str(error)})


def _authorization(
    params: Mapping[str, str], redirect_uri: str, state: str | None
) -> _Authorization:
    """The checked authorization request; its client and redirect URI are checked already."""
    response_type = params.get("response_type")
    if response_type is None:
        raise _Refusal("invalid_request", "response_type is missing")
    if response_type != "code":
        raise _Refusal("unsupported_response_type", "response_type must be code")
    challenge, method = params.get("code_challenge"), params.get("code_challenge_method")
    if challenge is None and method is not None:
        raise _Refusal("invalid_request", "code_challenge_method without a code_challenge")
    if challenge is not None and method != "S256":
        raise _Refusal("invalid_request", "code_challenge_method must be S256")
    if challenge is not None and not _S256_CHALLENGE.fullmatch(challenge):
        raise _Refusal("invalid_request", "code_challenge is not an S256 challenge")
    return _Authorization(redirect_uri, state, params.get("scope", ""), challenge)


def _check_verifier(challenge: str | None, verifier: str | None) -> None:
    """PKCE (RFC 7636 §4.6): the verifier must hash to the authorization's challenge."""
    if challenge is None and verifier is None:
        return
    if challenge is None:
        raise _Refusal("invalid_grant", "code_verifier given, but no code_challenge was")
    if verifier is None:
        raise _Refusal("invalid_grant", "code_verifier is missing")
    if not hmac.compare_digest(create_s256_code_challenge(verifier).encode(), challenge.encode()):
        raise _Refusal("invalid_grant", "code_verifier does not match the code_challenge")


def _params(text: str) -> dict[str, str]:
    """A query or form's parameters; empty ones are left out (RFC 6749 §3.1), repeated ones
    refused."""
    pairs = parse_qsl(text)
    params = dict(pairs)
    if len(params) != len(pairs):
        repeated = sorted({name for name, _ in pairs if sum(n == name for n, _ in pairs) > 1})
        raise _Refusal("invalid_request", f"repeated parameter {', '.join(repeated)}")
    return params


def _form(request: SandboxRequest) -> dict[str, str]:
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != FORM:
        raise _Refusal("invalid_request", f"The body must be {FORM}")
    try:
        return _params(request.body.decode())
    except UnicodeDecodeError:
        raise _Refusal("invalid_request", "The body is not UTF-8") from None


def _required(form: Mapping[str, str], name: str) -> str:
    value = form.get(name)
    if value is None:
        raise _Refusal("invalid_request", f"{name} is missing")
    return value


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _is_loopback_http(uri: str) -> bool:
    """Whether ``uri`` is an ``http`` URL on this machine (RFC 8252 §7.3), no fragment."""
    try:
        parts = urlsplit(uri)
        host = parts.hostname or ""
        _ = parts.port  # a port that is not a number is a ValueError
    except ValueError:
        return False
    if parts.scheme != "http" or parts.fragment:
        return False
    return is_loopback(host)


def _redirect(uri: str, params: Mapping[str, str], state: str | None) -> str:
    """``uri`` with ``params`` and ``state`` (when given) added to its query."""
    parts = urlsplit(uri)
    added = {**params, "state": state} if state is not None else params
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *added.items()])
    return urlunsplit(parts._replace(query=query))


def _found(location: str) -> Reply:
    return Reply(302, "", {"Location": location, **_NO_STORE}, HTML)


def _page(
    status: int,
    title: str,
    text: str,
    headers: Mapping[str, str] | None = None,
    *,
    escaped: bool = False,
) -> Reply:
    """A small HTML page; ``text`` is HTML when ``escaped``, else plain text."""
    body = text if escaped else f"<p>{html.escape(text)}</p>"
    page = (
        f'<!doctype html>\n<html><head><meta charset="utf-8"><title>{title}</title></head>\n'
        f"<body><h1>{title}</h1>\n{body}\n</body></html>\n"
    )
    return Reply(status, page, {**_NO_STORE, **(headers or {})}, HTML)
