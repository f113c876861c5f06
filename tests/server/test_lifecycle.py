"""The settings server under load and at stop: a thousand clients connecting at once are
all answered, and a request under way when the server stops still gets its answer while new
connections are refused."""

from __future__ import annotations

import asyncio
import resource
import socket
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import aiohttp
import httpx

from destinations.perkville import destination as perkville
from framework.runtime.server.ingress import Ingress
from tests.server.support import FakeRuntime, running_server
from tests.waiting import HANG_GUARD, wait_for

CLIENTS = 1000


def test_a_thousand_simultaneous_connections_are_all_answered() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = 4 * CLIENTS  # both ends of each connection are in this process
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))
    try:
        with running_server([perkville], ingress=Ingress(FakeRuntime())) as server:
            statuses = asyncio.run(_get_all(f"{server.url}metrics"))
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert statuses == [200] * CLIENTS


async def _get_all(url: str) -> list[int | str]:
    """GET ``url`` once on each of CLIENTS connections opened at once; each status (or the
    error's type)."""
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def get() -> int | str:
            try:
                async with session.get(url) as response:
                    await response.read()
                    return response.status
            except aiohttp.ClientError as error:
                return type(error).__name__

        return await asyncio.gather(*(get() for _ in range(CLIENTS)))


def test_a_request_under_way_at_stop_is_answered() -> None:
    runtime = FakeRuntime(held=True)
    with (
        running_server([perkville], ingress=Ingress(runtime)) as server,
        ThreadPoolExecutor(2) as threads,
    ):
        answer = threads.submit(
            httpx.post, f"{server.url}v1/track", content=b"{}", timeout=HANG_GUARD
        )
        assert runtime.entered.wait(HANG_GUARD), "the call never reached the runtime"
        stopping = threads.submit(server.stop)
        wait_for(lambda: _refuses_connections(server.url), what="the port to refuse connections")
        runtime.release()
        response = answer.result()
        stopping.result()
    assert (response.status_code, response.json()) == (200, {"success": True})
    assert len(runtime.calls) == 1


def _refuses_connections(url: str) -> bool:
    """Whether ``url``'s port refuses a new connection."""
    address = urlsplit(url)
    try:
        socket.create_connection((address.hostname, address.port), timeout=HANG_GUARD).close()
    except ConnectionRefusedError:
        return True
    return False
