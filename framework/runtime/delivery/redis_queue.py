"""The distributed queue: a Redis stream read through one consumer group, for ingress and
workers on several machines (``redis://[:password@]host:port/db``, ``rediss://`` for TLS).

Keys (``actions:`` prefix), all in the URL's database:

- ``actions:stream``: one entry per work item (source, route, message_id, event,
  ``attempts`` made before this entry, ``enqueued_at``). Workers read it through the
  consumer group ``workers`` (``XREADGROUP``); an entry read is *pending* on its reader
  until it is acknowledged (``XACK``) and deleted (``XDEL``) with its outcome recorded.
  An entry pending longer than the lease (its worker died or hangs) is taken over by
  another worker (``XAUTOCLAIM``); its attempts are the earlier ones plus the group's
  delivery count.
- ``actions:retries``: a sorted set of scheduled retries, scored by when they are due;
  claiming moves the due ones back into the stream.
- ``actions:seen``: messageIds (per source) scored by arrival, for de-duplication.
- ``actions:dead`` (id -> JSON), ``actions:dead:by-time`` (ids by failure time) and
  ``actions:dead:next``: the dead-letter store. Dead letters live in Redis, not in a
  local SQLite file: workers on every machine write to the one store, and ``actions dlq``
  on any machine sees and replays all of them.

Every operation that changes more than one key is one Lua script, so a crash (of Redis
or of a worker) never leaves half an operation behind, and a claim or a completion of many
items is one round trip. A completion from a worker whose lease ran out (the entry was
taken over since) changes nothing, except a delivery, which is acknowledged either way
(the destination de-duplicates by messageId). A released entry is added again at the end
of the stream with the attempts made before its claim, and acknowledged.

The queue is asynchronous (``redis.asyncio``), bound to the event loop it was opened on;
:class:`framework.runtime.delivery.blocking_queue.BlockingQueue` serves synchronous callers.

**Durability.** :meth:`RedisQueue.enqueue` returns (and the ingress answers 200) once
Redis has executed the write. What survives depends on Redis's persistence: with
``appendonly yes`` and ``appendfsync always`` an acknowledged event is on disk and
survives Redis and machine crashes; with ``appendfsync everysec`` (Redis's default for
AOF) it survives a crash of the Redis process, but a machine crash can lose the last
second; without AOF, a restart loses what was queued. Redis must not evict keys
(``maxmemory-policy noeviction``: a full Redis refuses writes, and the ingress answers
503). Opening the queue logs a warning when ``appendonly`` is off or keys may be evicted.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import redis
import redis.asyncio
from redis.asyncio.retry import Retry as ConnectionRetry
from redis.backoff import ExponentialBackoff

from framework.runtime.delivery.config import ConfigError
from framework.runtime.delivery.logs import log
from framework.runtime.delivery.queue import (
    DeadLetter,
    DeadLetterFilter,
    Delivered,
    Message,
    Outcome,
    QueueUnavailable,
    Retry,
    State,
    WorkItem,
)

GROUP = "workers"
PROMOTE_LIMIT = 1000  # due retries moved back into the stream per claim, at most

# KEYS: seen, stream. ARGV: per message source, message_id, event, received_at, n, n routes.
_ENQUEUE = """
local i, new = 1, 0
while i <= #ARGV do
  local source, id, event, at, n = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3],
    tonumber(ARGV[i + 4])
  if redis.call('ZADD', KEYS[1], 'NX', at, #source .. ':' .. source .. id) == 1 then
    new = new + 1
    for r = 1, n do
      redis.call('XADD', KEYS[2], '*', 'source', source, 'route', ARGV[i + 4 + r],
        'message_id', id, 'event', event, 'attempts', '0', 'enqueued_at', at)
    end
  end
  i = i + 5 + n
end
return new
"""

# KEYS: stream, retries. ARGV: group, consumer, now, limit, lease in ms, promote limit.
# Returns {entry id, fields, delivery count} for each claimed entry.
_CLAIM = """
local stream, group, consumer, limit = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[4])
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[3],
    'LIMIT', 0, tonumber(ARGV[6]))) do
  redis.call('XADD', stream, '*', unpack(cjson.decode(member).fields))
  redis.call('ZREM', KEYS[2], member)
end
local claimed = {}
local taken = redis.call('XAUTOCLAIM', stream, group, consumer, ARGV[5], '0-0',
  'COUNT', limit)[2]
