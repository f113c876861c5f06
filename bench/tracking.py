"""What the benchmarks send to the ingress: Tracking API bodies (``POST /v1/batch`` of
Order Completed events, batched as Segment's libraries send them) and an aiohttp client that
posts them with a fixed number of calls in flight, each on a connection of its own (kept
alive for the next call), and counts the outcomes.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import errno
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import aiohttp

WRITE_KEY = "bench-write-key"
BATCH = 100  # events per call
CALL_SECONDS = 60.0  # a call unanswered after this counts as a time-out
HEADERS = {
    "Authorization": "Basic " + base64.b64encode(f"{WRITE_KEY}:".encode()).decode(),
    "Content-Type": "application/json",
}
_RESET = (errno.ECONNRESET, errno.EPIPE)


def batches(events: int, size: int = BATCH, *, prefix: str = "bench") -> list[bytes]:
    """``events`` distinct Order Completed events (message ids ``{prefix}-{n}``), as
    /v1/batch bodies of ``size`` events."""
    found = [
        {
            "type": "track",
            "event": "Order Completed",
            "userId": f"user-{n % 500}",
            "messageId": f"{prefix}-{n}",
            "properties": {"order_id": f"order-{n}", "revenue": 1, "email": f"u{n % 500}@ex.com"},
            "timestamp": "2026-11-20T09:00:00Z",
        }
        for n in range(events)
    ]
    return [
        json.dumps({"batch": found[start : start + size]}).encode()
        for start in range(0, events, size)
    ]


@dataclass(frozen=True)
class Calls:
    """How the calls went: outcome -> count (an HTTP status such as ``"200"``, or
    ``refused``, ``reset``, ``timeout``, ``error``), the slowest call's seconds, and the
    seconds from the first call to the last answer."""

    outcomes: Counter[str]
    slowest: float
    seconds: float

    def refusals(self) -> str:
        """The outcomes other than 200, e.g. ``503 x2, reset x5`` (empty: none)."""
        return ", ".join(
            f"{name} x{n}" for name, n in sorted(self.outcomes.items()) if name != "200"
        )


@contextlib.asynccontextmanager
async def client(in_flight: int) -> AsyncIterator[aiohttp.ClientSession]:
    """A session keeping up to ``in_flight`` connections (a call unanswered after
    ``CALL_SECONDS`` times out)."""
    connector = aiohttp.TCPConnector(limit=in_flight)
    timeout = aiohttp.ClientTimeout(total=CALL_SECONDS)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        yield session


async def post_all(
    session: aiohttp.ClientSession, url: str, bodies: list[bytes], in_flight: int
) -> Calls:
    """Post every body to ``url`` with ``in_flight`` calls under way at once (all at once
    when it is ``len(bodies)``: as many simultaneous connections), reusing the session's
    open connections."""
    outcomes: Counter[str] = Counter()
    slowest = 0.0
    left: Iterator[bytes] = iter(bodies)

    async def caller() -> None:
        nonlocal slowest
        for body in left:
            started = time.perf_counter()
            outcomes[await _post(session, url, body)] += 1
            slowest = max(slowest, time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(in_flight)))
    return Calls(outcomes, slowest, time.perf_counter() - started)


async def _post(session: aiohttp.ClientSession, url: str, body: bytes) -> str:
    """One call's outcome."""
    try:
        async with session.post(url, data=body, headers=HEADERS) as reply:
            await reply.read()
            return str(reply.status)
    except TimeoutError:
        return "timeout"
    except aiohttp.ClientConnectorError:  # the connection was never established
        return "refused"
    except (aiohttp.ServerDisconnectedError, ConnectionResetError):
        return "reset"
    except aiohttp.ClientOSError as error:
        return "reset" if error.errno in _RESET else "error"
    except aiohttp.ClientError:
        return "error"
