"""The delivery runtime: events accepted by the ingress (Segment's Tracking API) are stored
in a durable queue, one work item per (event, route), and delivered by a pool of workers
with retries, leases and a dead-letter store.

- :mod:`~framework.delivery.config`: the TOML configuration file
- :mod:`~framework.delivery.queue`: the queue interfaces (``Queue``, ``AsyncQueue``) and
  their records; :mod:`~framework.delivery.sqlite_queue` the embedded implementation,
  :mod:`~framework.delivery.threaded_queue` its async face (one writer thread, group
  commit), :mod:`~framework.delivery.redis_queue` the shared one (``redis.asyncio``),
  :mod:`~framework.delivery.blocking_queue` a synchronous face of an async queue;
  :mod:`~framework.delivery.backends` picks one by URL
- :mod:`~framework.delivery.intake`: Segment's calls: write key, body, events
- :mod:`~framework.delivery.routes`: which routes (destination subscriptions) take an event
- :mod:`~framework.delivery.policy`: delivered, retry (back-off, ``Retry-After``) or dead
- :mod:`~framework.delivery.worker`: the worker pool (coroutines on the engine's loop)
- :mod:`~framework.delivery.metrics`, :mod:`~framework.delivery.logs`: observability
- :mod:`~framework.delivery.runtime`: all of it for one process
"""
