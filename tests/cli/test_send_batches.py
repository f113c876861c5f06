"""`actions send` with an action that sends batches (the Webhook): the events read are
grouped, each group sent in chunks of at most ``batch_size`` (one JSON array per request),
and the output is still one result per event, in input order, in the usual format. The
receiver is on loopback (private targets allowed, as an operator would for a local test)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from framework.tooling.cli import main
from tests.waiting import HANG_GUARD, wait_for
from tests.webhook.receiver import WebhookReceiver
from tests.webhook.support import SECRET

ROOT = Path(__file__).resolve().parents[2]
NOWHERE = "http://127.0.0.1:9/hook"  # dry runs only: never sent


@pytest.fixture(autouse=True)
def private_targets(monkeypatch: pytest.MonkeyPatch) -> None:
    """The receiver is on loopback: the operator allows private targets."""
    monkeypatch.setenv("ACTIONS_ALLOW_PRIVATE_TARGETS", "1")


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as running:
        yield running


def event(number: int, payload: object = None) -> dict[str, Any]:
    return {
        "type": "track",
        "event": "Order Completed",
        "userId": f"user-{number}",
        "messageId": f"m-{number}",
        "timestamp": "2026-01-01T00:00:00.000Z",
        "properties": {"payload": {"n": number} if payload is None else payload},
    }


def lines_of(*events: dict[str, Any] | str) -> str:
    """NDJSON: events as JSON, strings as they are."""
    return "".join((item if isinstance(item, str) else json.dumps(item)) + "\n" for item in events)


def send(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    settings: dict[str, Any],
    ndjson: str,
    *argv: str,
) -> tuple[int, str]:
    """`actions send webhook` with ``settings`` on ``ndjson``: the exit status and output."""
    (tmp_path / "settings.json").write_text(json.dumps(settings))
    (tmp_path / "events.ndjson").write_text(ndjson)
    code = main(
        [
            "send",
            "webhook",
            "--settings",
            str(tmp_path / "settings.json"),
            *argv,
            str(tmp_path / "events.ndjson"),
        ]
    )
    return code, capsys.readouterr().out


def ids(body: list[dict[str, Any]]) -> list[str]:
    return [item["messageId"] for item in body]


def test_events_go_in_chunks_and_each_is_reported_in_input_order(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, receiver: WebhookReceiver
) -> None:
    settings = {"url": f"{receiver.url}/hook", "batch_size": 2}
    code, out = send(capsys, tmp_path, settings, lines_of(*map(event, range(1, 6))), "--json")
    assert code == 0
    assert [ids(got.body) for got in receiver.received()] == [
        ["m-1", "m-2"],
        ["m-3", "m-4"],
        ["m-5"],
    ]
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(line["message_id"], line["action"], line["status"]) for line in lines] == [
        (f"m-{n}", "send", "delivered") for n in range(1, 6)
    ]
    assert [ids(line["request"]["json"]) for line in lines] == [
        ["m-1", "m-2"],
        ["m-1", "m-2"],
        ["m-3", "m-4"],
        ["m-3", "m-4"],
        ["m-5"],
    ], "each event's result shows its chunk's request"


def test_an_invalid_event_fails_alone_and_a_bad_line_is_reported_in_its_place(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, receiver: WebhookReceiver
) -> None:
    (tmp_path / "mapping.json").write_text(
        json.dumps({"send": {"data": {"@path": "$.properties.payload"}}})
    )
    ndjson = lines_of(event(1), event(2, payload="oops"), event(3), "{not json", event(4))
    settings = {"url": f"{receiver.url}/hook", "batch_size": 10}
    mapping = ("--mapping", str(tmp_path / "mapping.json"))
    code, out = send(capsys, tmp_path, settings, ndjson, *mapping, "--json")
    assert code == 1
    assert [got.body for got in receiver.received()] == [[{"n": 1}, {"n": 3}], [{"n": 4}]], (
        "the valid events; a line that is no event ends its group"
    )
    lines = [json.loads(line) for line in out.splitlines()]
    assert [
        (line["message_id"], line["status"], line["error"] and line["error"]["code"])
        for line in lines
    ] == [
        ("m-1", "delivered", None),
        ("m-2", "failed", "PAYLOAD_VALIDATION_FAILED"),
        ("m-3", "delivered", None),
        (None, "failed", "INVALID_EVENT"),
        ("m-4", "delivered", None),
    ]
    assert lines[3]["error"]["message"].startswith("line 4: ")


def test_a_failed_chunk_fails_each_of_its_events(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def answer(body: list[dict[str, Any]]) -> int:
        return 503 if "m-3" in ids(body) else 200

    with WebhookReceiver(answer) as refusing:
        settings = {"url": f"{refusing.url}/hook", "batch_size": 2}
        ndjson = lines_of(*map(event, range(1, 6)))
        code, out = send(capsys, tmp_path, settings, ndjson, "--json", "--max-attempts", "2")
        received = refusing.received()
    assert code == 1
    assert [ids(got.body) for got in received] == [
        ["m-1", "m-2"],
        ["m-3", "m-4"],
        ["m-3", "m-4"],
        ["m-5"],
    ], "the failing chunk tried twice, as one request each time"
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(line["message_id"], line["status"]) for line in lines] == [
        ("m-1", "delivered"),
        ("m-2", "delivered"),
        ("m-3", "failed"),
        ("m-4", "failed"),
        ("m-5", "delivered"),
    ]
    assert {line["error"]["code"] for line in lines[2:4]} == {"SERVER_ERROR"}


def test_the_table_shows_a_chunks_body_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    settings = {"url": NOWHERE, "batch_size": 2}
    code, out = send(capsys, tmp_path, settings, lines_of(*map(event, range(1, 4))), "--dry-run")
    assert code == 0
    rows = out.splitlines()
    assert [row.split()[:3] for row in rows if row.startswith("m-")] == [
        ["m-1", "send", "dry_run"],
        ["m-2", "send", "dry_run"],
        ["m-3", "send", "dry_run"],
    ]
    bodies = [json.loads(row) for row in rows if row.startswith("    ")]
    assert [ids(body) for body in bodies] == [["m-1", "m-2"], ["m-3"]]
    assert rows[-1] == "3 results: 3 dry_run"


def test_events_are_read_as_they_come(receiver: WebhookReceiver, tmp_path: Path) -> None:
    """A full group is sent before the input ends (standard input, still open)."""
    (tmp_path / "settings.json").write_text(
        json.dumps({"url": f"{receiver.url}/hook", "batch_size": 2})
    )
    argv = ["send", "webhook", "--settings", str(tmp_path / "settings.json"), "--json", "-"]
    process = subprocess.Popen(
        [sys.executable, "-m", "framework.tooling.cli", *argv],
        cwd=ROOT,
        env={**os.environ, "ACTIONS_ALLOW_PRIVATE_TARGETS": "1"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None
    try:
        process.stdin.write(lines_of(event(1), event(2)))
        process.stdin.flush()
        wait_for(lambda: len(receiver.received()) == 1, what="the first chunk")
        process.stdin.write(lines_of(event(3)))
        out, _ = process.communicate(timeout=HANG_GUARD)
    finally:
        process.kill()
        process.wait(timeout=HANG_GUARD)
    assert process.returncode == 0
    assert [ids(got.body) for got in receiver.received()] == [["m-1", "m-2"], ["m-3"]]
    assert [json.loads(line)["message_id"] for line in out.splitlines()] == ["m-1", "m-2", "m-3"]


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


def test_the_dry_run_lines_of_batches(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, snapshot_json: SnapshotAssertion
) -> None:
    """One line per event, each with its chunk's request: signed (the secret never shown),
    a JSON array of the chunk's events, in order."""
    settings = {"url": NOWHERE, "batch_size": 2, "method": "PATCH", "shared_secret": SECRET}
    ndjson = lines_of(*map(event, range(1, 4)))
    code, out = send(capsys, tmp_path, settings, ndjson, "--dry-run", "--json")
    assert code == 0
    assert SECRET not in out
    assert [json.loads(line) for line in out.splitlines()] == snapshot_json