for _, entry in ipairs(taken) do
  local pending = redis.call('XPENDING', stream, group, entry[1], entry[1], 1)[1]
  claimed[#claimed + 1] = {entry[1], entry[2], pending[4]}
end
if #claimed < limit then
  local read = redis.call('XREADGROUP', 'GROUP', group, consumer,
    'COUNT', limit - #claimed, 'STREAMS', stream, '>')
  if read then
    for _, entry in ipairs(read[1][2]) do claimed[#claimed + 1] = {entry[1], entry[2], 1} end
  end
end
return claimed
"""

# KEYS: stream, retries, dead, dead by time, dead next id. ARGV: group, consumer, now,
# outcomes as JSON [{kind (delivered, retry, dead, release), id, attempts, at, code,
# message, reason}].
_COMPLETE = """
local stream, group, consumer, now = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
for _, o in ipairs(cjson.decode(ARGV[4])) do
  local current = false
  local entry = o.kind ~= 'delivered' and redis.call('XRANGE', stream, o.id, o.id)[1]
  if entry then
    local pending = redis.call('XPENDING', stream, group, o.id, o.id, 1)[1]
    local flat, fields, attempts_at = entry[2], {}, 0
    for f = 1, #flat, 2 do
      fields[flat[f]] = flat[f + 1]
      if flat[f] == 'attempts' then attempts_at = f + 1 end
    end
    current = pending and pending[2] == consumer
      and pending[4] + tonumber(fields.attempts) == o.attempts
    if current and o.kind == 'retry' then
      flat[attempts_at] = tostring(o.attempts)
      redis.call('ZADD', KEYS[2], o.at, cjson.encode({entry = o.id, fields = flat}))
    elseif current and o.kind == 'release' then
      flat[attempts_at] = tostring(o.attempts - 1)
      redis.call('XADD', stream, '*', unpack(flat))
    elseif current then
      local id = redis.call('INCR', KEYS[5])
      fields.attempts = o.attempts
      fields.code, fields.message, fields.reason = o.code, o.message, o.reason
      fields.failed_at = now
      redis.call('HSET', KEYS[3], id, cjson.encode(fields))
      redis.call('ZADD', KEYS[4], now, id)
    end
  end
  if o.kind == 'delivered' or current then
    redis.call('XACK', stream, group, o.id)
    redis.call('XDEL', stream, o.id)
  end
end
return 0
"""

# KEYS: stream, dead, dead by time. ARGV: now, then dead-letter ids.
_REPLAY = """
local count = 0
for i = 2, #ARGV do
  local letter = redis.call('HGET', KEYS[2], ARGV[i])
  if letter then
    local d = cjson.decode(letter)
    redis.call('XADD', KEYS[1], '*', 'source', d.source, 'route', d.route,
      'message_id', d.message_id, 'event', d.event, 'attempts', '0', 'enqueued_at', ARGV[1])
    redis.call('HDEL', KEYS[2], ARGV[i])
    redis.call('ZREM', KEYS[3], ARGV[i])
    count = count + 1
  end
end
return count
"""

_Result = TypeVar("_Result")


class RedisQueue:
    """:class:`framework.runtime.delivery.queue.AsyncQueue` in one Redis database (the stream, its
    consumer group and the other keys are created when missing). Made by :meth:`open`."""

    def __init__(self, url: str, *, prefix: str = "actions") -> None:
        self._where = _address(url)
        self._redis = redis.asyncio.Redis.from_url(
            url,
            decode_responses=True,
            socket_connect_timeout=2.0,
            socket_timeout=10.0,
            retry=ConnectionRetry(ExponentialBackoff(cap=1.0, base=0.05), 3),
        )
        self._stream = f"{prefix}:stream"
        self._retries = f"{prefix}:retries"
        self._seen = f"{prefix}:seen"
        self._dead = f"{prefix}:dead"
        self._dead_by_time = f"{prefix}:dead:by-time"
        self._dead_next = f"{prefix}:dead:next"
        self.consumer = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._enqueue = self._redis.register_script(_ENQUEUE)
        self._claim = self._redis.register_script(_CLAIM)
        self._complete = self._redis.register_script(_COMPLETE)
        self._replay = self._redis.register_script(_REPLAY)

    @classmethod
    async def open(cls, url: str, *, prefix: str = "actions") -> RedisQueue:
        """The queue at ``url``, its consumer group made and Redis's persistence checked:
        :class:`ConfigError` for a malformed URL, :class:`QueueUnavailable` when Redis
        cannot be reached or refuses."""
        queue = cls(url, prefix=prefix)
        try:
            await queue._call(queue._create_group)
            await queue._call(queue._check_persistence)
        except BaseException:
            await queue._redis.aclose()
            raise
        return queue

    async def enqueue(self, messages: Sequence[Message]) -> int:
        """See :meth:`Queue.enqueue`. One script: a retry after a lost answer adds nothing
        (the messageIds are seen by then)."""
        argv: list[str] = []
        for m in messages:
            argv += [m.source, m.message_id, m.event, repr(m.received_at), str(len(m.routes))]
            argv += m.routes
        if not argv:
            return 0
        keys = [self._seen, self._stream]
        return int(await self._call(lambda: self._enqueue(keys=keys, args=argv)))

    async def claim(self, limit: int, lease: float, now: float) -> list[WorkItem]:
        """See :meth:`Queue.claim`: one script call. Entries pending for longer than
        ``lease`` (measured by Redis's clock) are taken over; retries due by ``now`` (the
        caller's clock) are moved back into the stream first."""
        keys = [self._stream, self._retries]
        lease_ms = int(lease * 1000)
        args: list[str | int] = [GROUP, self.consumer, repr(now), limit, lease_ms, PROMOTE_LIMIT]
        rows = await self._call(lambda: self._claim(keys=keys, args=args), group_needed=True)
        return [_item(entry_id, fields, int(count)) for entry_id, fields, count in rows]

    async def complete(self, outcomes: Sequence[Outcome], now: float) -> None:
        """See :meth:`Queue.complete`: one script call."""
        await self._settle([_outcome(o) for o in outcomes], now)

    async def release(self, items: Sequence[WorkItem], now: float) -> None:
        """See :meth:`Queue.release`: one script call."""
        released = [{"kind": "release", "id": i.id, "attempts": i.attempts} for i in items]
        await self._settle(released, now)

    async def depth(self) -> dict[State, int]:
        """See :meth:`Queue.depth`: the stream holds the queued and the in-flight entries."""

        async def read() -> list[Any]:
            pipe = self._redis.pipeline()
            pipe.xlen(self._stream)
            pipe.xpending(self._stream, GROUP)
            pipe.zcard(self._retries)
            return await pipe.execute()

        length, pending, retries = await self._call(read, group_needed=True)
        in_flight = int(pending["pending"])
        return {
            "queued": max(0, int(length) - in_flight),
            "in_flight": in_flight,
            "retry_scheduled": int(retries),
        }

    async def forget(self, before: float) -> int:
        """See :meth:`Queue.forget`."""
        removed = await self._call(lambda: self._redis.zremrangebyscore(self._seen, "-inf", before))
        return int(removed)

    async def dead_letters(
        self, which: DeadLetterFilter, limit: int | None = None
    ) -> list[DeadLetter]:
        """See :meth:`Queue.dead_letters`."""
        low = "-inf" if which.since is None else repr(which.since)
        high = "+inf" if which.until is None else f"({which.until!r}"

        async def read() -> list[DeadLetter]:
            ids = cast(list[str], await self._redis.zrangebyscore(self._dead_by_time, low, high))
            texts = cast(list[str | None], await self._redis.hmget(self._dead, ids) if ids else [])
            return [_letter(int(i), text) for i, text in zip(ids, texts, strict=True) if text]

        letters = sorted(await self._call(read), key=lambda d: (d.failed_at, d.id))
        chosen = [
            d
            for d in letters
            if (which.code is None or d.code == which.code)
            and (which.route_prefix is None or d.route.startswith(which.route_prefix))
        ]
        return chosen if limit is None else chosen[:limit]

    async def dead_letter(self, letter_id: int) -> DeadLetter | None:
        """See :meth:`Queue.dead_letter`."""
        text = await self._call(lambda: self._redis.hget(self._dead, str(letter_id)))
        return _letter(letter_id, cast(str, text)) if text else None

    async def replay(self, which: DeadLetterFilter, now: float) -> int:
        """See :meth:`Queue.replay`. A letter replayed by someone else meanwhile is not
        queued twice."""
        ids = [str(letter.id) for letter in await self.dead_letters(which)]
        if not ids:
            return 0
        keys = [self._stream, self._dead, self._dead_by_time]
        return int(await self._call(lambda: self._replay(keys=keys, args=[repr(now), *ids])))

    async def close(self) -> None:
        """See :meth:`Queue.close`: also leaves the consumer group when nothing is pending
        on this consumer (what is pending stays, for another worker to take over)."""
        try:
            mine = await self._redis.xpending_range(
                self._stream, GROUP, "-", "+", 1, consumername=self.consumer
            )
            if not mine:
                await self._redis.xgroup_delconsumer(self._stream, GROUP, self.consumer)
        except redis.RedisError:
            pass  # unreachable: the consumer's name stays listed, harmlessly
        await self._redis.aclose()

    async def _settle(self, outcomes: list[dict[str, Any]], now: float) -> None:
        """Record outcomes (and releases) with one call of the completion script."""
        if not outcomes:
            return
        keys = [self._stream, self._retries, self._dead, self._dead_by_time, self._dead_next]
        args = [GROUP, self.consumer, repr(now), json.dumps(outcomes, allow_nan=False)]
        await self._call(lambda: self._complete(keys=keys, args=args), group_needed=True)

    async def _create_group(self) -> None:
        try:
            await self._redis.xgroup_create(self._stream, GROUP, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):  # BUSYGROUP: it exists already
                raise

    async def _check_persistence(self) -> None:
        """Warn when the server may lose queued events: no AOF, or keys evicted under
        memory pressure."""
        try:
            config = await self._redis.config_get("appendonly") | await self._redis.config_get(
                "maxmemory-policy"
            )
        except redis.ResponseError:  # CONFIG is disabled (managed Redis): cannot tell
            return
        if config.get("appendonly") != "yes":
            log(
                logging.WARNING,
                "Redis runs without appendonly: queued events are lost if it restarts",
                queue=self._where,
            )
        if config.get("maxmemory-policy", "noeviction") != "noeviction":
            log(
                logging.WARNING,
                "Redis may evict keys when memory is full: set maxmemory-policy noeviction",
                queue=self._where,
                policy=config.get("maxmemory-policy"),
            )

    async def _call(
        self, operation: Callable[[], Awaitable[_Result]], *, group_needed: bool = False
    ) -> _Result:
        """``operation``; Redis being unreachable becomes :class:`QueueUnavailable`. A
        consumer group lost with a Redis that restarted without persistence is made again."""
        try:
            try:
                return await operation()
            except redis.ResponseError as error:
                if not (group_needed and str(error).startswith("NOGROUP")):
                    raise
                await self._create_group()
                return await operation()
        except redis.RedisError as error:
            raise QueueUnavailable(
                f"the Redis queue at {self._where} failed: {_describe(error)}"
            ) from None


def _describe(error: redis.RedisError) -> str:
    """The error's type (redis-py names the common replies: ``OutOfMemoryError``,
    ``ReadOnlyError``, ``AuthenticationError``, ...), and for another error reply its code:
    enough to act on, never a value."""
    code = str(error).split(maxsplit=1)[0] if str(error) else ""
    if isinstance(error, redis.ResponseError) and code.isupper():
        return f"{type(error).__name__} ({code})"
    return type(error).__name__


def _item(entry_id: str, flat: list[str], deliveries: int) -> WorkItem:
    fields = dict(zip(flat[::2], flat[1::2], strict=True))
    return WorkItem(
        id=entry_id,
        source=fields["source"],
        route=fields["route"],
        message_id=fields["message_id"],
        event=fields["event"],
        attempts=int(fields["attempts"]) + deliveries,
        enqueued_at=float(fields["enqueued_at"]),
    )


def _outcome(done: Outcome) -> dict[str, Any]:
    item = done.item
    encoded: dict[str, Any] = {"id": item.id, "attempts": item.attempts}
    if isinstance(done, Delivered):
        return {**encoded, "kind": "delivered"}
    if isinstance(done, Retry):
        return {**encoded, "kind": "retry", "at": repr(done.at)}
    return {
        **encoded,
        "kind": "dead",
        "code": done.code,
        "message": done.message,
        "reason": done.reason,
    }


def _letter(letter_id: int, text: str) -> DeadLetter:
    d = json.loads(text)
    return DeadLetter(
        id=letter_id,
        source=d["source"],
        route=d["route"],
        message_id=d["message_id"],
        event=d["event"],
        code=d["code"],
        message=d["message"],
        reason=d["reason"],
        attempts=int(d["attempts"]),
        enqueued_at=float(d["enqueued_at"]),
        failed_at=float(d["failed_at"]),
    )


def _address(url: str) -> str:
    """``host:port/db`` of ``url`` (never its password); :class:`ConfigError` naming the
    part that is wrong when the port or database is not a number in range."""
    parts = urlsplit(url)
    try:
        port = parts.port or 6379
    except ValueError:
        raise ConfigError("queue: the Redis URL's port must be a number from 1 to 65535") from None
    db = parts.path.removeprefix("/") or "0"
    if not db.isdigit():
        raise ConfigError(f"queue: the Redis URL's database must be a number, not {db!r}")
    return f"{parts.hostname or 'localhost'}:{port}/{db}"
