"""Who may change things: `actions serve` on a non-loopback address refuses to start without
an admin token; with one, every /api/ call needs it (a bearer header or the cookie that
POST /api/session sets), while the page, the ingress (its write keys) and /metrics are
unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from destinations.perkville import destination as perkville
from framework.engine.operator import OperatorConfig
from framework.runtime.delivery.config import load_config
from framework.runtime.server import SettingsApi, SettingsServer
from framework.runtime.server.ingress import Ingress
from framework.tooling.cli import main
from framework.tooling.cli.serve import admin_token
from tests.delivery.support import ENV, write_config
from tests.server.support import COMMITTED, FakeRuntime, error_of

TOKEN = "admin-SECRET-token-5c4d"


@pytest.fixture
def runtime() -> FakeRuntime:
    return FakeRuntime()


@pytest.fixture
def http(runtime: FakeRuntime) -> Iterator[httpx.Client]:
    api = SettingsApi({"perkville": perkville}, COMMITTED, OperatorConfig())
    server = SettingsServer("127.0.0.1", 0, api, ingress=Ingress(runtime), admin_token=TOKEN)
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            yield client
    finally:
        server.stop()


def test_a_non_loopback_serve_without_a_token_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ACTIONS_ADMIN_TOKEN", raising=False)
    assert main(["serve", "--host", "0.0.0.0", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "0.0.0.0 is not a loopback address: the page and its API need an admin token" in err
    assert "ACTIONS_ADMIN_TOKEN" in err
    assert "Traceback" not in err


def test_the_token_comes_from_the_environment_or_the_configuration(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ACTIONS_ADMIN_TOKEN", raising=False)
    assert admin_token("127.0.0.1", None, needed=True) is None
    assert admin_token("0.0.0.0", None, needed=False) is None  # an ingress alone (--no-ui)
    path = write_config(tmp_path, None)
    path.write_text(path.read_text() + '\n[control]\nadmin_token = "env:FILED_TOKEN"\n')
    config = load_config(path, {**ENV, "FILED_TOKEN": TOKEN})
    assert admin_token("0.0.0.0", config, needed=True) == TOKEN
    monkeypatch.setenv("ACTIONS_ADMIN_TOKEN", "from-env")
    assert admin_token("0.0.0.0", config, needed=True) == "from-env"


def test_an_api_call_without_the_token_is_401(http: httpx.Client) -> None:
    for path in ("/api/destinations", "/api/connections", "/api/nowhere"):
        response = http.get(path)
        assert response.status_code == 401
        assert error_of(response)["code"] == "ADMIN_TOKEN_REQUIRED"
    wrong = http.get("/api/destinations", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    posted = http.post("/api/destinations/perkville/validate-settings", json={"settings": {}})
    assert posted.status_code == 401


def test_a_bearer_token_is_accepted(http: httpx.Client) -> None:
    response = http.get("/api/destinations", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200


def test_a_session_sets_the_cookie_that_authorizes_the_page(http: httpx.Client) -> None:
    wrong = http.post("/api/session", json={"token": "nope"})
    assert (wrong.status_code, error_of(wrong)["code"]) == (401, "WRONG_ADMIN_TOKEN")
    assert "set-cookie" not in wrong.headers
    right = http.post("/api/session", json={"token": TOKEN})
    assert right.status_code == 200
    cookie = right.headers["set-cookie"]
    assert cookie.startswith(f"actions_admin={TOKEN};")
    assert {"HttpOnly", "SameSite=Strict", "Path=/"} <= {p.strip() for p in cookie.split(";")}
    assert http.get("/api/destinations").status_code == 200  # the client keeps the cookie
    assert TOKEN not in right.text


def test_the_page_the_ingress_and_metrics_need_no_admin_token(
    http: httpx.Client, runtime: FakeRuntime
) -> None:
    assert http.get("/").status_code == 200
    assert http.get("/metrics").status_code == 200
    tracked = http.post("/v1/track", content=b"{}", headers={"Authorization": "Basic d2s6"})
    assert tracked.status_code == 200
    assert [c.call for c in runtime.calls] == ["track"]


def test_without_a_token_a_session_is_not_needed() -> None:
    api = SettingsApi({"perkville": perkville}, COMMITTED, OperatorConfig())
    server = SettingsServer("127.0.0.1", 0, api)
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            assert client.get("/api/destinations").status_code == 200
            session = client.post("/api/session", json={"token": "x"})
    finally:
        server.stop()
    assert session.json() == {"ok": True, "required": False}
