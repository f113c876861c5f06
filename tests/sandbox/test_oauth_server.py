"""The sandbox's OAuth 2.0 server (framework.runtime.sandbox_oauth), as Perkville's sandbox
composes it, over loopback HTTP: the authorization code grant with PKCE, auto and manual
approval, refresh rotation, expiry, revocation, client authentication, its errors, and
faults on its endpoints."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from destinations.perkville import api
from destinations.perkville.sandbox import Faults, PerkvilleSandbox
from destinations.perkville.sandbox import failure as perkville_failure
from tests.sandbox.support import AUTH, SETTINGS
from tests.waiting import HANG_GUARD

AUTHORIZE = urlsplit(api.AUTHORIZE_URL).path
TOKEN = urlsplit(api.TOKEN_URL).path
REDIRECT = "http://127.0.0.1:8788/oauth/callback"
VERIFIER = "v" * 43 + "-verifier._~"  # RFC 7636: 43 to 128 unreserved characters
CLIENT = {"client_id": "sandbox-client", "client_secret": "sandbox-secret"}
BUSINESS = api.BUSINESS.format(business=SETTINGS["business_id"])
EXPIRED = perkville_failure("Invalid or missing bearer token", "E001")


class Clock:
    """A clock the test moves: ``clock.now += 3600``."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Served:
    """A started sandbox, its clock and a client for it (redirects are not followed)."""

    sandbox: PerkvilleSandbox
    clock: Clock
    http: httpx.Client

    def authorize(self, **changes: str | None) -> httpx.Response:
        """GET the authorization endpoint with a valid PKCE request, changed by ``changes``
        (None leaves a parameter out)."""
        params = {
            "response_type": "code",
            "client_id": "sandbox-client",
            "redirect_uri": REDIRECT,
            "scope": " ".join(api.SCOPES),
            "state": "s-1",
            "code_challenge": create_s256_code_challenge(VERIFIER),
            "code_challenge_method": "S256",
            **changes,
        }
        given = {name: value for name, value in params.items() if value is not None}
        return self.http.get(AUTHORIZE, params=given)

    def code(self) -> str:
        """A code from an auto-approved authorization."""
        return redirected(self.authorize())["code"]

    def token(self, form: dict[str, str], **options: Any) -> httpx.Response:
        return self.http.post(TOKEN, data=form, **options)

    def exchange(self, code: str, **changes: str) -> httpx.Response:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
        return self.token({**form, "code_verifier": VERIFIER, **CLIENT, **changes})

    def tokens(self) -> dict[str, Any]:
        """A fresh token response's body (a whole authorization, then the exchange)."""
        answer = self.exchange(self.code())
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def refresh(self, refresh_token: str) -> httpx.Response:
        return self.token({"grant_type": "refresh_token", "refresh_token": refresh_token, **CLIENT})

    def api_status(self, access_token: str) -> tuple[int, Any]:
        """The business lookup's status and body with ``access_token``."""
        answer = self.http.get(BUSINESS, headers={"Authorization": f"Bearer {access_token}"})
        return answer.status_code, answer.json()


Serve = Callable[..., Served]


@pytest.fixture
def serve() -> Iterator[Serve]:
    """``serve(**options)``: a started ``PerkvilleSandbox(SETTINGS, clock=..., **options)``."""
    started: list[Served] = []

    def start(**options: Any) -> Served:
        clock = Clock()
        sandbox = PerkvilleSandbox(SETTINGS, clock=clock, **options)
        sandbox.start()
        http = httpx.Client(base_url=sandbox.url, timeout=HANG_GUARD, follow_redirects=False)
        started.append(Served(sandbox, clock, http))
        return started[-1]

    yield start
    for served in started:
        served.http.close()
        served.sandbox.stop()


@pytest.fixture
def auto(serve: Serve) -> Served:
    """A sandbox that approves every authorization at once."""
    return serve()


def redirected(answer: httpx.Response) -> dict[str, str]:
    """The query of a 302 to the redirect URI (one value per parameter)."""
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return {name: values[0] for name, values in parse_qs(location.query).items()}


def oauth_error(answer: httpx.Response) -> tuple[int, str]:
    assert set(answer.json()) == {"error", "error_description"}
    return answer.status_code, answer.json()["error"]


def test_auto_approval_redirects_with_a_code_the_token_endpoint_exchanges(auto: Served) -> None:
    query = redirected(auto.authorize())
    assert set(query) == {"code", "state"}
    assert query["state"] == "s-1"
    answer = auto.exchange(query["code"])
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3600)
    assert body["scope"] == " ".join(api.SCOPES)
    assert auto.api_status(body["access_token"])[0] == 200
    assert auto.sandbox.oauth.valid(body["access_token"])
    assert auto.sandbox.oauth.grants() == {"authorization_code": 1, "refresh_token": 0}


