"""Fuzzing ``actions send`` in this process: events files of random lines (invalid UTF-8,
NUL, JSON no parser may accept, long lines) around real events, sent for real to a
stand-in Perkville on loopback that echoes the API key back, or as a dry run; and random
settings files, mapping files and endpoints. The exit status is a documented one, nothing
shows a traceback or the key, and every event after a bad line is still processed."""

from __future__ import annotations

import io
import json
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from framework.tooling.cli import main
from tests.fuzz.strategies import (
    api_keys,
    deep_values,
    encoded,
    has_control,
    invalid_events,
    json_text,
    nested,
    odd_json,
    odd_json_bytes,
    random_bytes,
    readable_events,
    valid_tracks,
)
from tests.fuzz.support import (
    ECHOES,
    PUBLIC_SETTINGS,
    Echo,
    LogRecorder,
    StandIn,
    count,
    fuzz,
    no_secret,
    no_traceback,
    strict_json,
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
RESULT_KEYS = {"message_id", "action", "status", "request", "error"}
LONG_LINES = st.integers(10_000, 200_000).map(lambda n: b'{"event": "' + b"a" * n + b'"}')


def _one_line(data: bytes) -> bytes:
    """``data`` without line breaks, so that it stays one line of the file."""
    return data.replace(b"\n", b" ").replace(b"\r", b" ")


# event objects, which ``send`` must report by their messageId; mostly ones it sends
EVENT_LINES = st.one_of(valid_tracks(), valid_tracks(), readable_events())
# any other line: bytes, JSON no strict parser accepts, JSON that is no event, long lines
OTHER_LINES = st.one_of(
    random_bytes(),
    odd_json_bytes(),
    st.builds(lambda e: encoded(json_text(e)), invalid_events() | odd_json()),
    LONG_LINES,
).map(_one_line)


@dataclass(frozen=True)
class Run:
    """One ``actions send``: its lines (an event object, or the bytes of another line), the
    API key, whether it is a dry run or JSON lines, and the stand-in's answers."""

    lines: list[dict[str, Any] | bytes]
    secret: str
    dry_run: bool
    as_json: bool
    from_stdin: bool
    echo: Echo


RUNS = st.builds(
    Run,
    st.lists(EVENT_LINES | OTHER_LINES, min_size=1, max_size=8),
    api_keys(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    ECHOES,
)


@dataclass
class Outcome:
    """What a run of the command line did."""

    code: int
    out: str
    err: str


def actions(*argv: str, stdin: bytes = b"") -> Outcome:
    """``actions ARGV`` in this process, reading ``stdin``; an exception escaping ``main``
    is a traceback the user would see, so it fails the test."""
    out, err = io.StringIO(), io.StringIO()
    given_stdin, sys.stdin = sys.stdin, io.TextIOWrapper(io.BytesIO(stdin))
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(argv))
    except SystemExit as exit_:  # argparse
        code = int(exit_.code or 0)
    finally:
        sys.stdin = given_stdin
    return Outcome(code, out.getvalue(), err.getvalue())


def clean(outcome: Outcome, secret: str, logs: LogRecorder) -> None:
    """No traceback and no form of ``secret`` in anything the run showed or logged."""
    for name, text in (("stdout", outcome.out), ("stderr", outcome.err)):
        no_traceback(text, f"send's {name}")
        no_secret(secret, text, f"send's {name}")
    no_secret(secret, logs.take(), "the log of send")


def write_settings(folder: Path, secret: str) -> Path:
    path = folder / "settings.json"
    path.write_text(json.dumps({**PUBLIC_SETTINGS, "api_key": secret}))
    return path


@fuzz(150)
@given(run=RUNS)
def test_every_event_after_a_bad_line_is_processed(
    fuzz_dir: Path, hostile_api: StandIn, logs: LogRecorder, run: Run
) -> None:
    count("actions send", len(run.lines))
    ids = []
    for number, line in enumerate(run.lines):
        if isinstance(line, dict):
            line["messageId"] = f"line-{number}"
            ids.append(line["messageId"])
    data = b"\n".join(
        encoded(json_text(line)) if isinstance(line, dict) else line for line in run.lines
    )
    events = fuzz_dir / "events.ndjson"
    events.write_bytes(data)
    run.echo.script(hostile_api, run.secret)
    argv = ["send", "perkville", "--settings", str(write_settings(fuzz_dir, run.secret))]
    argv += ["--endpoint", hostile_api.url, "--max-attempts", "1"]
    argv += ["--dry-run"] * run.dry_run + ["--json"] * run.as_json
    source = "-" if run.from_stdin else str(events)
    outcome = actions(*argv, source, stdin=data if run.from_stdin else b"")
    clean(outcome, run.secret, logs)
    if outcome.code == EXIT_USAGE and has_control(run.secret):
        return  # settings refused: an API key with a control character
    assert outcome.code in (EXIT_OK, EXIT_FAILED), f"exit {outcome.code}: {outcome.err[:300]!r}"
    if run.as_json:
        results = [strict_json(line, "a line of send --json") for line in outcome.out.splitlines()]
        assert all(set(result) >= RESULT_KEYS for result in results), "a result lacks a key"
        reported = {result["message_id"] for result in results}
    else:
        reported = {line.split(" ", 1)[0] for line in outcome.out.splitlines()}
    missing = [message_id for message_id in ids if message_id not in reported]
    assert not missing, f"events not reported: {missing}"


SETTINGS_FILES = st.one_of(
    random_bytes(),
    odd_json_bytes(),
    st.builds(
        lambda secret, extra: encoded(json_text({**PUBLIC_SETTINGS, "api_key": secret, **extra})),
        api_keys(),
        st.dictionaries(st.sampled_from(sorted(PUBLIC_SETTINGS)) | st.text(max_size=5), odd_json()),
    ),
)
MAPPING_FILES = st.one_of(
    random_bytes(),
    st.builds(lambda v: encoded(json_text(v)), odd_json()),
    st.builds(lambda v: encoded(json_text({"award_points": {"email": v}})), deep_values()),
    st.builds(
        lambda depth: encoded(json_text({"award_points": nested(depth, {"@path": "$.a"})})),
        st.integers(50, 300),
    ),
)
ENDPOINTS = st.sampled_from(
    ["file:///etc/passwd", "ftp://127.0.0.1/", "localhost:8080", "javascript:alert(1)", "//x"]
) | st.text(min_size=1, max_size=20).filter(
    lambda e: not e.strip().lower().startswith(("http://", "https://"))
)


@dataclass(frozen=True)
class Files:
    """A settings file (or a valid one holding ``secret``), a mapping file or none, and an
    endpoint that is not an http(s) URL, or none."""

    secret: str
    settings: bytes | None
    mapping: bytes | None
    endpoint: str | None


FILES = st.builds(
    Files,
    api_keys(),
    st.none() | SETTINGS_FILES,
    st.none() | MAPPING_FILES,
    st.none() | ENDPOINTS.filter(lambda e: not e.startswith("-")),
).filter(lambda f: f.settings is not None or f.mapping is not None or f.endpoint is not None)


@fuzz(100)
@given(files=FILES)
def test_odd_settings_mapping_and_endpoint(fuzz_dir: Path, logs: LogRecorder, files: Files) -> None:
    count("actions send")
    events = fuzz_dir / "one.ndjson"
    events.write_text(json.dumps({"type": "track", "event": "Checked In", "userId": "u"}))
    settings = write_settings(fuzz_dir, files.secret)
    if files.settings is not None:
        settings.write_bytes(files.settings)
    argv = ["send", "perkville", "--settings", str(settings), "--dry-run", "--json", str(events)]
    if files.mapping is not None:
        mapping = fuzz_dir / "mapping.json"
        mapping.write_bytes(files.mapping)
        argv += ["--mapping", str(mapping)]
    if files.endpoint is not None:
        argv += ["--endpoint", files.endpoint]
    outcome = actions(*argv)
    clean(outcome, files.secret, logs)
    assert outcome.code in (EXIT_OK, EXIT_FAILED, EXIT_USAGE), f"exit {outcome.code}"
    if outcome.code == EXIT_USAGE:
        assert outcome.err.startswith(("actions: ", "usage: ")), repr(outcome.err[:300])
        assert outcome.out == "", "a usage error after results"
    if files.endpoint is not None:
        assert outcome.code == EXIT_USAGE, "an endpoint that is not an http(s) URL is accepted"
