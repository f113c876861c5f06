"""Perkville sandboxes on loopback, stopped after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from destinations.perkville.sandbox import Faults, PerkvilleSandbox
from tests.sandbox.support import SETTINGS
from tests.waiting import HANG_GUARD

MakeSandbox = Callable[..., PerkvilleSandbox]


@pytest.fixture
def make_sandbox() -> Iterator[MakeSandbox]:
    """Start a sandbox with the example settings and ``Faults(**options)``."""
    started: list[PerkvilleSandbox] = []

    def make(**options: Any) -> PerkvilleSandbox:
        sandbox = PerkvilleSandbox(SETTINGS, faults=Faults(**options))
        sandbox.start()
        started.append(sandbox)
        return sandbox

    yield make
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def sandbox(make_sandbox: MakeSandbox) -> PerkvilleSandbox:
    """A sandbox without faults."""
    return make_sandbox()


@pytest.fixture
def client(sandbox: PerkvilleSandbox) -> Iterator[httpx.Client]:
    """An HTTP client for the fault-free sandbox."""
    with httpx.Client(base_url=sandbox.url, timeout=HANG_GUARD) as http:
        yield http
