"""Hypothesis strategies for odd input: random bytes, JSON text with the tokens Python's
parser lets through (lone surrogates, huge integers, ``1e400``, ``NaN``, deep nesting),
Segment-like events sorted by what the ingress must do with them, and API keys.

JSON is built as Python values whose odd parts are :class:`Raw` tokens, then written by
:func:`json_text` exactly as a hostile client would send it.
"""

from __future__ import annotations

import copy
import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tests.shared_data import SHARED

ECHO_MARK = "Vq8echo"  # in input values: a message that echoes a value shows it
EXAMPLE_EVENTS = Path(__file__).resolve().parents[2] / "examples/perkville/events.ndjson"
SHARED_EVENTS = SHARED / "fixtures/perkville-events.ndjson"


def track_events(path: Path) -> list[dict[str, Any]]:
    """The track events of an NDJSON file (the example file's deliberately broken line and
    other calls are not tracks), each with an ``anonymousId`` where it has no user id, as
    the demo adds before posting them to the ingress."""
    tracks = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(event, dict) and event.get("type") == "track":
            if "userId" not in event:
                event.setdefault("anonymousId", f"anonymous-{event.get('messageId')}")
            tracks.append(event)
    return tracks


# Realistic tracks to mutate: the demo's, and ../shared's fixtures when that folder is here
FIXTURE_TRACKS = track_events(EXAMPLE_EVENTS) + (
    track_events(SHARED_EVENTS) if SHARED_EVENTS.exists() else []
)


@dataclass(frozen=True)
class Raw:
    """A token written into the JSON text as is (``NaN``, ``1e400``, a 5,000-digit integer)."""

    text: str


def json_text(value: Any, *, ascii_only: bool = True) -> str:
    """``value`` as JSON text, :class:`Raw` tokens as they are. Strings are escaped as
    ``json.dumps`` does (a lone surrogate becomes ``"\\udce9"``); with ``ascii_only`` false
    they are written raw, so a lone surrogate makes the encoded text invalid UTF-8."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        members = (
            f"{json.dumps(k, ensure_ascii=ascii_only)}:{json_text(v, ascii_only=ascii_only)}"
            for k, v in value.items()
        )
        return "{" + ",".join(members) + "}"
    if isinstance(value, list):
        return "[" + ",".join(json_text(v, ascii_only=ascii_only) for v in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_only)


def encoded(text: str) -> bytes:
    """``text`` as the bytes a client sends (a raw lone surrogate stays, as invalid UTF-8)."""
    return text.encode("utf-8", "surrogatepass")


# -- odd scalars ----------------------------------------------------------------------------

LONE_SURROGATES = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
CONTROL = st.characters(max_codepoint=0x1F) | st.sampled_from("\x7f\x85\u2028\u2029\ufeff")


def _spliced(parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Short text with one of ``parts`` inside (so a surrogate stays lone)."""
    return st.builds(
        lambda a, part, b: a + part + b, st.text(max_size=4), parts, st.text(max_size=4)
    )


def huge_integers() -> st.SearchStrategy[Raw]:
    """Integers of more than 4,300 digits, past Python's conversion limit."""
    return st.integers(4_301, 5_000).map(lambda n: Raw("-" * (n % 2) + "7" * n))


NOT_FINITE = st.sampled_from(
    ["NaN", "Infinity", "-Infinity", "1e400", "-1E999", "2.5e+308", "0.1e99999"]
).map(Raw)
SHORT_ODD_STRINGS = st.one_of(
    _spliced(LONE_SURROGATES),  # "\udce9"
    _spliced(CONTROL),
    st.text(min_size=1, max_size=12),  # any unicode
)
LONG_STRINGS = st.integers(1_000, 20_000).map(lambda n: "ü" * n)  # up to 40 KB of UTF-8


def odd_scalars(*, long: bool = True) -> st.SearchStrategy[Any]:
    """Any JSON scalar, ordinary or odd; ``long`` strings too unless told not to."""
    strings = SHORT_ODD_STRINGS | LONG_STRINGS if long else SHORT_ODD_STRINGS
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        strings,
        huge_integers(),
        NOT_FINITE,
    )


def nested(depth: int, leaf: Any, key: str = "a") -> Any:
    """``leaf`` inside ``depth`` arrays and objects, alternately."""
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {key: value}
    return value


def deep_values(low: int = 50, high: int = 300) -> st.SearchStrategy[Any]:
    """Arrays and objects nested ``low`` to ``high`` deep around a short scalar."""
    return st.builds(nested, st.integers(low, high), odd_scalars(long=False), st.text(max_size=3))


