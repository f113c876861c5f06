"""1,000 simultaneous client connections to the ingress, each posting a small batch: every
one is answered 200 (none refused or reset), and every event is stored."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from destinations.perkville import destination as perkville
from destinations.perkville.sandbox import PerkvilleSandbox
from framework.engine.loop import new_event_loop
from tests.delivery.conftest import MakeRuntime
from tests.delivery.support import basic, order, serving

CONNECTIONS = 1000
EVENTS_PER_BATCH = 2


async def post_at_once(url: str) -> list[int | str]:
    """Open every connection before any request is sent, then post on all of them; each
    answer's status, or the name of the error a connection met."""
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    opened = asyncio.Event()
    ready = 0

    async def one(n: int, session: aiohttp.ClientSession) -> int | str:
        nonlocal ready
        events = [order(n * EVENTS_PER_BATCH + k) for k in range(EVENTS_PER_BATCH)]
        ready += 1
        if ready == CONNECTIONS:
            opened.set()
        await opened.wait()
        try:
            async with session.post(
                f"{url}v1/batch",
                data=json.dumps({"batch": events}),
                headers={"Authorization": basic()},
            ) as answer:
                await answer.read()
                return answer.status
        except aiohttp.ClientError as error:
            return type(error).__name__

    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=300)
    ) as session:
        return await asyncio.gather(*(one(n, session) for n in range(CONNECTIONS)))


def test_a_thousand_simultaneous_connections_are_all_answered_and_stored(
    sandbox: PerkvilleSandbox, make_runtime: MakeRuntime
) -> None:
    runtime = make_runtime(sandbox.url, pool=False)
    with serving(runtime, {"perkville": perkville}) as url:
        loop = new_event_loop()  # the client's own loop, not the server's
        try:
            answers = loop.run_until_complete(post_at_once(url))
        finally:
            loop.close()
    assert answers.count(200) == CONNECTIONS, {a for a in answers if a != 200}
    assert runtime.queue.depth()["queued"] == CONNECTIONS * EVENTS_PER_BATCH
