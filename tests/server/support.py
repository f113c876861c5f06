"""The settings server in this process, on 127.0.0.1 and a free port, for the duration of a
``with`` block; the schemas of test destinations written where it reads them, and the
served schemas beside the committed files; and a stand-in for the delivery runtime behind
the ingress."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from framework import Destination
from framework.engine.loop import engine_loop
from framework.engine.operator import OperatorConfig
from framework.runtime.server import MAX_BODY, SettingsApi, SettingsServer
from framework.runtime.server.ingress import Ingress
from framework.tooling.schema_files import write_schemas

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "schemas"
METRICS_TEXT = "# TYPE actions_events_received_total counter\nactions_events_received_total 0\n"


@contextmanager
def running_server(
    destinations: Iterable[Destination],
    *,
    schemas_dir: Path = COMMITTED,
    endpoints: Mapping[str, str] | None = None,
    max_body: int = MAX_BODY,
    ingress: Ingress | None = None,
    ui: bool = True,
) -> Iterator[SettingsServer]:
    """Serve ``destinations`` (their committed schemas read from ``schemas_dir``)."""
    operator = OperatorConfig(dict(endpoints or {}))
    api = SettingsApi({d.slug: d for d in destinations}, schemas_dir, operator)
    server = SettingsServer("127.0.0.1", 0, api, max_body=max_body, ingress=ingress, ui=ui)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def described_schemas(described: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Relative path (as under schemas/) -> each schema of a destination's description
    (``GET /api/destinations/<slug>``): its settings', then its actions'."""
    folder = f"destinations/{described['slug']}"
    schemas = {f"{folder}/settings.schema.json": described["settings_schema"]}
    for action in described["actions"]:
        schemas[f"{folder}/actions/{action['slug']}.schema.json"] = action["schema"]
    return schemas


def committed_destination_schemas() -> dict[str, str]:
    """Relative path -> text of every destination's committed schema file."""
    return {
        path.relative_to(COMMITTED).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted((COMMITTED / "destinations").rglob("*.schema.json"))
    }


def schemas_of(destinations: Iterable[Destination], folder: Path) -> Path:
    """``folder`` after writing the destinations' schemas into it, as ``actions schemas``
    would commit them."""
    write_schemas(folder, destinations)
    return folder


@dataclass(frozen=True)
class Call:
    """One Tracking API call as the runtime received it."""

    call: str
    raw: bytes
    encoding: str | None
    authorization: str | None


@dataclass
class FakeRuntime:
    """Stands in for the delivery runtime: records each call, then raises ``refusal`` when
    there is one; with ``held``, each call waits until :meth:`release` (``entered`` is set
    once a call waits)."""

    refusal: Exception | None = None
    held: bool = False
    calls: list[Call] = field(default_factory=list, init=False)
    entered: threading.Event = field(default_factory=threading.Event, init=False)
    _released: asyncio.Event = field(default_factory=asyncio.Event, init=False)

    async def accept(
        self, call: str, raw: bytes, *, encoding: str | None, authorization: str | None
    ) -> int:
        self.calls.append(Call(call, raw, encoding, authorization))
        if self.held:
            self.entered.set()
            await self._released.wait()
        if self.refusal is not None:
            raise self.refusal
        return 1

    async def metrics_text(self) -> str:
        return METRICS_TEXT

    def release(self) -> None:
        """Let the held calls finish (from any thread)."""
        engine_loop().loop.call_soon_threadsafe(self._released.set)


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The ``error`` object of a JSON error response."""
    assert response.headers["Content-Type"] == "application/json"
    error: dict[str, Any] = response.json()["error"]
    return error
