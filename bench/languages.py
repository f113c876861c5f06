"""Microseconds per event for the mapping language, payload validation and FQL matching,
ours and, when its harness is built, the reference: segmentio/action-destinations' core.

Run: .venv/bin/python bench/languages.py [--reference DIR]   (or `make bench`)

The reference harness (a directory holding ``bench.js`` and the npm packages
@segment/actions-core and @segment/destination-subscriptions; how to build it is in
docs/benchmarks.md) is given with ``--reference DIR`` or ``LANGUAGES_REFERENCE=DIR``. It gets
the same event, FQL, mappings and fields as JSON on stdin, and returns its timings and what
it computed, which must equal ours. Ours and theirs run in turn, round after round; each
figure is the median over the rounds of the median of ``--repeat`` runs of ``--number``
calls, after ``--warmup`` seconds of calls (wall-clock time: the load average is printed).

Cases:
- FQL: type = "track" and (event = "Order Completed" or contains(event, "Refund"));
- a 7-field mixed mapping (@path, @if exists/else, @case lower, a numeric string into a
  number field, a scalar into a `multiple` field, an object field, @template), resolved
  only, then resolved and validated;
- the Perkville default mapping, resolved only, then resolved and validated. It uses
  @first and @if "string", which actions-core lacks, so the comparison uses a portable
  Perkville mapping: @first of one path as @path, the others as nested @if exists, which
  gives the same payload for this event (it differs on values that are null-free but
  blank or not strings).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from destinations.perkville import destination as perkville
from framework import MISSING, FieldSpec
from framework.authoring.validation import FieldsValidator
from framework.languages.fql import compile_subscription
from framework.languages.mapping import compile_mapping

EVENT: dict[str, Any] = {
    "type": "track",
    "event": "Order Completed",
    "messageId": "bench-0001",
    "userId": "user-1",
    "email": "Ann@Example.com",
    "properties": {
        "order_id": "o-1",
        "revenue": "9.99",
        "currency": "USD",
        "tags": "vip",
        "address": {"city": "Lyon", "zip": "69001"},
    },
    "context": {"traits": {"email": "ann@example.com", "name": "Ann"}},
    "timestamp": "2026-11-20T10:01:00.000Z",
}

MIXED_FIELDS = {
    "user_id": FieldSpec(label="User", description="d", required=True),
    "name": FieldSpec(label="Name", description="d"),
    "email": FieldSpec(label="Email", description="d", format="email"),
    "amount": FieldSpec(label="Amount", description="d", type="number"),
    "tags": FieldSpec(label="Tags", description="d", multiple=True),
    "address": FieldSpec(label="Address", description="d", type="object"),
    "summary": FieldSpec(label="Summary", description="d"),
}
MIXED_MAPPING = {
    "user_id": {"@path": "$.userId"},
    "name": {
        "@if": {
            "exists": {"@path": "$.context.traits.name"},
            "then": {"@path": "$.context.traits.name"},
            "else": {"@path": "$.userId"},
        }
    },
    "email": {"@case": {"operator": "lower", "value": {"@path": "$.email"}}},
    "amount": {"@path": "$.properties.revenue"},
    "tags": {"@path": "$.properties.tags"},
    "address": {"@path": "$.properties.address"},
    "summary": {"@template": "{{event}} for {{properties.currency}} {{properties.revenue}}"},
}
FQL = 'type = "track" and (event = "Order Completed" or contains(event, "Refund"))'

PERKVILLE_FIELDS = perkville.actions["award_points"].fields


def first_existing(*paths: str) -> dict[str, Any]:
    """The first of ``paths`` that exists (not absent, not null), in nested @if exists."""
    head = {"@path": paths[0]}
    if len(paths) == 1:
        return head
    return {"@if": {"exists": head, "then": head, "else": first_existing(*paths[1:])}}


PORTABLE_PERKVILLE_MAPPING = {
    "event_name": {"@path": "$.event"},
    "email": first_existing("$.email", "$.properties.email", "$.context.traits.email"),
    "order_id": {"@path": "$.properties.order_id"},
    "amount": {
        "@if": {
            "exists": {"@path": "$.properties.order_id"},
            "then": first_existing(
                "$.properties.revenue", "$.properties.value", "$.properties.total"
            ),
        }
    },
    "trans_source_id": {"@path": "$.messageId"},
    "limit_to_once_per_calendar_day": False,
}

# the cases both sides run: the reference's key, our label, the mapping and its fields
COMPARED = {
    "mixed": ("7-field mixed mapping + validation", MIXED_MAPPING, MIXED_FIELDS),
    "perkville": (
        "perkville portable mapping + validation",
        PORTABLE_PERKVILLE_MAPPING,
        PERKVILLE_FIELDS,
    ),
}
FQL_LABEL = "FQL match"
REFERENCE_ENV = "LANGUAGES_REFERENCE"


def perkville_mapping() -> dict[str, Any]:
    return {
        name: spec.default for name, spec in PERKVILLE_FIELDS.items() if spec.default is not MISSING
    }


def validated(
    mapping: Mapping[str, Any], fields: Mapping[str, FieldSpec]
) -> Callable[[Mapping[str, Any]], Any]:
    """One event resolved by ``mapping`` then validated against ``fields``, both compiled
    once; exits when the payload does not validate."""
    resolve = compile_mapping(mapping)
    validator = FieldsValidator(fields, strict=False, defaults=False)
    _, problems = validator.validate(resolve(EVENT))
    if problems:
        raise SystemExit(f"benchmark payload does not validate: {problems}")
    return lambda event: validator.validate(resolve(event))


def our_cases() -> dict[str, Callable[[Mapping[str, Any]], object]]:
    """Each case as the function called with the event: the loop calls it directly, as
    the reference's JIT inlines its own wrapper away."""
    matches = compile_subscription(FQL).matches
    mixed_resolve = compile_mapping(MIXED_MAPPING)
    perkville_resolve = compile_mapping(perkville_mapping())
    return {
        FQL_LABEL: matches,
        "7-field mixed mapping (resolve)": mixed_resolve,
        COMPARED["mixed"][0]: validated(MIXED_MAPPING, MIXED_FIELDS),
        "perkville mapping (resolve)": perkville_resolve,
        "perkville mapping + validation": validated(perkville_mapping(), PERKVILLE_FIELDS),
        COMPARED["perkville"][0]: validated(PORTABLE_PERKVILLE_MAPPING, PERKVILLE_FIELDS),
    }


