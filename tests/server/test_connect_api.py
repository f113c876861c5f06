"""The settings API's dynamic choices and OAuth 2.0 connection, on a real server
(127.0.0.1, a free port) whose operator configuration points Perkville, API and OAuth, at
a Perkville sandbox: the routes' answers and refusals, the callback page, and no response
that ever holds a token."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from destinations.perkville import destination as perkville
from destinations.perkville.sandbox import PerkvilleSandbox
from destinations.webhook import destination as webhook
from framework import Faults
from framework.authoring.oauth import connection_id
from framework.engine.oauth.connect import FlowStatus
from framework.engine.oauth.store import Tokens, TokenStore
from framework.engine.operator import OAuthClient, OperatorConfig
from framework.runtime.server import SettingsApi, SettingsServer
from framework.runtime.server.callback import callback_html
from tests.perkville.support import API_KEY, SETTINGS
from tests.server.support import error_of

CHOICES = "/api/destinations/perkville/choices"
CONNECT = "/api/destinations/perkville/connect"


@dataclass
class Recorded:
    """A client of the settings server that keeps every response's text (status line,
    headers, body)."""

    http: httpx.Client
    texts: list[str] = field(default_factory=list)

    def send(self, method: str, url: str, **options: Any) -> httpx.Response:
        response = self.http.request(method, url, **options)
        self.texts.append(f"{response.status_code}\n{response.headers}\n{response.text}")
        return response

    def showing(self, secret: str) -> list[str]:
        return [text for text in self.texts if secret in text]


@dataclass(frozen=True)
class Setup:
    server: SettingsServer
    sandbox: PerkvilleSandbox
    client: Recorded
    token_store: Path


@contextmanager
def serving(
    folder: Path, sandbox: PerkvilleSandbox, *, client: bool = True, timeout: float = 10.0
) -> Iterator[Setup]:
    """``sandbox`` and a settings server for Perkville and the webhook pointed at it (with
    the sandbox's OAuth client unless ``client`` is false)."""
    with sandbox:
        operator = OperatorConfig(
            {"perkville": sandbox.url},
            timeout=timeout,
            oauth_clients={
                "perkville": OAuthClient(sandbox.oauth.client_id, sandbox.oauth.client_secret)
            }
            if client
            else {},
            oauth_endpoints={"perkville": sandbox.url},
            token_store=folder / "tokens.db",
        )
        destinations = {"perkville": perkville, "webhook": webhook}
        server = SettingsServer("127.0.0.1", 0, SettingsApi(destinations, None, operator))
        server.start()
        try:
            with httpx.Client(base_url=server.url, timeout=60) as http:
                yield Setup(server, sandbox, Recorded(http), folder / "tokens.db")
        finally:
            server.stop()


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    with serving(tmp_path, PerkvilleSandbox(SETTINGS)) as ready:
        yield ready


def authorize(setup: Setup, body: dict[str, Any] | None = None) -> tuple[str, httpx.Response]:
    """Press Connect, and follow the sandbox's approval back to the callback: the flow id
    and the callback's response."""
    started = setup.client.send("POST", CONNECT, json=body or {})
    assert started.status_code == 200, started.text
    flow, url = started.json()["flow"], started.json()["authorize_url"]
    approval = httpx.get(url)  # the provider's page: a 302 back to the server
    assert approval.status_code == 302
    return flow, setup.client.send("GET", approval.headers["Location"])


def stored(setup: Setup, reference: str) -> Tokens:
    connection = connection_id(reference)
    assert connection is not None
    grant = TokenStore(setup.token_store).get(connection)
    assert grant is not None
    return grant.tokens


def test_the_catalog_names_the_connect_button_and_the_setting_it_fills(setup: Setup) -> None:
    described = setup.client.send("GET", "/api/destinations/perkville").json()
    assert described["oauth"] == {"label": "Connect with Perkville", "setting": "api_key"}
    assert setup.client.send("GET", "/api/destinations/webhook").json()["oauth"] is None


def test_a_connection_is_made_used_and_reconnected_without_any_answer_showing_a_token(
    setup: Setup,
) -> None:
    flow, callback = authorize(setup)
    assert callback.status_code == 200
    assert callback.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in callback.headers["Content-Security-Policy"]
    assert "<h1>Connected</h1>" in callback.text
    status = setup.client.send("GET", f"/api/connect/{flow}").json()
    reference = status["connection"]
    assert status == {"status": "connected", "connection": reference}
    assert reference.startswith("oauth:")

    settings = {**SETTINGS, "api_key": reference}
    tested = setup.client.send(
        "POST", "/api/destinations/perkville/test-connection", json={"settings": settings}
    )
    assert tested.json()["ok"] is True
    listed = setup.client.send(
        "POST", CHOICES, json={"settings": settings, "field": "event_to_perk_map"}
    )
    assert listed.json() == {
        "ok": True,
        "choices": [
            {"value": perk, "label": f"Perk {perk}"} for perk in ("555", "556", "007", "900")
        ],
    }
    first = stored(setup, reference)

    again, callback = authorize(setup, {"connection": reference})
    assert callback.status_code == 200
    assert setup.client.send("GET", f"/api/connect/{again}").json()["connection"] == reference
    second = stored(setup, reference)
    assert second.access_token != first.access_token
    assert setup.sandbox.oauth.grants()["authorization_code"] == 2
    for token in (
        first.access_token,
        first.refresh_token,
        second.access_token,
        second.refresh_token,
    ):
        assert token
        assert setup.client.showing(token) == []


def test_the_authorize_url_sends_the_browser_back_to_this_server(setup: Setup) -> None:
    started = setup.client.send("POST", CONNECT, json={}).json()
    query = parse_qs(urlsplit(started["authorize_url"]).query)
    assert query["redirect_uri"] == [setup.server.redirect_uri]
    assert setup.server.redirect_uri == f"{setup.server.url}oauth/callback"
    assert query["state"] == [started["flow"]]
    assert query["code_challenge_method"] == ["S256"]
    assert setup.client.send("GET", f"/api/connect/{started['flow']}").json() == {
        "status": "pending"
    }


@pytest.mark.parametrize(
    ("host", "redirect"),
    [("0.0.0.0", "http://127.0.0.1:0/oauth/callback"), ("::1", "http://[::1]:0/oauth/callback")],
)
def test_the_redirect_uri_is_a_loopback_url_a_browser_can_reach(host: str, redirect: str) -> None:
    server = SettingsServer(host, 0, SettingsApi({"perkville": perkville}))
    assert server.redirect_uri == redirect  # (port 0 until it listens)


def test_a_denied_authorization_shows_why_on_the_callback_page_and_in_the_status(
    setup: Setup,
) -> None:
    flow = setup.client.send("POST", CONNECT, json={}).json()["flow"]
    page = setup.client.send("GET", f"/oauth/callback?state={flow}&error=access_denied")
    assert page.status_code == 200
    assert "<h1>Not connected</h1>" in page.text
    assert "AUTHORIZATION_DENIED: Perkville did not authorize the connection" in page.text
    assert setup.client.send("GET", f"/api/connect/{flow}").json() == {
        "status": "failed",
        "code": "AUTHORIZATION_DENIED",
        "message": "Perkville did not authorize the connection (access_denied)",
    }


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("?state=not-a-flow&code=abc", id="unknown state"),
        pytest.param("?code=abc", id="no state"),
        pytest.param("", id="nothing"),
    ],
)
def test_a_callback_naming_no_flow_is_an_html_error_page(setup: Setup, query: str) -> None:
    page = setup.client.send("GET", f"/oauth/callback{query}")
    assert page.status_code == 400
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<h1>Not connected</h1>" in page.text
    assert "UNKNOWN_FLOW: unknown or expired connection attempt: press Connect again" in page.text


