"""Valid Perkville settings shared by the destination's tests."""

from __future__ import annotations

from typing import Any

API_KEY = "pk_live_s3cr3t_token_value"

SETTINGS: dict[str, Any] = {
    "api_key": API_KEY,
    "business_id": "4242",
    "location_id": "17",
    "event_to_perk_map": {
        "Order Completed": "555",
        "Order Refunded": "555",
        "REFUND issued": "556",
        "Checked In": "007",
        "Audience Entered": "900",
    },
    "send_email": False,
}