def odd_json(*, long: bool = True) -> st.SearchStrategy[Any]:
    """Any JSON value, with odd keys, scalars and nesting anywhere (``long`` strings too
    unless told not to)."""
    keys = st.text(max_size=6) | SHORT_ODD_STRINGS
    return st.recursive(
        odd_scalars(long=long) | deep_values(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
        max_leaves=8,
    )


def odd_json_bytes() -> st.SearchStrategy[bytes]:
    """Random JSON text as bytes, sometimes cut short or with raw (invalid UTF-8) surrogates."""
    return st.builds(
        lambda value, ascii_only, cut: encoded(json_text(value, ascii_only=ascii_only))[:cut],
        odd_json(),
        st.booleans(),
        st.none() | st.integers(0, 200),
    )


def random_bytes() -> st.SearchStrategy[bytes]:
    """Bytes of any kind: random, JSON-looking, or one repeated byte (NUL, as /dev/zero)."""
    return st.one_of(
        st.binary(max_size=300),
        odd_json_bytes(),
        st.builds(
            lambda b, n: b * n, st.sampled_from([b"\0", b"{", b"[", b"\xff"]), st.integers(1, 5000)
        ),
    )


# -- Segment-like events --------------------------------------------------------------------

CALL_TYPES = ("track", "identify", "page", "screen", "group", "alias")
EVENT_NAMES = ["Order Completed", "Order Refunded", "Checked In", "Referral Sent", "Signed Up"]
TIMES = st.sampled_from(
    ["2026-11-20T10:01:00.000Z", "2026-11-20T10:01:00Z", "2026-11-20T12:01:00+02:00"]
)
ODD_TIMES = st.one_of(
    st.sampled_from(
        [
            "",
            "garbage",
            "2026-11-20 10:01",
            "2026-13-45T99:99:99Z",
            "0000-00-00T00:00:00Z",
            "9999-12-31T23:59:59.999999999Z",
            "-0001-01-01T00:00:00Z",
            "1700000000",
            "2026-11-20T10:01:00",
            "2026-W47-5",
        ]
    ),
    st.text(max_size=30),
)
_PRINTABLE = st.characters(codec="utf-8", exclude_categories=["C", "Zl", "Zp"])
IDS = st.text(_PRINTABLE, max_size=12).map(lambda s: ECHO_MARK + s)
CLEAN_TEXT = st.text(_PRINTABLE, max_size=20).map(lambda s: ECHO_MARK + s)
KEYS = st.text(_PRINTABLE, max_size=8)  # no mark: a message may name a key


def _clean_values() -> st.SearchStrategy[Any]:
    """Ordinary JSON values, shallow."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**53), 2**53),
        st.floats(allow_nan=False, allow_infinity=False, width=32),
        CLEAN_TEXT,
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
        max_leaves=6,
    )


def _properties() -> st.SearchStrategy[dict[str, Any]]:
    emails = st.sampled_from(["ana@example.com", "ben@example.com", "Cleo@Example.COM "])
    return st.fixed_dictionaries(
        {"email": emails | CLEAN_TEXT},
        optional={
            "order_id": IDS,
            "revenue": st.floats(0.01, 1e6) | st.integers(1, 10_000),
            "total": st.sampled_from(["42.50", "0", "1e3"]),
            "notes": _clean_values(),
        },
    )


def _who() -> st.SearchStrategy[dict[str, str]]:
    """``userId``, ``anonymousId`` or both, as Segment requires one of them."""
    return st.one_of(
        st.builds(lambda u: {"userId": u}, IDS),
        st.builds(lambda a: {"anonymousId": a}, IDS),
        st.builds(lambda u, a: {"userId": u, "anonymousId": a}, IDS, IDS),
    )


DELIVERED_TO_PERKVILLE = st.sampled_from(
    [
        {},
        {"All": True},
        {"Perkville": True},
        {"All": False, "Perkville": True},
        {"All": False, "perkville": True},
        {"Other Destination": False},
    ]
)
KEPT_FROM_PERKVILLE = st.sampled_from(
    [{"All": False}, {"Perkville": False}, {"perkville": False}, {"All": True, "Perkville": False}]
)


@st.composite
def valid_tracks(
    draw: st.DrawFn,
    integrations: st.SearchStrategy[dict[str, bool]] = DELIVERED_TO_PERKVILLE,
) -> dict[str, Any]:
    """Track events that follow Segment's spec in every way (the ingress must store them),
    from the shared fixtures or built, with ``integrations``."""
    if draw(st.booleans()):
        event = copy.deepcopy(draw(st.sampled_from(FIXTURE_TRACKS)))
    else:
        event = {
            "type": "track",
            "event": draw(st.sampled_from(EVENT_NAMES) | CLEAN_TEXT),
            **draw(_who()),
            **draw(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "timestamp": TIMES,
                        "sentAt": TIMES,
                        "context": st.just({"library": {"name": "analytics-python"}}),
                        "version": st.sampled_from([2, "2"]),
                    },
                )
            ),
            "properties": draw(_properties()),
        }
    return {**event, "integrations": draw(integrations)}


_SPEC_BREAKERS: list[Callable[[dict[str, Any]], dict[str, Any]]] = [
    lambda e: {k: v for k, v in e.items() if k not in ("userId", "anonymousId")},
    lambda e: {**e, "event": ""},
    lambda e: {**e, "userId": ""},
    lambda e: {k: v for k, v in e.items() if k != "event"},
    lambda e: {**e, "type": ECHO_MARK},
    lambda e: {**e, "event": 12},
    lambda e: {**e, "event": [ECHO_MARK]},
    lambda e: {**e, "userId": {"id": ECHO_MARK}},
    lambda e: {**e, "properties": ["not", "an", "object"]},
    lambda e: {**e, "integrations": "All"},
    lambda e: {**e, "timestamp": 1_700_000_000},
    lambda e: {**e, "context": ECHO_MARK},
]


@st.composite
def spec_breaking_events(draw: st.DrawFn) -> dict[str, Any]:
    """Readable event objects that break Segment's spec (the ingress drops them)."""
    breaker: Callable[[dict[str, Any]], dict[str, Any]] = draw(st.sampled_from(_SPEC_BREAKERS))
    return breaker(draw(valid_tracks()))


@st.composite
def poisoned_events(draw: st.DrawFn) -> dict[str, Any]:
    """Track events holding what no strict JSON reader accepts: a lone surrogate (in a
    value or a key), an integer past 4,300 digits, ``NaN``/``1e400``, nesting past 100."""
    event = draw(valid_tracks())
    where = draw(st.sampled_from(["value", "key", "event name"]))
    if where == "value":
        odd = st.one_of(
            _spliced(LONE_SURROGATES), huge_integers(), NOT_FINITE, deep_values(100, 300)
        )
        return {**event, "properties": {**event["properties"], "x": draw(odd)}}
    if where == "key":
        return {**event, "properties": {draw(_spliced(LONE_SURROGATES)): 1}}
    return {**event, "event": draw(_spliced(LONE_SURROGATES))}


def invalid_events() -> st.SearchStrategy[Any]:
    """Items of a batch that break Segment's spec, hold JSON no parser may accept or are
    not objects: the ingress must drop each of them, alone."""
    not_objects = st.one_of(
        st.none(), st.booleans(), st.integers(), CLEAN_TEXT, st.lists(st.integers(), max_size=3)
    )
    return st.one_of(spec_breaking_events(), poisoned_events(), not_objects)


@st.composite
def other_calls(draw: st.DrawFn) -> dict[str, Any]:
    """Identify, page, screen, group and alias calls."""
    return {
        "type": draw(st.sampled_from(CALL_TYPES[1:])),
        **draw(_who()),
        "traits": draw(st.dictionaries(KEYS, _clean_values(), max_size=3)),
        "name": "n",
        "groupId": "g",
        "previousId": "p",
    }


@st.composite
def odd_time_events(draw: st.DrawFn) -> dict[str, Any]:
    """Track events whose times are in odd formats, or not times at all."""
    when, sent = draw(ODD_TIMES), draw(ODD_TIMES)
    times = {"timestamp": when, "sentAt": sent, "receivedAt": when, "originalTimestamp": sent}
    return {**draw(valid_tracks()), **times}


@st.composite
def mildly_nested_events(draw: st.DrawFn) -> dict[str, Any]:
    """Track events with a property nested 20 to 70 deep, around the depth limit."""
    return {**draw(valid_tracks()), "properties": {"deep": draw(deep_values(20, 70))}}


def unclassified_events(*, batch: bool = False) -> st.SearchStrategy[Any]:
    """Events the ingress may take or drop: other call types, odd times, nesting around
    the depth limit, random JSON (in a ``batch``, none past Segment's 32 KB limit for one
    event)."""
    return st.one_of(
        other_calls(), odd_time_events(), mildly_nested_events(), odd_json(long=not batch)
    )


def readable_events() -> st.SearchStrategy[dict[str, Any]]:
    """Event objects every strict JSON reader accepts, valid or not."""
    return st.one_of(
        valid_tracks(),
        valid_tracks(KEPT_FROM_PERKVILLE),
        spec_breaking_events(),
        other_calls(),
        odd_time_events(),
    )


# -- secrets --------------------------------------------------------------------------------

SECRET_HEAD, SECRET_TAIL = "pkFUZZ-q7w3", "x81LEAKz"


def api_keys() -> st.SearchStrategy[str]:
    """API keys that are easy to search for (a fixed head and tail) around a middle that
    may hold what a paste brings: a newline, a tab, quotes, percent signs, non-ASCII."""
    clean = st.text(st.characters(codec="utf-8", exclude_categories=["C"]), max_size=8)
    pasted = st.lists(
        st.characters(codec="utf-8", exclude_categories=["Cs"])
        | st.sampled_from(
            ["\n", "\r\n", "\t", "\0", "\x7f", "\u2028", '"', "'", "\\", "%", "é", " "]
        ),
        max_size=8,
    ).map("".join)
    return st.one_of(clean, clean, pasted).map(lambda m: f"{SECRET_HEAD}{m}{SECRET_TAIL}")


def has_control(text: str) -> bool:
    """Whether ``text`` holds a control character (C0, DEL, C1) or a line or paragraph
    separator, which a settings check may refuse in a key."""
    return any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in text)