def our_results() -> tuple[bool, dict[str, Any]]:
    """What our side computes: the FQL verdict and each compared case's payload; exits if
    the portable Perkville mapping's payload is not the default mapping's."""
    payloads = {
        key: validated(mapping, fields)(EVENT)[0] for key, (_, mapping, fields) in COMPARED.items()
    }
    if payloads["perkville"] != validated(perkville_mapping(), PERKVILLE_FIELDS)(EVENT)[0]:
        raise SystemExit("the portable Perkville mapping gives another payload than the default")
    return compile_subscription(FQL).matches(EVENT), payloads


@dataclass(frozen=True)
class Timing:
    """How each case is timed, on both sides: calls for ``warmup_seconds``, then the
    median of ``repeat`` runs of ``number`` calls."""

    warmup_seconds: float
    number: int
    repeat: int


def nanoseconds(work: Callable[[Mapping[str, Any]], object], number: int) -> int:
    """The time of ``number`` calls of ``work`` on the event."""
    start = time.perf_counter_ns()
    for _ in range(number):
        work(EVENT)
    return time.perf_counter_ns() - start


def microseconds(work: Callable[[Mapping[str, Any]], object], timing: Timing) -> float:
    """The time per call of ``work``, in microseconds."""
    warm = 0
    while warm < timing.warmup_seconds * 1e9:
        warm += nanoseconds(work, 100)
    runs = [nanoseconds(work, timing.number) / timing.number / 1000 for _ in range(timing.repeat)]
    return statistics.median(runs)


def reference_fields(fields: Mapping[str, FieldSpec]) -> dict[str, dict[str, Any]]:
    """The fields as actions-core input fields (the attributes these cases use)."""
    return {
        name: {
            "label": spec.label,
            "description": spec.description,
            "type": spec.type,
            "required": spec.required,
            "multiple": spec.multiple,
            **({"format": spec.format} if spec.format else {}),
        }
        for name, spec in fields.items()
    }


