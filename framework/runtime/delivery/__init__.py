"""The delivery runtime: events accepted by the ingress (Segment's Tracking API) are stored
in a durable queue, one work item per (event, route), and delivered by a pool of workers
with retries, leases and a dead-letter store.

- :mod:`~framework.runtime.delivery.config`: the TOML configuration file
- :mod:`~framework.runtime.delivery.queue`: the queue interfaces (``Queue``, ``AsyncQueue``) and
  their records; :mod:`~framework.runtime.delivery.sqlite_queue` the embedded implementation,
  :mod:`~framework.runtime.delivery.threaded_queue` its async face (one writer thread, group
  commit), :mod:`~framework.runtime.delivery.redis_queue` the shared one (``redis.asyncio``),
  :mod:`~framework.runtime.delivery.blocking_queue` a synchronous face of an async queue;
  :mod:`~framework.runtime.delivery.backends` picks one by URL
- :mod:`~framework.runtime.delivery.intake`: Segment's calls: write key, body, events
- :mod:`~framework.runtime.delivery.routes`: which routes (destination subscriptions) take an event
- :mod:`~framework.runtime.delivery.policy`: delivered, retry (back-off, ``Retry-After``) or dead
- :mod:`~framework.runtime.delivery.worker`: the worker pool (coroutines on the engine's loop)
- :mod:`~framework.runtime.delivery.metrics`, :mod:`~framework.runtime.delivery.logs`: observability
- :mod:`~framework.runtime.delivery.runtime`: all of it for one process
"""