def test_the_callback_page_escapes_what_it_shows() -> None:
    failed = FlowStatus("failed", code="CODE", message='<img src=x onerror="1">&')
    page = callback_html(failed).decode()
    assert "<img" not in page
    assert "CODE: &lt;img src=x onerror=&quot;1&quot;&gt;&amp;" in page


def test_an_unknown_flow_is_a_404(setup: Setup) -> None:
    response = setup.client.send("GET", "/api/connect/not-a-flow")
    assert response.status_code == 404
    assert error_of(response) == {
        "code": "NOT_FOUND",
        "message": "unknown or expired connection attempt: press Connect again",
    }


NOT_A_REFERENCE = 'connection: expected a connection reference ("oauth:<id>")'
NOT_A_FIELD = 'field: expected a field name ("<setting>" or "<action>.<field>")'


@dataclass(frozen=True)
class Refused:
    """A request and the JSON error it gets."""

    method: str
    path: str
    body: dict[str, Any] | None
    status: int
    code: str
    message: str


REFUSED = {
    "choices: unknown slug": Refused(
        "POST",
        "/api/destinations/nope/choices",
        {"settings": {}, "field": "x"},
        404,
        "NOT_FOUND",
        "unknown destination 'nope'",
    ),
    "connect: unknown slug": Refused(
        "POST", "/api/destinations/nope/connect", {}, 404, "NOT_FOUND", "unknown destination 'nope'"
    ),
    "connect: no OAuth": Refused(
        "POST",
        "/api/destinations/webhook/connect",
        {},
        404,
        "NOT_FOUND",
        "webhook does not connect with OAuth 2.0",
    ),
    "choices: no settings": Refused(
        "POST",
        CHOICES,
        {"field": "business_id"},
        400,
        "BAD_REQUEST",
        "settings: expected a JSON object",
    ),
    "choices: settings not an object": Refused(
        "POST",
        CHOICES,
        {"settings": [], "field": "business_id"},
        400,
        "BAD_REQUEST",
        "settings: expected a JSON object",
    ),
    "choices: field not text": Refused(
        "POST", CHOICES, {"settings": {}, "field": 7}, 400, "BAD_REQUEST", NOT_A_FIELD
    ),
    "connect: not a reference": Refused(
        "POST", CONNECT, {"connection": "not-a-reference"}, 400, "BAD_REQUEST", NOT_A_REFERENCE
    ),
    "connect: reference not text": Refused(
        "POST", CONNECT, {"connection": 42}, 400, "BAD_REQUEST", NOT_A_REFERENCE
    ),
    "connect: GET": Refused(
        "GET", CONNECT, None, 405, "METHOD_NOT_ALLOWED", f"{CONNECT} answers POST only"
    ),
    "status: POST": Refused(
        "POST",
        "/api/connect/abc",
        {},
        405,
        "METHOD_NOT_ALLOWED",
        "/api/connect/abc answers GET only",
    ),
}


