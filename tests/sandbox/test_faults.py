"""Fault injection: each kind, what it does to the transaction, the seeded sequence, and
the checks on ``Faults``."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from framework import FAULT_KINDS, Faults
from tests.sandbox.conftest import MakeSandbox
from tests.sandbox.support import AUTH, transaction
from tests.waiting import HANG_GUARD, wait_for

SHORT = 0.2  # a client time-out far shorter than the slow faults' delay
SLOW = 3600.0  # seconds: a slow fault's delay, far beyond the hang guard


def post(url: str, *, timeout: float = HANG_GUARD) -> httpx.Response:
    return httpx.post(f"{url}/transactions/", json=transaction(), headers=AUTH, timeout=timeout)


@pytest.mark.parametrize("kind", ["429", "500", "503"])
def test_an_error_fault_is_answered_before_the_transaction_is_applied(
    make_sandbox: MakeSandbox, kind: str
) -> None:
    sandbox = make_sandbox(rate=1.0, kinds=(kind,), retry_after=0.25)
    response = post(sandbox.url)
    assert response.status_code == int(kind)
    assert response.json()["error_codes"][0]["code"] == f"E{kind}"
    assert response.headers.get("Retry-After") == ("0.25" if kind == "429" else None)
    assert (sandbox.applied(), sandbox.injected()) == (0, {kind: 1})


def test_slow_outlasts_a_short_client_time_out_and_applies_nothing(
    make_sandbox: MakeSandbox,
) -> None:
    sandbox = make_sandbox(rate=1.0, kinds=("slow",), slow_seconds=SLOW)
    with pytest.raises(httpx.TimeoutException):
        post(sandbox.url, timeout=SHORT)
    assert sandbox.applied() == 0


def test_slow_ends_with_a_503_for_a_patient_client(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(rate=1.0, kinds=("slow",), slow_seconds=0.01)
    assert post(sandbox.url).status_code == 503
    assert sandbox.applied() == 0


def test_drop_closes_the_connection_without_a_response(
    make_sandbox: MakeSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox = make_sandbox(rate=1.0, kinds=("drop",))
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        post(sandbox.url)
    assert sandbox.applied() == 0
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_applied_drop_applies_once_however_often_it_is_retried(
    make_sandbox: MakeSandbox,
) -> None:
    sandbox = make_sandbox(rate=1.0, kinds=("applied_drop",))
    for _ in range(3):
        with pytest.raises(httpx.RemoteProtocolError):
            post(sandbox.url)
    assert sandbox.balances() == {"ana@example.com": 9.99}
    assert (sandbox.applied(), sandbox.duplicates()) == (1, 2)


def test_applied_slow_applies_then_answers_late_and_closes(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(rate=1.0, kinds=("applied_slow",), slow_seconds=0.01)
    response = post(sandbox.url)  # a client patient enough; an impatient one retries
    assert response.status_code == 201
    assert response.headers["Connection"] == "close"
    assert sandbox.balances() == {"ana@example.com": 9.99}
    assert sandbox.injected() == {"applied_slow": 1}


def test_the_inspection_endpoints_never_get_a_fault(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(rate=1.0, kinds=("500",))
    post(sandbox.url)
    response = httpx.get(f"{sandbox.url}/sandbox/balances")
    assert response.status_code == 200
    assert response.json()["faults"] == {"500": 1}


def statuses(make_sandbox: MakeSandbox, seed: int) -> list[int]:
    sandbox = make_sandbox(rate=0.5, kinds=("429", "500", "503"), seed=seed)
    with httpx.Client(base_url=sandbox.url, headers=AUTH) as client:
        return [client.get("/businesses/4242/").status_code for _ in range(30)]


def test_the_same_seed_gives_the_same_faults(make_sandbox: MakeSandbox) -> None:
    first = statuses(make_sandbox, seed=11)
    assert {200, 429, 500, 503} <= set(first)
    assert statuses(make_sandbox, seed=11) == first
    assert statuses(make_sandbox, seed=12) != first


def test_stop_closes_idle_keep_alive_connections(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox()
    with httpx.Client(base_url=sandbox.url, headers=AUTH) as client:
        assert client.get("/businesses/4242/").status_code == 200  # the connection stays open
        sandbox.stop()
        with pytest.raises(httpx.TransportError):
            client.get("/businesses/4242/")


def test_stop_cuts_a_slow_fault_short(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(rate=1.0, kinds=("slow",), slow_seconds=SLOW)
    with ThreadPoolExecutor(1) as pool:
        answer = pool.submit(post, sandbox.url)
        wait_for(lambda: sandbox.injected() == {"slow": 1}, what="the slow fault to be drawn")
        stopping = threading.Thread(target=sandbox.stop, daemon=True)
        stopping.start()
        stopping.join(timeout=HANG_GUARD)  # a hang guard: stop must not wait out SLOW
        assert not stopping.is_alive()
        assert answer.result(timeout=HANG_GUARD).status_code == 503  # the slow fault's end


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"rate": 1.5}, "between 0 and 1"),
        ({"rate": -0.1}, "between 0 and 1"),
        ({"kinds": ("429", "boom")}, "unknown fault kind boom"),
        ({"rate": 0.5, "kinds": ()}, "at least one fault kind"),
        ({"slow_seconds": -1}, "must not be negative"),
        ({"retry_after": -1}, "must not be negative"),
    ],
)
def test_invalid_faults_are_refused(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Faults(**options)  # type: ignore[arg-type]


def test_every_fault_kind_is_known_and_the_defaults_leave_out_applied_slow() -> None:
    assert set(Faults().kinds) == set(FAULT_KINDS) - {"applied_slow"}
