"""Prometheus metrics in the text exposition format (version 0.0.4), without a client
library: counters and a histogram kept in memory by this process, and gauges read when
scraped.

The runtime's metrics (see :class:`RuntimeMetrics`)::

    actions_events_received_total{source}          events accepted by the ingress
    actions_events_rejected_total{code}             requests refused by the ingress
    actions_events_dropped_total{source,reason}     invalid events left out of a batch
    actions_events_unrouted_total{source,type}      valid events no route takes (not queued)
    actions_events_delivered_total{route}           work items delivered
    actions_events_skipped_total{route}             work items with nothing to send
    actions_events_failed_total{code,reason}        work items dead-lettered
    actions_retries_total{code}                     attempts that failed and were retried
    actions_queue_depth{state}                      work items queued, in flight, scheduled
    actions_delivery_latency_seconds                receivedAt to delivered (histogram)
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable, Mapping, Sequence

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(names: Sequence[str], values: Sequence[str], extra: str = "") -> str:
    pairs = [f'{name}="{_escape(value)}"' for name, value in zip(names, values, strict=True)]
    if extra:
        pairs.append(extra)
    return "{" + ",".join(pairs) + "}" if pairs else ""


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


class Counter:
    """A monotonically increasing count per combination of label values."""

    def __init__(self, name: str, help_text: str, labels: Sequence[str] = ()) -> None:
        self.name, self.help, self.labels = name, help_text, tuple(labels)
        self._values: dict[tuple[str, ...], float] = {}
        self._lock = threading.Lock()

    def inc(self, *values: str, amount: float = 1.0) -> None:
        """Add ``amount`` to the count of these label values."""
        with self._lock:
            self._values[values] = self._values.get(values, 0.0) + amount

    def value(self, *values: str) -> float:
        """The current count of these label values."""
        with self._lock:
            return self._values.get(values, 0.0)

    def render(self) -> list[str]:
        """The exposition lines."""
        with self._lock:
            items = sorted(self._values.items())
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        lines += [f"{self.name}{_labels(self.labels, k)} {_number(v)}" for k, v in items]
        return lines


class Histogram:
    """Observations counted into cumulative buckets, with their sum and count."""

    def __init__(self, name: str, help_text: str, buckets: Sequence[float]) -> None:
        self.name, self.help, self.buckets = name, help_text, tuple(buckets)
        self._counts = [0] * (len(self.buckets) + 1)
        self._sum = 0.0
        self._lock = threading.Lock()

    def observe(self, value: float) -> None:
        """Count one observation."""
        with self._lock:
            self._counts[bisect.bisect_left(self.buckets, value)] += 1
            self._sum += value

    def render(self) -> list[str]:
        """The exposition lines (``_bucket`` cumulative, ``+Inf`` last, ``_sum``, ``_count``)."""
        with self._lock:
            counts, total = list(self._counts), self._sum
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        running = 0
        for bound, count in zip((*self.buckets, float("inf")), counts, strict=True):
            running += count
            shown = "+Inf" if bound == float("inf") else _number(bound)
            lines.append(f'{self.name}_bucket{{le="{shown}"}} {running}')
        lines += [f"{self.name}_sum {_number(total)}", f"{self.name}_count {running}"]
        return lines


class Gauge:
    """Values read when scraped: ``read()`` returns label value -> number."""

    def __init__(
        self, name: str, help_text: str, label: str, read: Callable[[], Mapping[str, float]]
    ) -> None:
        self.name, self.help, self.label, self._read = name, help_text, label, read

    def render(self) -> list[str]:
        """The exposition lines."""
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} gauge"]
        for value, number in sorted(self._read().items()):
            lines.append(f'{self.name}{{{self.label}="{_escape(value)}"}} {_number(number)}')
        return lines


class RuntimeMetrics:
    """The runtime's metrics (one set per process); ``gauges`` are added by whoever can
    read them (the queue depth)."""

    def __init__(self) -> None:
        self.received = Counter(
            "actions_events_received_total", "Events accepted by the ingress.", ["source"]
        )
        self.rejected = Counter(
            "actions_events_rejected_total", "Ingress requests refused, by code.", ["code"]
        )
        self.dropped = Counter(
            "actions_events_dropped_total",
            "Invalid events the ingress left out of an accepted batch, by source and reason.",
            ["source", "reason"],
        )
        self.unrouted = Counter(
            "actions_events_unrouted_total",
            "Events the ingress accepted that no route takes (not queued), by source and type.",
            ["source", "type"],
        )
        self.delivered = Counter(
            "actions_events_delivered_total", "Work items delivered, by route.", ["route"]
        )
        self.skipped = Counter(
            "actions_events_skipped_total",
            "Work items that ended with nothing to send (the action declined the event), by route.",
            ["route"],
        )
        self.failed = Counter(
            "actions_events_failed_total",
            "Work items dead-lettered, by error code and reason.",
            ["code", "reason"],
        )
        self.retries = Counter(
            "actions_retries_total", "Failed attempts scheduled for a retry, by code.", ["code"]
        )
        self.latency = Histogram(
            "actions_delivery_latency_seconds",
            "Seconds from an event's receipt to its delivery.",
            LATENCY_BUCKETS,
        )
        self.gauges: list[Gauge] = []

    def render(self) -> str:
        """Every metric in the text exposition format."""
        metrics: list[Counter | Histogram | Gauge] = [
            self.received,
            self.rejected,
            self.dropped,
            self.unrouted,
            self.delivered,
            self.skipped,
            self.failed,
            self.retries,
            self.latency,
            *self.gauges,
        ]
        return "\n".join(line for metric in metrics for line in metric.render()) + "\n"
