"""A Perkville sandbox: the part of Perkville's API this destination uses, on this machine.

Run it with ``actions sandbox perkville --settings FILE``, or from Python::

    with PerkvilleSandbox(settings, faults=Faults(rate=0.3, seed=7)) as sandbox:
        runner = DestinationRunner(destination, settings, base_url=sandbox.url)
        ...
        sandbox.balances()  # {"ana@example.com": 9.99, ...}

It knows one business (``business_id``), one location (``location_id``), the perks named
in ``event_to_perk_map`` and ``audience_to_perk_map``, and one API key (``api_key``):

- ``POST /transactions/``: a bearer token other than the API key is a 401; an unknown
  business a 404; an unknown location or perk, a body that is not a JSON object, an
  invalid email, a quantity that is not a non-zero number, a non-boolean ``send_email``
  or ``limit_to_once_per_calendar_day`` (accepted, not enforced) or a missing
  ``trans_source_id`` a 400. Errors have Perkville's shape
  ``{"status": "failure", "error_codes": [{"message", "code"}], "errors": [message]}``.
  A new ``trans_source_id`` is applied (201): the quantity is added to the email's
  balance. A repeated one is not applied again: 200 with the original transaction and
  ``"duplicate": true``.
- ``GET /businesses/{id}/``: 200 for the business, 404 for another, 401 for a wrong token.
- ``GET /sandbox/balances`` (no token): ``{"balances": {email: number}, "applied": n,
  "duplicates": n, "faults": {kind: n}}``; ``GET /sandbox/transactions``: the applied
  transactions, in order.

Faults (:class:`Faults`) and latency (:class:`Latency`, e.g. ``latency=Latency(0.05,
0.02)``: every API answer 50 ± 20 ms after the transaction is applied) work as
:mod:`framework.runtime.sandbox` describes.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from destinations.perkville import destination
from destinations.perkville.settings import PERK_MAPS
from framework import (
    EMAIL,
    NO_FAULTS,
    NO_LATENCY,
    Faults,
    Latency,
    Reply,
    Sandbox,
    SandboxRequest,
    validate_settings,
)

__all__ = ["Faults", "Latency", "PerkvilleSandbox"]

_BUSINESS_PATH = re.compile(r"/businesses/([^/]+)/?")
# Perkville-style error codes (E003 is the one PERKVILLE.md quotes)
E_AUTH = "E001"
E_BUSINESS = "E002"
E_PERK = "E003"
E_LOCATION = "E004"
E_INVALID = "E005"
E_NOT_FOUND = "E006"
E_METHOD = "E007"
REQUIRED = ("business", "location", "perk", "email", "quantity", "trans_source_id")


def failure(message: str, code: str) -> dict[str, Any]:
    """A Perkville error body."""
    errors = [{"message": message, "code": code}]
    return {"status": "failure", "error_codes": errors, "errors": [message]}


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


# one decoder for every request (json.loads with options builds a new one each call)
_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_reject_constant)


class PerkvilleSandbox(Sandbox):
    """Perkville's transactions and business endpoints, with balances per email.

    ``settings`` are Perkville settings as in a settings file (validated like the
    destination's: a bad one raises :class:`framework.core.errors.SettingsError`).
    """

    def __init__(
        self,
        settings: Mapping[str, Any],
        *,
        faults: Faults = NO_FAULTS,
        latency: Latency = NO_LATENCY,
    ) -> None:
        super().__init__(faults=faults, latency=latency)
        valid = validate_settings(destination, settings)
        self._token = valid["api_key"].get_secret_value()
        self._business: str = valid["business_id"]
        self._location: str = valid["location_id"]
        self._perks = frozenset(perk for name in PERK_MAPS for perk in valid[name].values())
        self._lock = threading.Lock()
        self._transactions: dict[str, dict[str, Any]] = {}  # by trans_source_id
        self._balances: dict[str, Decimal] = {}
        self._duplicates = 0

    def balances(self) -> dict[str, float]:
        """Email -> the sum of its applied quantities."""
        with self._lock:
            return self._totals()

    def applied(self) -> int:
        """How many transactions were applied (duplicates are not)."""
        with self._lock:
            return len(self._transactions)

    def duplicates(self) -> int:
        """How many transactions were refused as repeats of an applied ``trans_source_id``."""
        with self._lock:
            return self._duplicates

    def transactions(self) -> list[dict[str, Any]]:
        """The applied transactions, in the order they were applied."""
        with self._lock:
            return [dict(transaction) for transaction in self._transactions.values()]

    def error_body(self, message: str, code: str) -> Any:
        """Perkville's error shape, for the fault replies too."""
        return failure(message, code)

    def handle(self, request: SandboxRequest) -> Reply:
        """Route: the inspection endpoints, then the token, the business, the transactions."""
        path, method = request.path, request.method
        if path == "/sandbox/balances":
            return self._get(method, self._balances_report)
        if path == "/sandbox/transactions":
            return self._get(method, lambda: Reply(200, {"transactions": self.transactions()}))
        business = _BUSINESS_PATH.fullmatch(path)
        if path != "/transactions/" and business is None:
            return Reply(404, failure(f"Not found: {path}", E_NOT_FOUND))
        if request.headers.get("authorization") != f"Bearer {self._token}":
            return Reply(401, failure("Invalid or missing bearer token", E_AUTH))
        if business is not None:
            return self._get(method, lambda: self._business_reply(business.group(1)))
        if method != "POST":
            return _not_allowed("POST")
        return self._post_transaction(request.body)

    def _totals(self) -> dict[str, float]:
        """The balances as numbers (the caller holds the lock)."""
        return {email: float(total) for email, total in self._balances.items()}

    def _get(self, method: str, answer: Callable[[], Reply]) -> Reply:
        return answer() if method == "GET" else _not_allowed("GET")

    def _balances_report(self) -> Reply:
        with self._lock:
            report = {
                "balances": self._totals(),
                "applied": len(self._transactions),
                "duplicates": self._duplicates,
            }
        return Reply(200, {**report, "faults": self.injected()})

    def _business_reply(self, business_id: str) -> Reply:
        if business_id != self._business:
            return Reply(404, failure(f"Business {business_id} does not exist", E_BUSINESS))
        return Reply(200, {"status": "success", "business": {"id": self._business}})

    def _post_transaction(self, body: bytes) -> Reply:
        try:
            fields = _DECODER.decode(body.decode())
        except ValueError:  # UnicodeDecodeError included
            return Reply(400, failure("The request body is not valid JSON", E_INVALID))
        problem = self._problem(fields)
        if problem is not None:
            status, message, code = problem
            return Reply(status, failure(message, code))
        with self._lock:
            original = self._transactions.get(fields["trans_source_id"])
            if original is not None:
                self._duplicates += 1
                return Reply(200, {"status": "success", "duplicate": True, "transaction": original})
            transaction = _transaction(len(self._transactions) + 1, fields)
            self._transactions[fields["trans_source_id"]] = transaction
            email = fields["email"]
            self._balances[email] = self._balances.get(email, Decimal(0)) + fields["quantity"]
        return Reply(201, {"status": "success", "duplicate": False, "transaction": transaction})

    def _problem(self, fields: object) -> tuple[int, str, str] | None:
        """The first thing wrong with a transaction: ``(status, message, code)``."""
        if not isinstance(fields, dict):
            return 400, "The request body must be a JSON object", E_INVALID
        for name in REQUIRED:
            if name not in fields:
                return 400, f"{name}: This field is required.", E_INVALID
        for name in ("business", "location", "perk"):
            if not _is_id(fields[name]):
                return 400, f"{name}: Enter an id (a string or an integer).", E_INVALID
        business, location, perk = (str(fields[name]) for name in ("business", "location", "perk"))
        if business != self._business:
            return 404, f"Business {business} does not exist", E_BUSINESS
        if location != self._location:
            return 400, f"Location {location} does not exist", E_LOCATION
        if perk not in self._perks:
            return 400, f"Perk {perk} does not exist", E_PERK
        email, quantity = fields["email"], fields["quantity"]
        if not isinstance(email, str) or not EMAIL.fullmatch(email):
            return 400, "email: Enter a valid email address.", E_INVALID
        if isinstance(quantity, bool) or not isinstance(quantity, int | Decimal) or not quantity:
            return 400, "quantity: Enter a non-zero number.", E_INVALID
        for flag in ("send_email", "limit_to_once_per_calendar_day"):
            if not isinstance(fields.get(flag, False), bool):
                return 400, f"{flag}: Must be true or false.", E_INVALID
        source = fields["trans_source_id"]
        if not isinstance(source, str) or not source:
            return 400, "trans_source_id: Enter a non-empty string.", E_INVALID
        return None


def _is_id(value: object) -> bool:
    """Ids are strings or integers: ``4242`` and ``"4242"`` are the same business."""
    return isinstance(value, str | int) and not isinstance(value, bool)


def _transaction(number: int, fields: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": number,
        "business": str(fields["business"]),
        "location": str(fields["location"]),
        "perk": str(fields["perk"]),
        "email": fields["email"],
        "quantity": _number(fields["quantity"]),
        "send_email": fields.get("send_email", False),
        "trans_source_id": fields["trans_source_id"],
    }


def _number(value: int | Decimal) -> int | float:
    return value if isinstance(value, int) else float(value)


def _not_allowed(allowed: str) -> Reply:
    return Reply(405, failure("Method not allowed", E_METHOD), {"Allow": allowed})
