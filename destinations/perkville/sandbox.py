"""A Perkville sandbox: the part of Perkville's API this destination uses, on this machine.

Run it with ``actions sandbox perkville --settings FILE``, or from Python::

    with PerkvilleSandbox(settings, faults=Faults(rate=0.3, seed=7)) as sandbox:
        runner = DestinationRunner(destination, settings, base_url=sandbox.url)
        ...
        sandbox.balances()  # {"ana@example.com": 9.99, ...}

It knows one business (``business_id``), one location (``location_id``), the perks named
in ``event_to_perk_map`` and ``audience_to_perk_map``, and one API key (``api_key``). Paths
and field names are :mod:`destinations.perkville.api`'s. The API takes the API key or an
access token its OAuth server issued (``Authorization: Bearer …``); any other token, or an
issued one that expired or was revoked, is a 401:

- ``POST /transactions/``: an unknown business is a 404; an unknown location or perk, a
  body that is not a JSON object, an invalid email, a quantity that is not a non-zero
  number, a non-boolean ``send_email`` or ``limit_to_once_per_calendar_day`` (accepted,
  not enforced) or a missing ``trans_source_id`` a 400. Errors have Perkville's shape
  ``{"status": "failure", "error_codes": [{"message", "code"}], "errors": [message]}``.
  A new ``trans_source_id`` is applied (201): the quantity is added to the email's
  balance. A repeated one is not applied again: 200 with the original transaction and
  ``"duplicate": true``.
- ``GET /businesses/{id}/``: 200 for the business, 404 for another.
- Lists, paged as Tastypie pages (``?limit=&offset=``, ``limit`` at most ``page_size``):
  ``{"meta": {"limit", "offset", "total_count", "next", "previous"}, "objects": [...]}``,
  ``next`` and ``previous`` a path with its query, or null. ``GET /businesses/``: the
  business (``business_id``, ``name``); ``GET /locations/?business=ID``: its location
  (``location_id``, ``name``); ``GET /perks/?business=ID``: every perk of the perk maps
  (``perk_id``, ``title`` "Perk 123456"); each with its ``resource_uri``. Another business
  is a 404; no ``business``, or a ``limit`` or ``offset`` that is not a whole number, a 400.
- OAuth 2.0 (:class:`framework.SandboxOAuth`, whose docstring says it all) at the paths of
  ``api.AUTHORIZE_URL`` and ``api.TOKEN_URL``, ``/api/authorize/`` and ``/api/token/``, for
  the client ``oauth_client_id``/``oauth_client_secret`` (``sandbox-client`` and
  ``sandbox-secret`` by default), approving at once or when the test says
  (``approval="manual"``); :attr:`PerkvilleSandbox.oauth` has its test controls
  (``expire_access_tokens()``, ``revoke()``, ``grants()``, ``approve()``, ``valid()``…).
- ``GET /sandbox/balances`` (no token): ``{"balances": {email: number}, "applied": n,
  "duplicates": n, "faults": {kind: n}}``; ``GET /sandbox/transactions``: the applied
  transactions, in order.

Faults (:class:`Faults`) and latency (:class:`Latency`, e.g. ``latency=Latency(0.05,
0.02)``: every API answer 50 ± 20 ms after the transaction is applied) work as
:mod:`framework.runtime.sandbox` describes, for the OAuth endpoints too.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from destinations.perkville import api, destination
from destinations.perkville.settings import PERK_MAPS
from framework import (
    EMAIL,
    NO_FAULTS,
    NO_LATENCY,
    Faults,
    Latency,
    Reply,
    Sandbox,
    SandboxOAuth,
    SandboxRequest,
    validate_settings,
)

__all__ = ["Faults", "Latency", "PerkvilleSandbox"]

_BUSINESS_PATH = re.compile(re.escape(api.BUSINESS).replace(re.escape("{business}"), "([^/]+)"))
DEFAULT_PAGE_SIZE = 20  # a list page's default (and largest) size
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
    """Perkville's transactions, business and list endpoints, with balances per email, and
    its OAuth server (:attr:`oauth`).

    ``settings`` are Perkville settings as in a settings file (validated like the
    destination's: a bad one raises :class:`framework.core.errors.SettingsError`). The OAuth
    server's client is ``oauth_client_id`` and ``oauth_client_secret``; it approves at once
    or, with ``approval="manual"``, when the test says; its access tokens live
    ``token_lifetime`` seconds by ``clock``. A list page holds at most ``page_size`` objects.
    """

    def __init__(
        self,
        settings: Mapping[str, Any],
        *,
        faults: Faults = NO_FAULTS,
        latency: Latency = NO_LATENCY,
        oauth_client_id: str = SandboxOAuth.CLIENT_ID,
        oauth_client_secret: str = SandboxOAuth.CLIENT_SECRET,
        approval: Literal["auto", "manual"] = "auto",
        token_lifetime: int = SandboxOAuth.TOKEN_LIFETIME,
        clock: Callable[[], float] = time.time,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        super().__init__(faults=faults, latency=latency)
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        valid = validate_settings(destination, settings)
        self._token = valid["api_key"].get_secret_value()
        self._business: str = valid["business_id"]
        self._location: str = valid["location_id"]
        perks = dict.fromkeys(perk for name in PERK_MAPS for perk in valid[name].values())
        self._perks = tuple(perks)  # in the order the maps name them, once each
        self._page_size = page_size
        self.oauth = SandboxOAuth(
            urlsplit(api.AUTHORIZE_URL).path,
            urlsplit(api.TOKEN_URL).path,
            client_id=oauth_client_id,
            client_secret=oauth_client_secret,
            token_lifetime=token_lifetime,
            approval=approval,
            clock=clock,
        )
        # path -> (filtered by business?, its objects)
        self._lists: dict[str, tuple[bool, Callable[[], list[dict[str, Any]]]]] = {
            api.BUSINESSES: (False, self._business_objects),
            api.LOCATIONS: (True, self._location_objects),
            api.PERKS: (True, self._perk_objects),
        }
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

    def notes(self) -> list[tuple[str, str]]:
        """The OAuth endpoints and the operator variables that point Perkville at them."""
        return self.oauth.notes(self.url, destination.slug)

    def handle(self, request: SandboxRequest) -> Reply:
        """Route: OAuth, the inspection endpoints, then the token, the business, the lists,
        the transactions."""
        oauth = self.oauth.handle(request)
        if oauth is not None:
            return oauth
        path, method = request.path, request.method
        if path == "/sandbox/balances":
            return self._get(method, self._balances_report)
        if path == "/sandbox/transactions":
            return self._get(method, lambda: Reply(200, {"transactions": self.transactions()}))
        business = _BUSINESS_PATH.fullmatch(path)
        listing = self._lists.get(path)
        if path != api.TRANSACTIONS and business is None and listing is None:
            return Reply(404, failure(f"Not found: {path}", E_NOT_FOUND))
        if not self._authorized(request.headers.get("authorization", "")):
            return Reply(401, failure("Invalid or missing bearer token", E_AUTH))
        if business is not None:
            return self._get(method, lambda: self._business_reply(business.group(1)))
        if listing is not None:
            return self._get(method, lambda: self._page(path, request.query, *listing))
        if method != "POST":
            return _not_allowed("POST")
        return self._post_transaction(request.body)

    def _authorized(self, header: str) -> bool:
        """The API key, or a live access token of the OAuth server, as a bearer token."""
        scheme, _, token = header.partition(" ")
        return scheme == "Bearer" and (token == self._token or self.oauth.valid(token))

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

    def _page(
        self,
        path: str,
        query: str,
        by_business: bool,
        listing: Callable[[], list[dict[str, Any]]],
    ) -> Reply:
        """One Tastypie page of ``listing()``, after checking the ``business`` filter when
        the list is ``by_business``."""
        params = {name: values[-1] for name, values in parse_qs(query).items()}
        paging = _paging(params, self._page_size)
        if isinstance(paging, Reply):
            return paging
        business = params.get(api.BUSINESS_FILTER)
        if by_business and business is None:
            message = f"{api.BUSINESS_FILTER}: This filter is required."
            return Reply(400, failure(message, E_INVALID))
        if by_business and business != self._business:
            return Reply(404, failure(f"Business {business} does not exist", E_BUSINESS))
        objects = listing()
        limit, offset = paging
        total = len(objects)

        def link(at: int) -> str:
            kept = {api.BUSINESS_FILTER: business} if business is not None else {}
            return f"{path}?{urlencode({**kept, api.PAGE_SIZE: limit, api.PAGE_OFFSET: at})}"

        meta = {
            "limit": limit,
            "offset": offset,
            "total_count": total,
            api.NEXT: link(offset + limit) if offset + limit < total else None,
            "previous": link(max(0, offset - limit)) if offset > 0 else None,
        }
        return Reply(200, {api.META: meta, api.OBJECTS: objects[offset : offset + limit]})

    def _business_objects(self) -> list[dict[str, Any]]:
        return [
            {
                api.BUSINESS_ID: self._business,
                api.BUSINESS_NAME: f"Business {self._business}",
                "resource_uri": _resource(api.BUSINESSES, self._business),
            }
        ]

    def _location_objects(self) -> list[dict[str, Any]]:
        return [
            {
                api.LOCATION_ID: self._location,
                api.LOCATION_NAME: f"Location {self._location}",
                "resource_uri": _resource(api.LOCATIONS, self._location),
            }
        ]

    def _perk_objects(self) -> list[dict[str, Any]]:
        return [
            {
                api.PERK_ID: perk,
                api.PERK_TITLE: f"Perk {perk}",
                "resource_uri": _resource(api.PERKS, perk),
            }
            for perk in self._perks
        ]

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


def _paging(params: Mapping[str, str], page_size: int) -> tuple[int, int] | Reply:
    """``(limit, offset)`` of a list request: ``limit`` at most ``page_size`` (0 or none:
    ``page_size``), ``offset`` 0 by default; a 400 for one that is not a whole number."""
    numbers = []
    for name in (api.PAGE_SIZE, api.PAGE_OFFSET):
        text = params.get(name, "0")
        if not (text.isascii() and text.isdecimal()):
            return Reply(400, failure(f"{name}: Enter a whole number.", E_INVALID))
        numbers.append(int(text))
    limit, offset = numbers
    return min(limit, page_size) or page_size, offset


def _resource(collection: str, identifier: str) -> str:
    return f"{collection}{quote(identifier, safe='')}/"


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
