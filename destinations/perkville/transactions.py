"""The one Perkville request both actions send: a point transaction.

The request body's field names live only here (PERKVILLE.md "The outgoing request").
"""

from __future__ import annotations

from typing import Any

from destinations.perkville import api
from destinations.perkville.settings import PerkvilleSettings
from framework import HttpRequest


def transaction_request(
    settings: PerkvilleSettings,
    *,
    perk: str,
    email: str,
    quantity: float,
    trans_source_id: str,
    once_a_day: bool = False,
) -> HttpRequest:
    """``POST /transactions/``: ``quantity`` points of ``perk`` for ``email`` at the
    configured business and location, de-duplicated by ``trans_source_id``."""
    body: dict[str, Any] = {
        "business": settings.business_id,
        "location": settings.location_id,
        "perk": perk,
        "email": email,
        "quantity": quantity,
        "send_email": settings.send_email,
        "trans_source_id": trans_source_id,
    }
    if once_a_day:
        body["limit_to_once_per_calendar_day"] = True
    return HttpRequest("POST", api.TRANSACTIONS, json=body)