def test_the_api_key_still_works_and_any_other_token_is_a_401(auto: Served) -> None:
    assert auto.http.get(BUSINESS, headers=AUTH).status_code == 200
    assert auto.api_status("not-a-token-the-sandbox-issued") == (401, EXPIRED)
    refresh_token = auto.tokens()["refresh_token"]
    assert auto.api_status(refresh_token) == (401, EXPIRED)  # a refresh token is no access token


def test_manual_approval_shows_a_page_whose_links_complete_the_redirect(serve: Serve) -> None:
    served = serve(approval="manual")
    page = served.authorize()
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Location" not in page.headers
    links = dict(re.findall(r'<a id="(approve|deny)" href="([^"]+)"', page.text))
    assert set(links) == {"approve", "deny"}
    assert len(served.sandbox.oauth.pending()) == 1
    query = redirected(served.http.get(links["approve"].replace("&amp;", "&")))
    assert query["state"] == "s-1"
    assert served.exchange(query["code"]).status_code == 200
    assert served.sandbox.oauth.pending() == []
    again = served.http.get(links["deny"].replace("&amp;", "&"))  # decided already
    assert again.status_code == 400
    assert "No such authorization request" in again.text


def test_manual_denial_redirects_with_access_denied(serve: Serve) -> None:
    served = serve(approval="manual")
    page = served.authorize(state="s-2")
    deny = re.search(r'<a id="deny" href="([^"]+)"', page.text)
    assert deny is not None
    query = redirected(served.http.get(deny.group(1).replace("&amp;", "&")))
    assert (query["error"], query["state"]) == ("access_denied", "s-2")
    assert "code" not in query


def test_a_test_approves_or_denies_from_python_or_its_control_endpoints(serve: Serve) -> None:
    served = serve(approval="manual")
    oauth = served.sandbox.oauth
    with pytest.raises(LookupError, match="no pending authorization request"):
        oauth.approve()
    served.authorize(state="first")
    served.authorize(state="second")
    first, second = oauth.pending()
    denied = parse_qs(urlsplit(oauth.deny(second)).query)
    assert (denied["error"], denied["state"]) == (["access_denied"], ["second"])
    approved = served.http.post("/sandbox/oauth/approve")  # the oldest pending one
    assert approved.status_code == 200
    query = parse_qs(urlsplit(approved.json()["location"]).query)
    assert query["state"] == ["first"]
    assert served.exchange(query["code"][0]).status_code == 200
    assert served.http.get("/sandbox/oauth/pending").json() == {"pending": []}
    missing = served.http.post("/sandbox/oauth/deny", params={"request": first})
    assert missing.status_code == 404


@pytest.mark.parametrize(
    "verifier",
    [None, "w" * 43, create_s256_code_challenge(VERIFIER)],
    ids=["missing", "another", "the-challenge-itself"],
)
def test_pkce_a_wrong_or_missing_verifier_is_invalid_grant_and_spends_the_code(
    auto: Served, verifier: str | None
) -> None:
    code = auto.code()
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, **CLIENT}
    wrong = auto.token(form if verifier is None else {**form, "code_verifier": verifier})
    assert oauth_error(wrong) == (400, "invalid_grant")
    assert oauth_error(auto.exchange(code)) == (400, "invalid_grant")  # spent
    assert auto.sandbox.oauth.grants()["authorization_code"] == 0


def test_without_a_challenge_no_verifier_is_needed_and_none_is_accepted(auto: Served) -> None:
    code = redirected(auto.authorize(code_challenge=None, code_challenge_method=None))["code"]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, **CLIENT}
    assert auto.token(form).status_code == 200
    other = redirected(auto.authorize(code_challenge=None, code_challenge_method=None))["code"]
    assert oauth_error(auto.exchange(other)) == (400, "invalid_grant")  # a verifier for none


def test_a_code_is_single_use(auto: Served) -> None:
    code = auto.code()
    assert auto.exchange(code).status_code == 200
    assert oauth_error(auto.exchange(code)) == (400, "invalid_grant")


def test_a_code_is_bound_to_its_redirect_uri(auto: Served) -> None:
    other = "http://127.0.0.1:8788/elsewhere"
    assert oauth_error(auto.exchange(auto.code(), redirect_uri=other)) == (400, "invalid_grant")


