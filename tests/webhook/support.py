"""Shared settings and helpers for the Webhook destination's tests: no test resolves a name
or touches the network; host names resolve through a static resolver."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from destinations.webhook import destination
from framework import DestinationRunner
from framework.core.guard import static_resolver
from framework.testing import (
    CapturingTransport,
    make_identify_event,
    make_track_event,
    recording_sleep,
)

# Distinctive, so that a leak is found by a plain substring search.
SECRET = "whsec_Zq8v3LkP0tR7xN2m"
PUBLIC_ADDRESS = "93.184.216.34"
HOOK_URL = "https://hooks.example.com/segment"

RESOLVER = static_resolver(
    {
        "hooks.example.com": [PUBLIC_ADDRESS],
        "plain.example.com": [PUBLIC_ADDRESS, "2606:2800:220:1:248:1893:25c8:1946"],
        "internal.example.com": ["10.20.30.40"],
        "metadata.example.com": ["169.254.169.254"],
        "mixed.example.com": [PUBLIC_ADDRESS, "192.168.0.10"],
        "sixes.example.com": ["::1"],
    }
)

SETTINGS: dict[str, Any] = {"url": HOOK_URL}


def runner(
    settings: dict[str, Any], transport: CapturingTransport | None = None, **options: Any
) -> DestinationRunner:
    """A webhook runner over ``transport`` with the static resolver; private targets are
    refused unless ``options`` say otherwise (whatever the environment says)."""
    spec: dict[str, Any] = {
        "transport": transport if transport is not None else CapturingTransport(),
        "resolver": RESOLVER,
        "allow_private_targets": False,
        "sleep": recording_sleep([]),
        **options,
    }
    return DestinationRunner(destination, settings, **spec)


def hmac_signature(body: bytes, secret: str = SECRET) -> str:
    """The expected ``X-Signature`` value, computed here independently of the destination."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def track(number: int, **overrides: Any) -> dict[str, Any]:
    """A deterministic track event numbered ``number`` (its own messageId)."""
    spec: dict[str, Any] = {"messageId": f"m-{number}", "properties": {"n": number}, **overrides}
    return make_track_event(f"Event {number}", **spec)


def identify(number: int) -> dict[str, Any]:
    """A deterministic identify event numbered ``number``."""
    return make_identify_event(messageId=f"m-{number}", traits={"n": number})