def run_reference(directory: Path, timing: Timing) -> dict[str, Any]:
    """One run of the reference harness on our inputs; its JSON answer."""
    inputs = {
        "event": EVENT,
        "fql": FQL,
        "mappings": {
            key: {"mapping": mapping, "fields": reference_fields(fields)}
            for key, (_, mapping, fields) in COMPARED.items()
        },
        **asdict(timing),
    }
    try:
        done = subprocess.run(
            ["node", "bench.js"],
            cwd=directory,
            input=json.dumps(inputs),
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        raise SystemExit("the reference needs `node` (Node 20) on PATH") from None
    if done.returncode:
        raise SystemExit(f"the reference harness in {directory} failed:\n{done.stderr}")
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def check_same(answer: Mapping[str, Any], ours: tuple[bool, dict[str, Any]]) -> None:
    """Exit unless the reference computed what we compute."""
    matched, payloads = ours
    if answer["fql_matched"] is not True or not matched:
        raise SystemExit(f"FQL: ours {matched}, reference {answer['fql_matched']}, want true")
    for key, payload in payloads.items():
        if answer["payloads"][key] != payload:
            raise SystemExit(
                f"{COMPARED[key][0]}: ours {payload}, reference {answer['payloads'][key]}"
            )


def reference_directory(given: str | None) -> Path | None:
    chosen = given or os.environ.get(REFERENCE_ENV)
    if not chosen:
        return None
    directory = Path(chosen)
    if not (directory / "bench.js").is_file():
        raise SystemExit(f"no bench.js in {directory}: build the harness (docs/benchmarks.md)")
    return directory


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


class Figures:
    """Per case, one figure a round: ours, the reference's, and the share of the
    reference's mapping figure spent checking the mapping (its transform does it on every
    event; ours once, when compiling)."""

    def __init__(self) -> None:
        self.ours: dict[str, list[float]] = {}
        self.theirs: dict[str, list[float]] = {}
        self.checks: dict[str, list[float]] = {}
        self.answer: dict[str, Any] = {}

    def measure(self, rounds: int, timing: Timing, directory: Path | None) -> None:
        """``rounds`` rounds: ours, then the reference's when there is one."""
        cases = our_cases()
        expected = our_results()
        for _ in range(rounds):
            for label, work in cases.items():
                self.ours.setdefault(label, []).append(microseconds(work, timing))
            if directory is not None:
                self.answer = answer = run_reference(directory, timing)
                check_same(answer, expected)
                self.theirs.setdefault(FQL_LABEL, []).append(answer["fql_match_us"])
                for key, (label, _, _) in COMPARED.items():
                    self.theirs.setdefault(label, []).append(answer["mapping_us"][key])
                    self.checks.setdefault(label, []).append(answer["mapping_check_us"][key])

    def report(self, rounds: int, timing: Timing, directory: Path | None) -> None:
        python = f"{platform.python_implementation()} {platform.python_version()}"
        print(
            f"µs/event: medians of {rounds} rounds, each the median of {timing.repeat} runs "
            f"of {timing.number:,} calls after {timing.warmup_seconds} s of warm-up; "
            f"ours on {python}"
        )
        if self.answer:
            print(
                f"reference in {directory} on Node {self.answer['node']}, run in turn with "
                f"ours; {json.dumps(self.answer['versions'])}"
            )
        columns = f" {'reference':>10} {'ours/ref':>9}" if self.answer else ""
        print(f"{'case':<42} {'ours':>8}{columns}")
        for label, figures in self.ours.items():
            mine = statistics.median(figures)
            if label not in self.theirs:
                print(f"{label:<42} {mine:>8.2f}")
                continue
            theirs = statistics.median(self.theirs[label])
            print(f"{label:<42} {mine:>8.2f} {theirs:>10.2f} {mine / theirs:>9.2f}")
            if label in self.checks:
                check = statistics.median(self.checks[label])
                print(f"{'  of which re-checking the mapping':<42} {'':>8} {check:>10.2f}")
        if not self.answer:
            print(
                "no reference figures: build the actions-core harness (docs/benchmarks.md), "
                f"then pass --reference DIR or set {REFERENCE_ENV}=DIR"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", metavar="DIR", help=f"the harness (else ${REFERENCE_ENV})")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=float, default=0.2, help="seconds of calls first")
    parser.add_argument("--number", type=int, default=10_000, help="calls per run")
    parser.add_argument("--repeat", type=int, default=5, help="runs per round")
    args = parser.parse_args()
    directory = reference_directory(args.reference)
    timing = Timing(args.warmup, args.number, args.repeat)
    before = load()
    figures = Figures()
    figures.measure(args.rounds, timing, directory)
    figures.report(args.rounds, timing, directory)
    print(f"load average (1, 5, 15 min): before {before}, after {load()}")


if __name__ == "__main__":
    main()
