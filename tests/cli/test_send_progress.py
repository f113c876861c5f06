"""`actions send` shows a progress bar on a terminal for a large file, and only then."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from framework.tooling.cli.progress import MIN_EVENTS, Progress, progress_for

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "examples" / "perkville" / "settings.json"


def events_file(tmp_path: Path, count: int) -> Path:
    path = tmp_path / "events.ndjson"
    event = {"type": "track", "event": "Checked In", "email": "a@example.com"}
    lines = (json.dumps({**event, "messageId": f"m{n}"}) for n in range(count))
    path.write_text("\n".join(lines) + "\n\n")
    return path


def send_on_a_terminal(
    events: Path, destination: str = "perkville", settings: Path = SETTINGS
) -> tuple[str, str]:
    """Run `actions send --dry-run --json` with standard error on a pseudo-terminal:
    (what the terminal showed, standard output)."""
    terminal, attached = pty.openpty()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "framework.tooling.cli",
            "send",
            destination,
            "--settings",
            str(settings),
            "--dry-run",
            "--json",
            str(events),
        ],
        cwd=ROOT,
        env={**os.environ, "ACTIONS_ALLOW_PRIVATE_TARGETS": "1"},  # the webhook's loopback URL
        stdout=subprocess.PIPE,
        stderr=attached,
        text=True,
    )
    os.close(attached)
    out, _ = process.communicate(timeout=120)
    shown = b""
    while True:
        try:
            chunk = os.read(terminal, 65536)
        except OSError:  # the other end is closed: all read
            break
        if not chunk:
            break
        shown += chunk
    os.close(terminal)
    assert process.returncode == 0
    return shown.decode(), out


def test_a_large_file_shows_a_bar_that_ends_full(tmp_path: Path) -> None:
    shown, out = send_on_a_terminal(events_file(tmp_path, MIN_EVENTS + 200))
    last = shown.rstrip().split("\r\x1b[K")[-1]
    assert last.startswith(f"[{'#' * 30}] 100% 1,200/1,200 events")
    assert len(out.splitlines()) == MIN_EVENTS + 200  # the results are untouched


def test_batches_advance_the_bar_to_the_full_count(tmp_path: Path) -> None:
    settings = tmp_path / "webhook.json"
    settings.write_text(json.dumps({"url": "http://127.0.0.1:9/hook", "batch_size": 500}))
    shown, out = send_on_a_terminal(events_file(tmp_path, MIN_EVENTS + 200), "webhook", settings)
    last = shown.rstrip().split("\r\x1b[K")[-1]
    assert last.startswith(f"[{'#' * 30}] 100% 1,200/1,200 events")
    assert len(out.splitlines()) == MIN_EVENTS + 200, "one result per event"


def test_a_small_file_shows_none(tmp_path: Path) -> None:
    shown, out = send_on_a_terminal(events_file(tmp_path, 10))
    assert "events" not in shown
    assert len(out.splitlines()) == 10


def test_no_bar_off_a_terminal_or_for_standard_input(tmp_path: Path) -> None:
    path = events_file(tmp_path, MIN_EVENTS)
    assert progress_for(str(path), io.StringIO()) is None
    assert progress_for("-", io.StringIO()) is None


def test_the_bar_redraws_at_most_every_interval_and_after_a_clear() -> None:
    stream = io.StringIO()
    ticks = iter([0.0, 0.05, 0.06, 0.2, 0.21, 0.22, 0.3])
    bar = Progress(4, stream, clock=lambda: next(ticks), interval=0.1)
    bar.advance()  # 0.05: the first draw
    bar.advance()  # 0.06: too soon
    bar.advance()  # 0.2: drawn
    bar.clear()
    bar.advance()  # 0.21: drawn again at once after the clear
    bar.finish()  # 0.22
    frames = [frame for frame in stream.getvalue().split("\r\x1b[K") if frame]
    assert [frame.split("] ")[1].split(" events")[0] for frame in frames] == [
        " 25% 1/4",
        " 75% 3/4",
        "100% 4/4",
        "100% 4/4",
    ]
    assert stream.getvalue().endswith("\n")


def test_a_batch_advances_the_bar_by_its_events() -> None:
    stream = io.StringIO()
    bar = Progress(5, stream, clock=lambda: 0.0, interval=0.1)
    bar.advance(2)  # the first draw
    bar.advance(3)  # too soon
    bar.finish()
    frames = [frame for frame in stream.getvalue().split("\r\x1b[K") if frame]
    assert [frame.split("] ")[1].split(" events")[0] for frame in frames] == [
        " 40% 2/5",
        "100% 5/5",
    ]
