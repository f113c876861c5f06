"""Fuzzing the settings page's API on a real server: random bytes and random documents
(settings holding an API key, events, mappings nested 300 deep) to each operation, while
the stand-in Perkville echoes the key back in every form it may be written. Never a 5xx,
never a traceback, every answer strict JSON, and never the key, whole or cut, in an answer
or a log line; error messages never repeat a value that was sent."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.strategies import (
    CLEAN_TEXT,
    ECHO_MARK,
    KEYS,
    SHORT_ODD_STRINGS,
    api_keys,
    encoded,
    invalid_events,
    json_text,
    nested,
    odd_json,
    odd_scalars,
    random_bytes,
    unclassified_events,
    valid_tracks,
)
from tests.fuzz.support import (
    ECHOES,
    PUBLIC_SETTINGS,
    Echo,
    LogRecorder,
    StandIn,
    count,
    error_shape,
    fuzz,
    no_echo,
    no_secret,
    no_traceback,
    strict_json,
)

OPERATIONS = ("validate-settings", "validate-mapping", "test-connection", "dry-run")
MAPPINGS = st.one_of(
    odd_json(long=False),
    st.builds(
        lambda depth: {"email": nested(depth, {"@path": "$.properties.email"})},
        st.integers(50, 300),
    ),
    st.builds(
        lambda directive, value: {"email": {directive: value}},
        st.sampled_from(["@path", "@template", "@liquid", "@if", "@arrayPath", "@case"]),
        odd_json(long=False) | CLEAN_TEXT,
    ),
    st.just({"quantity": {"@liquid": "{{ 1e308 | times: 10 }}"}}),
    st.just({"quantity": {"@path": "$.properties.revenue"}}),
)
# mostly events that reach the action, whose output the API must redact
EVENTS = st.one_of(
    valid_tracks(), valid_tracks(), invalid_events(), unclassified_events(), odd_json()
)
SETTINGS = st.fixed_dictionaries(
    {},
    optional={
        "business_id": CLEAN_TEXT | odd_scalars(long=False),
        "location_id": CLEAN_TEXT | odd_scalars(long=False),
        "event_to_perk_map": st.dictionaries(KEYS | SHORT_ODD_STRINGS, CLEAN_TEXT | odd_json()),
        "send_email": odd_scalars(long=False),
        "extra": odd_json(long=False),
    },
)


@dataclass(frozen=True)
class Call:
    """One API request: the operation, the API key its settings hold, its body, and what
    the stand-in Perkville answers meanwhile."""

    operation: str
    secret: str
    body: bytes
    echo: Echo


def _document(
    secret: str,
    overrides: dict[str, Any],
    request: tuple[str, dict[str, Any]],
    echo: Echo,
    key_in_event: bool,
) -> Call:
    operation, members = request
    settings = {**PUBLIC_SETTINGS, **overrides, "api_key": secret}
    document = {"settings": settings, **members}
    event = document.get("event")
    if key_in_event and isinstance(event, dict):  # a key pasted into an event
        event["properties"] = {"email": secret, "order_id": secret}
    return Call(operation, secret, encoded(json_text(document)), echo)


def _raw(operation: str, secret: str, junk: bytes, at: int, echo: Echo) -> Call:
    """Random bytes with the key, JSON-quoted, somewhere inside."""
    at = min(at, len(junk))
    return Call(operation, secret, junk[:at] + json.dumps(secret).encode() + junk[at:], echo)


# each operation with the members it reads, or any operation with odd members
REQUESTS: st.SearchStrategy[tuple[str, dict[str, Any]]] = st.one_of(
    st.tuples(st.just("validate-settings"), st.just({})),
    st.tuples(st.just("test-connection"), st.just({})),
    st.tuples(
        st.just("dry-run"),
        st.fixed_dictionaries(
            {"event": EVENTS},
            optional={"mappings": st.dictionaries(st.just("award_points") | KEYS, MAPPINGS)},
        ),
    ),
    st.tuples(
        st.just("validate-mapping"),
        st.fixed_dictionaries({"action": st.just("award_points"), "mapping": MAPPINGS}),
    ),
    st.tuples(
        st.sampled_from(OPERATIONS),
        st.dictionaries(
            st.sampled_from(["settings", "event", "mappings", "action", "mapping"]) | KEYS,
            odd_json(long=False),
        ),
    ),
)
DOCUMENTS = st.builds(
    _document,
    api_keys(),
    st.one_of(st.just({}), st.just({}), SETTINGS),  # mostly settings that work
    REQUESTS,
    ECHOES,
    st.booleans(),
)
RAW_BODIES = st.builds(
    _raw, st.sampled_from(OPERATIONS), api_keys(), random_bytes(), st.integers(0, 300), ECHOES
)


def check(call: Call, response: httpx.Response, logs: LogRecorder) -> None:
    """What every answer of the API must be."""
    where = f"the answer to {call.operation}"
    status = response.status_code
    text = response.content.decode("utf-8", "replace")
    assert status < 500, f"{where} is a {status}: {text[:300]!r}"
    no_traceback(text, where)
    no_secret(call.secret, text, where)
    no_secret(call.secret, logs.take(), f"the log of {call.operation}")
    document = strict_json(response.content, where)
    if status >= 400:
        error_shape(document, where)
        no_echo(ECHO_MARK, text, where)
    elif call.operation == "dry-run":
        messages = [p["message"] for p in document["event_problems"]]
        messages += [r["error"]["message"] for r in document["results"] if r.get("error")]
        no_echo(ECHO_MARK, "\n".join(messages), f"an error message of {where}")
    else:
        no_echo(ECHO_MARK, text, where)


def post(server: httpx.Client, call: Call) -> httpx.Response:
    return server.post(
        f"/api/destinations/perkville/{call.operation}",
        content=call.body,
        headers={"Content-Type": "application/json"},
    )


@fuzz(300)
@given(call=DOCUMENTS)
def test_random_documents(
    server: httpx.Client, hostile_api: StandIn, logs: LogRecorder, call: Call
) -> None:
    count("settings API")
    call.echo.script(hostile_api, call.secret)
    check(call, post(server, call), logs)


@fuzz(150)
@given(call=RAW_BODIES)
def test_random_bytes(
    server: httpx.Client, hostile_api: StandIn, logs: LogRecorder, call: Call
) -> None:
    count("settings API")
    call.echo.script(hostile_api, call.secret)
    check(call, post(server, call), logs)