def test_a_code_expires_after_ten_minutes(auto: Served) -> None:
    kept, late = auto.code(), auto.code()
    auto.clock.now += 599
    assert auto.exchange(kept).status_code == 200
    auto.clock.now += 1
    assert oauth_error(auto.exchange(late)) == (400, "invalid_grant")


def test_a_refresh_rotates_the_refresh_token(auto: Served) -> None:
    first = auto.tokens()
    answer = auto.refresh(first["refresh_token"])
    assert answer.status_code == 200
    second = answer.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["scope"] == first["scope"]
    assert oauth_error(auto.refresh(first["refresh_token"])) == (400, "invalid_grant")
    assert auto.refresh(second["refresh_token"]).status_code == 200
    assert auto.sandbox.oauth.grants() == {"authorization_code": 1, "refresh_token": 2}


def test_an_access_token_expires_by_the_clock_and_a_refresh_replaces_it(serve: Serve) -> None:
    served = serve(token_lifetime=60)
    tokens = served.tokens()
    assert tokens["expires_in"] == 60
    served.clock.now += 59
    assert served.api_status(tokens["access_token"])[0] == 200
    served.clock.now += 1
    assert served.api_status(tokens["access_token"]) == (401, EXPIRED)
    assert not served.sandbox.oauth.valid(tokens["access_token"])
    fresh = served.refresh(tokens["refresh_token"]).json()
    assert served.api_status(fresh["access_token"])[0] == 200


def test_expire_access_tokens_expires_those_issued_so_far(auto: Served) -> None:
    first, second = auto.tokens(), auto.tokens()
    assert auto.sandbox.oauth.expire_access_tokens() == 2
    assert auto.api_status(first["access_token"]) == (401, EXPIRED)
    after = auto.refresh(second["refresh_token"]).json()  # refresh tokens still work
    assert auto.api_status(after["access_token"])[0] == 200
    expired = auto.http.post("/sandbox/oauth/expire")
    assert expired.json() == {"expired": 1}
    assert auto.api_status(after["access_token"]) == (401, EXPIRED)


def test_revoke_ends_every_token_issued_so_far_and_a_new_grant_works(auto: Served) -> None:
    tokens = auto.tokens()
    assert auto.sandbox.oauth.revoke() == 2
    assert auto.api_status(tokens["access_token"]) == (401, EXPIRED)
    assert oauth_error(auto.refresh(tokens["refresh_token"])) == (400, "invalid_grant")
    reconnected = auto.tokens()
    assert auto.api_status(reconnected["access_token"])[0] == 200
    assert auto.http.post("/sandbox/oauth/revoke").json() == {"revoked": 2}
    assert auto.api_status(reconnected["access_token"]) == (401, EXPIRED)
    assert auto.http.get("/sandbox/oauth/grants").json() == auto.sandbox.oauth.grants()