@pytest.mark.parametrize("case", REFUSED.values(), ids=REFUSED.keys())
def test_bad_requests_are_refused_with_a_json_error(setup: Setup, case: Refused) -> None:
    response = setup.client.send(case.method, case.path, json=case.body)
    assert response.status_code == case.status
    assert error_of(response) == {"code": case.code, "message": case.message}


def test_connecting_without_the_operator_client_says_what_to_set(tmp_path: Path) -> None:
    with serving(tmp_path, PerkvilleSandbox(SETTINGS), client=False) as setup:
        response = setup.client.send("POST", CONNECT, json={})
    assert response.status_code == 409
    assert error_of(response) == {
        "code": "OAUTH_NOT_AVAILABLE",
        "message": "perkville connects with OAuth 2.0 through the operator's OAuth client, and "
        "none is configured: set ACTIONS_OAUTH_CLIENT_ID_PERKVILLE and "
        "ACTIONS_OAUTH_CLIENT_SECRET_PERKVILLE",
    }


def test_choices_that_cannot_be_listed_answer_the_code_and_message(setup: Setup) -> None:
    refused = {"settings": {**SETTINGS, "api_key": "pk_live_wrong"}, "field": "business_id"}
    assert setup.client.send("POST", CHOICES, json=refused).json() == {
        "ok": False,
        "code": "INVALID_AUTHENTICATION",
        "message": "Perkville refused the credentials (listing the choices of business_id): "
        "HTTP 401 Unauthorized: Invalid or missing bearer token",
    }
    unknown = {"settings": SETTINGS, "field": "send_email"}
    answer = setup.client.send("POST", CHOICES, json=unknown).json()
    assert (answer["ok"], answer["code"]) == (False, "UNKNOWN_FIELD")
    assert setup.client.showing(API_KEY) == []


def test_a_destination_that_never_answers_is_a_timeout(tmp_path: Path) -> None:
    never = PerkvilleSandbox(SETTINGS, faults=Faults(rate=1.0, kinds=("slow",), slow_seconds=3600))
    with serving(tmp_path, never, timeout=0.2) as setup:
        answer = setup.client.send(
            "POST", CHOICES, json={"settings": SETTINGS, "field": "business_id"}
        )
    assert answer.json() == {
        "ok": False,
        "code": "TIMEOUT",
        "message": "Perkville did not answer in time (listing the choices of business_id): "
        "request timed out (TimeoutError)",
    }


def test_the_log_shows_no_code_or_token(setup: Setup, server_log: pytest.LogCaptureFixture) -> None:
    flow, callback = authorize(setup)
    reference = setup.client.send("GET", f"/api/connect/{flow}").json()["connection"]
    tokens = stored(setup, reference)
    code = parse_qs(urlsplit(str(callback.request.url)).query)["code"][0]
    assert "GET /oauth/callback 200" in server_log.text
    for secret in (code, tokens.access_token, tokens.refresh_token or "-"):
        assert secret not in server_log.text
