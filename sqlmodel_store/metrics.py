"""Prometheus metrics of every store in the process, in the default registry (extra `metrics`).

Counters count as events happen; the pool figures are read from the live engines at scrape
time, so they are never stale and cost nothing between scrapes. Every series carries the
`database` label (the URL with the password masked). Without `prometheus_client` installed
nothing is registered and every call here does nothing.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Engine
from sqlalchemy.pool import QueuePool

from sqlmodel_store.pool import StorePool

try:
    from prometheus_client import REGISTRY, Counter
    from prometheus_client.core import GaugeMetricFamily, Metric
except ImportError:  # the `metrics` extra is not installed
    REGISTRY = None  # type: ignore[assignment]

__all__ = ["DatabaseMetrics", "for_database"]

_PREFIX = "sqlmodel_store"


@dataclass(frozen=True, slots=True)
class _Counters:
    commits: Counter
    rollbacks: Counter
    slow_statements: Counter
    pool_timeouts: Counter


class _PoolCollector:
    """Pool figures of the live engines, summed per database at every scrape."""

    def __init__(self) -> None:
        self._engines: list[tuple[str, weakref.ref[Engine], int]] = []
        self._lock = threading.Lock()

    def watch(self, database: str, engine: Engine, max_overflow: int) -> None:
        with self._lock:
            self._engines = [entry for entry in self._engines if entry[1]() is not None]
            self._engines.append((database, weakref.ref(engine), max_overflow))

    def forget(self, engine: Engine) -> None:
        with self._lock:
            self._engines = [entry for entry in self._engines if entry[1]() not in (None, engine)]

    def _figures(self) -> dict[str, list[int]]:
        totals: dict[str, list[int]] = {}
        with self._lock:
            entries = list(self._engines)
        for database, ref, max_overflow in entries:
            engine = ref()
            pool = engine.pool if engine is not None else None
            if not isinstance(pool, QueuePool):
                continue
            figures = totals.setdefault(database, [0, 0, 0, 0, 0])
            figures[0] += pool.checkedout()
            figures[1] += max(pool.overflow(), 0)
            figures[2] += pool.size()
            figures[3] += pool.size() + max_overflow
            figures[4] += pool.waiting() if isinstance(pool, StorePool) else 0
        return totals

    def collect(self) -> Iterator[Metric]:
        names = (
            ("pool_in_use", "Connections checked out of the pool now."),
            ("pool_overflow", "Connections open beyond the pool size now."),
            ("pool_size", "Connections the pool keeps open (DATABASE_POOL_SIZE)."),
            ("pool_capacity", "Most connections the pool may open (size + max overflow)."),
            ("pool_waiting", "Checkouts waiting for a free connection now."),
        )
        totals = self._figures()
        for index, (name, documentation) in enumerate(names):
            family = GaugeMetricFamily(f"{_PREFIX}_{name}", documentation, labels=["database"])
            for database, figures in totals.items():
                family.add_metric([database], figures[index])
            yield family


@cache
def _registered() -> tuple[_Counters, _PoolCollector] | None:
    """Register the metrics once per process, on first use (importing registers nothing)."""
    if REGISTRY is None:
        return None
    counters = _Counters(
        commits=Counter(
            f"{_PREFIX}_unit_of_work_commits", "Units of work committed.", ["database"]
        ),
        rollbacks=Counter(
            f"{_PREFIX}_unit_of_work_rollbacks",
            "Units of work rolled back; error_type is the exception, `none` when left "
            "without commit().",
            ["database", "error_type"],
        ),
        slow_statements=Counter(
            f"{_PREFIX}_slow_statements",
            "Statements slower than DATABASE_SLOW_STATEMENT_MS.",
            ["database"],
        ),
        pool_timeouts=Counter(
            f"{_PREFIX}_pool_timeouts",
            "Waits for a connection (SQLite: the write lock) that gave up after "
            "DATABASE_POOL_TIMEOUT.",
            ["database"],
        ),
    )
    pools = _PoolCollector()
    REGISTRY.register(pools)
    return counters, pools


class DatabaseMetrics:
    """The metrics of one store; every method is a no-op without `prometheus_client`."""

    def __init__(self, database: str, engine: Engine) -> None:
        self._database = database
        self._engine = engine
        registered = _registered()
        self._counters = registered[0] if registered else None

    def close(self) -> None:
        """Stop reporting the engine's pool (the store was disposed of)."""
        registered = _registered()
        if registered:
            registered[1].forget(self._engine)

    def committed(self) -> None:
        if self._counters:
            self._counters.commits.labels(self._database).inc()

    def rolled_back(self, error_type: str) -> None:
        if self._counters:
            self._counters.rollbacks.labels(self._database, error_type).inc()

    def slow_statement(self) -> None:
        if self._counters:
            self._counters.slow_statements.labels(self._database).inc()

    def pool_timeout(self) -> None:
        if self._counters:
            self._counters.pool_timeouts.labels(self._database).inc()


def for_database(database: str, engine: Engine, max_overflow: int) -> DatabaseMetrics:
    """The metrics of a store on `database`; its engine's pool is read at every scrape."""
    registered = _registered()
    if registered:
        registered[1].watch(database, engine, max_overflow)
    return DatabaseMetrics(database, engine)
