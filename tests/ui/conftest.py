"""Headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) against the
settings page; ``actions serve`` runs as a real process, Perkville is a recording mock on
loopback. Every test leaves a full-page screenshot in artifacts/screenshots/ and prints
its path; the paths are listed again at the end of the run.

A missing Chromium fails the tests (``make test`` installs it with
scripts/install-package.sh): they are never skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from destinations.perkville.sandbox import PerkvilleSandbox
from tests.local_server import LocalServer
from tests.ui.support import (
    SCREENSHOTS,
    TAKEN,
    TIMEOUT_MS,
    Served,
    actions_serve,
    serving_sandbox,
)

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags, Chromium's own connections (updates, sync,
# field trials) are refused many at a time on a machine without network, and slow it down.
# Playwright gives each launch a fresh temporary profile (user data dir).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole run."""
    if not CHROMIUM.exists():
        install = f"sh scripts/install-package.sh chromium {CHROMIUM}"
        pytest.fail(f"{CHROMIUM} is missing: run {install} (make test does)")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context and page; a screenshot when the test ends; JavaScript errors
    fail the test."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1100, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', request.node.name)}.png"
    tab.screenshot(path=path, full_page=True)
    TAKEN.append(path)
    print(f"screenshot: {path}")
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.fixture(scope="session")
def served(
    perkville_api: LocalServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """``actions serve --port 0 --endpoint perkville=<mock>`` as a real process."""
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with actions_serve(log, "--endpoint", f"perkville={perkville_api.url}") as served:
        yield served


@pytest.fixture
def sandboxed(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    """``sandboxed(sandbox, *options)``: ``sandbox`` started and ``actions serve OPTIONS``
    pointed at it (:func:`~tests.ui.support.serving_sandbox`), both stopped after the test's
    page is closed (ask for this fixture before ``page``)."""
    with ExitStack() as servers:

        def start(sandbox: PerkvilleSandbox, *options: str) -> Served:
            return servers.enter_context(serving_sandbox(tmp_path, sandbox, *options))

        yield start


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """List the screenshots taken, so they can be looked at after the run."""
    if TAKEN:
        terminalreporter.write_sep("-", "settings UI screenshots")
        for path in TAKEN:
            terminalreporter.write_line(str(path))