def basic(client_id: str, secret: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


def test_the_client_authenticates_with_http_basic_too(auto: Served) -> None:
    form = {"grant_type": "authorization_code", "code": auto.code(), "redirect_uri": REDIRECT}
    form["code_verifier"] = VERIFIER
    answer = auto.token(form, headers=basic("sandbox-client", "sandbox-secret"))
    assert answer.status_code == 200
    both = auto.token(
        {"grant_type": "refresh_token", "refresh_token": answer.json()["refresh_token"], **CLIENT},
        headers=basic("sandbox-client", "sandbox-secret"),
    )
    assert oauth_error(both) == (400, "invalid_request")  # one method, not two


@pytest.mark.parametrize(
    ("client", "headers"),
    [
        ({"client_id": "sandbox-client", "client_secret": "wrong"}, {}),
        ({"client_id": "someone-else", "client_secret": "sandbox-secret"}, {}),
        ({"client_id": "sandbox-client"}, {}),
        ({}, {}),
        ({}, basic("sandbox-client", "wrong")),
        ({}, {"Authorization": "Basic not-base64!"}),
        ({}, {"Authorization": "Bearer sandbox-secret"}),
    ],
    ids=[
        "wrong-secret",
        "other-client",
        "no-secret",
        "nothing",
        "basic-wrong",
        "basic-bad",
        "bearer",
    ],
)
def test_a_client_that_fails_authentication_is_invalid_client(
    auto: Served, client: dict[str, str], headers: dict[str, str]
) -> None:
    code = auto.code()
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    answer = auto.token({**form, "code_verifier": VERIFIER, **client}, headers=headers)
    assert oauth_error(answer) == (401, "invalid_client")
    assert answer.headers["WWW-Authenticate"].startswith("Basic")
    assert auto.exchange(code).status_code == 200  # the code was not spent


@pytest.mark.parametrize(
    ("request_options", "expected"),
    [
        ({"data": {"grant_type": "password", **CLIENT}}, (400, "unsupported_grant_type")),
        ({"data": CLIENT}, (400, "invalid_request")),
        ({"json": {"grant_type": "refresh_token", **CLIENT}}, (400, "invalid_request")),
        (
            {
                "content": "client_id=a&client_id=b",
                "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            },
            (400, "invalid_request"),
        ),
        ({"data": {"grant_type": "refresh_token", **CLIENT}}, (400, "invalid_request")),
    ],
    ids=["password-grant", "no-grant-type", "json-body", "repeated", "no-refresh-token"],
)
def test_malformed_token_requests_have_rfc_6749_errors(
    auto: Served, request_options: dict[str, Any], expected: tuple[int, str]
) -> None:
    assert oauth_error(auto.http.post(TOKEN, **request_options)) == expected


def test_the_token_endpoint_takes_only_post(auto: Served) -> None:
    answer = auto.http.get(TOKEN)
    assert answer.status_code == 405
    assert answer.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    "changes",
    [
        {"client_id": "someone-else"},
        {"client_id": None},
        {"redirect_uri": "https://example.com/oauth/callback"},
        {"redirect_uri": "http://example.com/oauth/callback"},
        {"redirect_uri": "http://127.0.0.1:8788/cb#fragment"},
        {"redirect_uri": None},
    ],
    ids=["unknown-client", "no-client", "https-remote", "http-remote", "fragment", "none"],
)
def test_an_authorization_that_cannot_redirect_is_a_400_page(
    auto: Served, changes: dict[str, str | None]
) -> None:
    answer = auto.authorize(**changes)
    assert answer.status_code == 400
    assert answer.headers["Content-Type"].startswith("text/html")
    assert "Location" not in answer.headers


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge": "too-short"}, "invalid_request"),
    ],
)
def test_other_authorization_errors_redirect_with_the_error_and_state(
    auto: Served, changes: dict[str, str | None], error: str
) -> None:
    query = redirected(auto.authorize(**changes))
    assert (query["error"], query["state"]) == (error, "s-1")
    assert "code" not in query


def test_a_loopback_redirect_uri_keeps_its_own_query(auto: Served) -> None:
    answer = auto.authorize(redirect_uri="http://localhost:9/cb?tenant=a")
    location = urlsplit(answer.headers["Location"])
    assert (location.netloc, location.path) == ("localhost:9", "/cb")
    assert parse_qs(location.query).keys() == {"tenant", "code", "state"}


def test_faults_hit_the_oauth_endpoints_but_never_its_controls(serve: Serve) -> None:
    served = serve(faults=Faults(rate=1.0, kinds=("500",)))
    form = {"grant_type": "refresh_token", "refresh_token": "x", **CLIENT}
    assert served.token(form).status_code == 500
    assert served.authorize().status_code == 500
    assert served.sandbox.injected() == {"500": 2}
    assert served.http.get("/sandbox/oauth/grants").status_code == 200
    assert served.http.post("/sandbox/oauth/revoke").status_code == 200
    assert served.sandbox.injected() == {"500": 2}


def test_notes_name_the_endpoints_and_the_operator_variables(auto: Served) -> None:
    url = auto.sandbox.url
    notes = dict(auto.sandbox.notes())
    assert notes["oauth"] == f"authorize {url}{AUTHORIZE}, token {url}{TOKEN} (approval auto)"
    assert notes["connect"].split() == [
        f"ACTIONS_OAUTH_ENDPOINT_PERKVILLE={url}",
        "ACTIONS_OAUTH_CLIENT_ID_PERKVILLE=sandbox-client",
        "ACTIONS_OAUTH_CLIENT_SECRET_PERKVILLE=sandbox-secret",
    ]


def test_its_own_client_and_lifetime_are_constructor_options(serve: Serve) -> None:
    served = serve(oauth_client_id="mine", oauth_client_secret="hidden")
    code = redirected(served.authorize(client_id="mine"))["code"]
    client = {"client_id": "mine", "client_secret": "hidden"}
    assert served.exchange(code, **client).status_code == 200
    assert served.authorize().status_code == 400  # sandbox-client is unknown now


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"approval": "sometimes"}, "approval"),
        ({"token_lifetime": 0}, "token_lifetime"),
        ({"oauth_client_secret": ""}, "client_secret"),
        ({"page_size": 0}, "page_size"),
    ],
)
def test_invalid_options_are_refused(options: dict[str, Any], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        PerkvilleSandbox(SETTINGS, **options)
