"""Microseconds per event for the mapping language, payload validation and FQL matching.

Run: .venv/bin/python bench/languages.py   (or `make bench`)

Cases:
- the Perkville default mapping (resolve only, then resolve + validate);
- a 7-field mixed mapping (@path, @if exists/else, @case lower, a numeric string into a
  number field, a scalar into a `multiple` field, an object field, @template), resolved
  and validated;
- FQL: type = "track" and (event = "Order Completed" or contains(event, "Refund")).
"""

from __future__ import annotations

import statistics
import timeit
from collections.abc import Callable
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


def perkville_mapping() -> dict[str, Any]:
    fields = perkville.actions["award_points"].fields
    return {name: spec.default for name, spec in fields.items() if spec.default is not MISSING}


def microseconds(work: Callable[[], object], *, number: int = 20_000, repeat: int = 7) -> float:
    """The median over ``repeat`` runs of the time per call, in microseconds."""
    work()
    runs = timeit.repeat(work, number=number, repeat=repeat)
    return statistics.median(runs) / number * 1e6


def cases() -> dict[str, Callable[[], object]]:
    perkville_resolve = compile_mapping(perkville_mapping())
    perkville_validator = FieldsValidator(
        perkville.actions["award_points"].fields, strict=False, defaults=False
    )
    mixed_resolve = compile_mapping(MIXED_MAPPING)
    mixed_validator = FieldsValidator(MIXED_FIELDS, strict=False, defaults=False)
    matches = compile_subscription(FQL).matches
    for validator, resolve in (
        (perkville_validator, perkville_resolve),
        (mixed_validator, mixed_resolve),
    ):
        _, problems = validator.validate(resolve(EVENT))
        if problems:
            raise SystemExit(f"benchmark payload does not validate: {problems}")
    return {
        "perkville mapping (resolve)": lambda: perkville_resolve(EVENT),
        "perkville mapping + validation": lambda: perkville_validator.validate(
            perkville_resolve(EVENT)
        ),
        "7-field mixed mapping (resolve)": lambda: mixed_resolve(EVENT),
        "7-field mixed mapping + validation": lambda: mixed_validator.validate(
            mixed_resolve(EVENT)
        ),
        "FQL match": lambda: matches(EVENT),
    }


def main() -> None:
    print(f"{'case':<40} {'µs/event':>9}")
    for name, work in cases().items():
        print(f"{name:<40} {microseconds(work):>9.2f}")


if __name__ == "__main__":
    main()
