"""Headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) against the
settings page; ``actions serve`` runs as a real process, Perkville is a recording mock on
loopback. Every test leaves a full-page screenshot in artifacts/screenshots/ and prints
its path; the paths are listed again at the end of the run.

A missing Chromium fails the tests (``make test`` installs it with
scripts/install-package.sh): they are never skipped.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.local_server import LocalServer
from tests.ui.support import Served

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
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
TIMEOUT_MS = 60_000  # a hang guard for each wait on the page: Chromium is slow on a busy machine
_TAKEN: list[Path] = []


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
    _TAKEN.append(path)
    print(f"screenshot: {path}")
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.fixture(scope="session")
def served(
    perkville_api: LocalServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """``actions serve --port 0 --endpoint perkville=<mock>`` as a real process."""
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    command = [sys.executable, "-m", "framework.tooling.cli", "serve", "--port", "0"]
    command += ["--endpoint", f"perkville={perkville_api.url}"]
    with log.open("w") as errors:
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=errors, text=True
        )
        assert process.stdout is not None
        found = re.search(r"http://\S+", process.stdout.readline())
        if found is None:
            process.kill()
            process.wait()
            pytest.fail(f"actions serve did not start:\n{log.read_text()}")
        yield Served(found.group(0), log)
        process.send_signal(signal.SIGINT)
        process.wait(timeout=TIMEOUT_MS / 1000)
        process.stdout.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """List the screenshots taken, so they can be looked at after the run."""
    if _TAKEN:
        terminalreporter.write_sep("-", "settings UI screenshots")
        for path in _TAKEN:
            terminalreporter.write_line(str(path))
