"""What the browser tests share besides fixtures: ``actions serve`` as a real process, and
the Perkville sandbox it can be pointed at (its API, and its OAuth server for Connect)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, Response

from destinations.perkville.sandbox import PerkvilleSandbox
from framework.engine.operator import (
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    OAUTH_ENDPOINT,
    TOKEN_STORE,
    endpoint_variable,
)

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
TAKEN: list[Path] = []  # every screenshot of the run, listed at its end
TIMEOUT_MS = 60_000  # a hang guard for each wait on the page: Chromium is slow on a busy machine


@dataclass(frozen=True)
class Served:
    """A running ``actions serve``: its page's URL and the file its log goes to."""

    url: str
    log: Path


@contextmanager
def actions_serve(
    log: Path, *options: str, environment: Mapping[str, str] | None = None
) -> Iterator[Served]:
    """``actions serve --port 0 OPTIONS`` as a real process (with ``environment`` added to
    this one's), until the block ends; its standard error goes to ``log``."""
    command = [sys.executable, "-m", "framework.tooling.cli", "serve", "--port", "0", *options]
    env = {**os.environ, **(environment or {})}
    with log.open("w") as errors:
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=errors, text=True, env=env
        )
        assert process.stdout is not None
        found = re.search(r"http://\S+", process.stdout.readline())
        if found is None:
            process.kill()
            process.wait()
            pytest.fail(f"actions serve did not start:\n{log.read_text()}")
        try:
            yield Served(found.group(0), log)
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=TIMEOUT_MS / 1000)
            process.stdout.close()


def sandbox_environment(sandbox: PerkvilleSandbox, token_store: Path) -> dict[str, str]:
    """The operator's variables that send Perkville's requests, API and OAuth alike, to
    ``sandbox`` as its OAuth client, with the token store in ``token_store``."""
    slug = "perkville"
    return {
        endpoint_variable(slug): sandbox.url,
        endpoint_variable(slug, OAUTH_ENDPOINT): sandbox.url,
        endpoint_variable(slug, OAUTH_CLIENT_ID): sandbox.oauth.client_id,
        endpoint_variable(slug, OAUTH_CLIENT_SECRET): sandbox.oauth.client_secret,
        TOKEN_STORE: str(token_store),
    }


@contextmanager
def serving_sandbox(folder: Path, sandbox: PerkvilleSandbox, *options: str) -> Iterator[Served]:
    """``sandbox`` running, and ``actions serve OPTIONS`` pointed at it (API and OAuth, the
    token store ``folder/tokens.db``), until the block ends."""
    with sandbox:
        environment = sandbox_environment(sandbox, folder / "tokens.db")
        with actions_serve(folder / "serve.log", *options, environment=environment) as served:
            yield served


def status(page: Page) -> Locator:
    """The settings check's summary under the form."""
    return page.locator("#settings-status")


def page_text_and_values(page: Page) -> str:
    """Everything the page holds in its DOM: the markup and every control's value."""
    text: str = page.evaluate(
        """() => document.documentElement.outerHTML + [...document.querySelectorAll(
               "input, textarea, select")].map((control) => control.value).join("\\n")"""
    )
    return text


def screenshot(target: Locator, name: str) -> Path:
    """A screenshot of ``target`` as ``SCREENSHOTS/name`` (the docs show some)."""
    path = SCREENSHOTS / name
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target.screenshot(path=path)
    TAKEN.append(path)
    return path


def keep_windows_open(context: BrowserContext) -> None:
    """Make ``window.close()`` in every window of ``context`` only note that it was asked
    (``window.closeAsked``): a window that closes itself as soon as it loads (the OAuth
    callback's) would otherwise race the reading of its response."""
    context.add_init_script("window.close = () => { window.closeAsked = true; };")


class Responses:
    """Every response the browser receives in ``context`` (every window), as text: URL,
    headers and body (a redirect has none)."""

    def __init__(self, context: BrowserContext) -> None:
        self.seen: list[tuple[str, str]] = []
        context.on("response", self._record)

    def _record(self, response: Response) -> None:
        body = "" if 300 <= response.status < 400 else response.text()
        self.seen.append((response.url, f"{response.url}\n{response.headers}\n{body}"))

    def bodies(self, path: str) -> list[str]:
        """The text of each response to a request of ``path`` (a prefix)."""
        return [
            text.split("\n", 2)[2] for url, text in self.seen if urlsplit(url).path.startswith(path)
        ]

    def containing(self, secret: str) -> list[str]:
        """The URLs of the responses that show ``secret`` anywhere."""
        return [url for url, text in self.seen if secret in text]
