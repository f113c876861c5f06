"""The settings server at the HTTP level: oversized and malformed requests get a clear JSON
error, only loopback names are answered, the page is served with strict headers, and the
log names each request but never a secret."""

from __future__ import annotations

import http.client
import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from destinations.perkville import destination as perkville
from framework import AuthenticationTest
from framework.testing import make_test_destination
from tests.perkville.support import API_KEY, SETTINGS
from tests.server.support import error_of, running_server

VALIDATE = "/api/destinations/perkville/validate-settings"
LIMIT = 10_000


@pytest.fixture
def small_client() -> Iterator[httpx.Client]:
    """A client of a Perkville settings server whose body limit is LIMIT bytes."""
    with (
        running_server([perkville], max_body=LIMIT) as server,
        httpx.Client(base_url=server.url, timeout=10) as http,
    ):
        yield http


def test_an_oversized_body_is_refused_with_413(small_client: httpx.Client) -> None:
    body = json.dumps({"settings": {**SETTINGS, "pad": "x" * LIMIT}}).encode()
    response = small_client.post(
        VALIDATE, content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert error_of(response) == {
        "code": "BODY_TOO_LARGE",
        "message": f"the request body is {len(body)} bytes; the limit is {LIMIT}",
    }
    assert small_client.post(VALIDATE, json={"settings": SETTINGS}).json()["ok"] is True


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        pytest.param(
            b'{"settings": ',
            "MALFORMED_JSON",
            "the request body is not valid JSON: Expecting value at line 1 column 14",
            id="truncated",
        ),
        pytest.param(
            b"\xff\xfe{}", "MALFORMED_JSON", "the request body is not UTF-8", id="not utf-8"
        ),
        pytest.param(
            b'{"settings": {"ratio": NaN}}',
            "MALFORMED_JSON",
            "the request body is not valid JSON: a number is not a finite double (NaN, Infinity"
            " or out of range) at /settings/ratio",
            id="NaN",
        ),
        pytest.param(
            b"[" * 4000 + b"]" * 4000,
            "MALFORMED_JSON",
            "the request body is nested too deeply",
            id="too deep",
        ),
        pytest.param(
            b'["settings"]', "BAD_REQUEST", "the request body must be a JSON object", id="array"
        ),
        pytest.param(
            b'{"settings": "api_key=x"}',
            "BAD_REQUEST",
            "settings: expected a JSON object",
            id="settings not an object",
        ),
    ],
)
def test_a_malformed_body_is_refused_with_400(
    small_client: httpx.Client, body: bytes, code: str, message: str
) -> None:
    response = small_client.post(
        VALIDATE, content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert error_of(response) == {"code": code, "message": message}


def test_a_body_that_is_not_json_is_refused_with_415(small_client: httpx.Client) -> None:
    response = small_client.post(VALIDATE, data={"settings": "x"})
    assert response.status_code == 415
    assert error_of(response)["message"] == "send the body as application/json"


def test_a_body_without_content_length_is_refused_with_411(small_client: httpx.Client) -> None:
    address = urlsplit(str(small_client.base_url))
    connection = http.client.HTTPConnection(address.hostname or "", address.port)
    headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    connection.request("POST", VALIDATE, body=iter([b"{}"]), headers=headers, encode_chunked=True)
    response = connection.getresponse()
    assert response.status == 411
    assert json.loads(response.read())["error"]["code"] == "LENGTH_REQUIRED"
    connection.close()


def test_an_oversized_body_is_refused_before_it_is_sent(small_client: httpx.Client) -> None:
    address = urlsplit(str(small_client.base_url))
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=30)
    connection.putrequest("POST", VALIDATE)
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(1_000_000_000))
    connection.endheaders()  # and not a byte of the body
    response = connection.getresponse()
    assert response.status == 413
    assert json.loads(response.read())["error"]["code"] == "BODY_TOO_LARGE"
    connection.close()


def test_unknown_paths_and_wrong_methods(small_client: httpx.Client) -> None:
    assert small_client.get("/api/nothing").status_code == 404
    assert small_client.get("/static/handler.py").status_code == 404
    assert small_client.get("/static/%2e%2e%2fhandler.py").status_code == 404
    wrong = small_client.get(VALIDATE)
    assert wrong.status_code == 405
    assert wrong.headers["Allow"] == "POST"
    assert small_client.delete("/api/destinations").status_code == 405


@pytest.mark.parametrize("host", ["localhost:1", "127.0.0.1", "[::1]:8321"])
def test_loopback_host_names_are_answered(small_client: httpx.Client, host: str) -> None:
    assert small_client.get("/", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:8321", "[::1"])
def test_other_host_names_are_refused(small_client: httpx.Client, host: str) -> None:
    rebound = small_client.get("/api/destinations", headers={"Host": host})
    assert rebound.status_code == 403
    assert error_of(rebound)["code"] == "FORBIDDEN_HOST"


def test_the_page_and_its_assets_are_served_with_strict_headers(
    small_client: httpx.Client,
) -> None:
    page = small_client.get("/")
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert '<script type="module" src="/static/app.js">' in page.text
    script = small_client.get("/static/form.js")
    assert script.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert "export function renderForm" in script.text


def test_the_log_names_each_request_and_never_a_secret(
    server_log: pytest.LogCaptureFixture, small_client: httpx.Client
) -> None:
    settings = {**SETTINGS, "location_id": 17}
    small_client.post(VALIDATE, json={"settings": settings})
    small_client.post(
        VALIDATE,
        content=f'{{"settings": {{"api_key": "{API_KEY}"'.encode(),
        headers={"Content-Type": "application/json"},
    )
    small_client.post(
        VALIDATE, json={"settings": {**SETTINGS, "pad": API_KEY * (LIMIT // len(API_KEY))}}
    )
    small_client.get(f"/api/destinations?api_key={API_KEY}")
    lines = [record.getMessage() for record in server_log.records]
    assert lines == [
        f"POST {VALIDATE} 200",
        f"POST {VALIDATE} 400",
        f"POST {VALIDATE} 413",
        "GET /api/destinations 200",
    ]
    assert API_KEY not in server_log.text


def test_a_failing_plugin_is_a_coded_failed_test_and_its_traceback_is_logged_redacted(
    server_log: pytest.LogCaptureFixture,
) -> None:
    """A bug in a plugin's authentication request is the plugin's failure, not the
    server's: Test connection answers with the coded failure (no 500), and the traceback
    goes to the ``framework.plugins`` log, the key redacted everywhere."""

    def leaky(settings: Any) -> Any:
        raise RuntimeError(f"cannot use {settings.api_key.get_secret_value()}")

    broken = make_test_destination(authentication=AuthenticationTest(request=leaky))
    with (
        server_log.at_level(logging.ERROR, logger="framework.plugins"),
        running_server([broken]) as server,
    ):
        response = httpx.post(
            f"{server.url}api/destinations/{broken.slug}/test-connection",
            json={"settings": {"api_key": API_KEY}},
        )
    assert response.status_code == 200
    outcome = response.json()
    assert (outcome["ok"], outcome["code"]) == (False, "UNEXPECTED_ERROR")
    assert outcome["message"].startswith("authentication.request failed unexpectedly: RuntimeError")
    assert API_KEY not in response.text
    [plugin_log] = [r.getMessage() for r in server_log.records if r.name == "framework.plugins"]
    assert "in leaky" in plugin_log
    assert API_KEY not in server_log.text
