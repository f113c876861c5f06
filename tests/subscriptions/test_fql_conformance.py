"""FQL conformance: the shared vectors in ``../shared/conformance/fql`` (see its README)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from framework import SubscriptionSyntaxError
from framework.languages.fql import compile_subscription
from tests.subscriptions.upstream_ast import NotAnAstError, upstream_ast_to_fql

CONFORMANCE_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "conformance"
FQL_DIR = CONFORMANCE_DIR / "fql"

# parse.json records where upstream accepts text that is not valid FQL (README: "Some
# entries record upstream quirks, for example `type = ` parses with the value "eos"").
UPSTREAM_PARSE_QUIRKS = {"type = "}


def _decode(value: Any) -> Any:
    """Undo the README's encoding: ``{"$undefined": true}`` is JavaScript ``undefined``."""
    if isinstance(value, dict):
        if value == {"$undefined": True}:
            return None
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


def _records(file_name: str, keep: Any = None) -> list[Any]:
    """One pytest param per record (id = record name), or one skipped param if data is absent."""
    path = FQL_DIR / file_name
    if not path.is_file():
        reason = f"FQL conformance data not found: {path} (expected the shared folder there)"
        return [pytest.param(None, id="conformance-data-missing", marks=pytest.mark.skip(reason))]
    records = json.loads(path.read_text(encoding="utf-8"))
    return [pytest.param(r, id=r["name"]) for r in records if keep is None or keep(r)]


def _matches_fql(record: dict[str, Any]) -> bool:
    return isinstance(record.get("fql"), str) and "match" in record


def _ast_only(record: dict[str, Any]) -> bool:
    return record.get("fql") is None and "match" in record


def _with_ast(record: dict[str, Any]) -> bool:
    return "ast" in record and "match" in record


# -- match.json ------------------------------------------------------------------------------


@pytest.mark.parametrize("record", _records("match.json", _matches_fql))
def test_match_record(record: dict[str, Any]) -> None:
    subscription = compile_subscription(record["fql"])
    assert subscription.matches(_decode(record["event"])) is record["match"]


@pytest.mark.parametrize("record", _records("match.json", _ast_only))
def test_match_record_given_only_as_ast(record: dict[str, Any]) -> None:
    if "ast_error" in record:
        # Upstream's "AST" is a parse error: there is no subscription, so nothing matches.
        with pytest.raises(NotAnAstError):
            upstream_ast_to_fql(record["ast_error"])
        assert record["match"] is False
        return
    subscription = compile_subscription(upstream_ast_to_fql(record["ast"]))
    assert subscription.matches(_decode(record["event"])) is record["match"]


@pytest.mark.parametrize("record", _records("match.json", _with_ast))
def test_match_record_via_upstream_ast(record: dict[str, Any]) -> None:
    """Every upstream AST, written back as FQL, must give upstream's result."""
    subscription = compile_subscription(upstream_ast_to_fql(record["ast"]))
    assert subscription.matches(_decode(record["event"])) is record["match"]


@pytest.mark.parametrize("record", _records("match.json", lambda r: "error" in r))
def test_match_parse_failure_record(record: dict[str, Any]) -> None:
    with pytest.raises(SubscriptionSyntaxError) as caught:
        compile_subscription(record["fql"])
    assert caught.value.source == record["fql"]
    assert 0 <= caught.value.position <= len(record["fql"])


@pytest.mark.parametrize("record", _records("match.json", lambda r: "expected" in r))
def test_divergence_record_follows_expected(record: dict[str, Any]) -> None:
    subscription = compile_subscription(record["fql"])
    assert subscription.matches(_decode(record["event"])) is record["expected"]


# -- parse.json / generate.json --------------------------------------------------------------


@pytest.mark.parametrize("record", _records("parse.json"))
def test_parse_record(record: dict[str, Any]) -> None:
    if "error" in record or record["fql"] in UPSTREAM_PARSE_QUIRKS:
        with pytest.raises(SubscriptionSyntaxError):
            compile_subscription(record["fql"])
    else:
        assert compile_subscription(record["fql"]).source == record["fql"]


@pytest.mark.parametrize(
    "record",
    # Quirks are invalid FQL here: test_parse_record asserts that they raise.
    _records("parse.json", lambda r: "ast" in r and r["fql"] not in UPSTREAM_PARSE_QUIRKS),
)
def test_parse_record_agrees_with_upstream_ast(record: dict[str, Any]) -> None:
    """Our reading of the text and upstream's AST (as FQL) agree on a few probe events."""
    ours = compile_subscription(record["fql"])
    theirs = compile_subscription(upstream_ast_to_fql(record["ast"]))
    for event in _probe_events(record["ast"]):
        assert ours.matches(event) is theirs.matches(event), event


@pytest.mark.parametrize("record", _records("generate.json", lambda r: "fql" in r))
def test_generated_fql_compiles(record: dict[str, Any]) -> None:
    assert compile_subscription(record["fql"]).source == record["fql"]


def test_upstream_quirks_are_still_recorded() -> None:
    path = FQL_DIR / "parse.json"
    if not path.is_file():
        pytest.skip(f"FQL conformance data not found: {path}")
    texts = {r["fql"] for r in json.loads(path.read_text(encoding="utf-8"))}
    assert texts >= UPSTREAM_PARSE_QUIRKS


def _probe_events(ast: dict[str, Any]) -> list[dict[str, Any]]:
    """Events that make each condition of ``ast`` true in turn, plus an empty event."""
    events: list[dict[str, Any]] = [{}]
    _collect_probes(ast, events)
    return events


def _collect_probes(node: dict[str, Any], events: list[dict[str, Any]]) -> None:
    if node["type"] == "group":
        for child in node["children"]:
            _collect_probes(child, events)
        return
    value: Any = node.get("value")
    operator = node["operator"]
    if operator in {"<", "<=", ">", ">=", "number_equals", "number_not_equals"}:
        value = float(value)
    elif operator == "is_true":
        value = True
    elif operator == "is_false":
        value = False
    elif operator in {"exists", "not_exists"}:
        value = "present"
    prefix = {"event-property": "properties", "event-trait": "traits", "event-context": "context"}
    top = {"event-type": "type"}.get(node["type"], node["type"])
    for candidate in (value, f"x{value}x", None):
        if node["type"] in prefix:
            event: dict[str, Any] = {}
            cursor = event.setdefault(prefix[node["type"]], {})
            *parents, last = str(node["name"]).split(".")
            for name in parents:
                cursor = cursor.setdefault(name, {})
            cursor[last] = candidate
        else:
            event = {top: candidate}
        events.append(event)
