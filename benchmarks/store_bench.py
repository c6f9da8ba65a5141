"""Benchmarks of the message paths a bot leans on: bulk insert and reading history back.

Goals (issue 23): `messages.add_many` reaches at least 0.9x the rows/s of a plain SQLAlchemy
Core `insert()` of the same rows (timed twice: given `MessageCreate` objects built inside the
timing, and given the dicts Core gets, which add_many validates), and `unit_of_work()` around
`messages.history(chat_id, limit=50)` answers in at most 1.0 ms (p50) on a table of 1,000,000
messages, through an index scan (the earlier mark: 2 ms for history() inside an open unit).
The peer of the last: the same SELECT in Core on a connection of the same pool.

Run from the project root against PostgreSQL (default: postgres@127.0.0.1:5432, trust auth):

    .venv/bin/python benchmarks/store_bench.py
    .venv/bin/python benchmarks/store_bench.py --messages 20000 --history-rows 100000 --rounds 5

It creates a throwaway database `store_bench_<pid>`, migrates it with `store.upgrade()`, and
drops it at the end, even after an error. Figures are medians: the machine may be noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from time import perf_counter
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import Integer, bindparam, event, func, insert, select, text
from sqlalchemy.engine import URL, make_url

from sqlmodel_store import Store, StoreSettings
from sqlmodel_store.models import Message, MessageCreate, UserCreate

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
INDEX = "ix_messages_chat_id_timestamp_id"
CHAT_ID = -1001234567890  # a supergroup: Bot API ids of those start with -100
BASE_TIME = datetime(2024, 1, 1, tzinfo=UTC)
MESSAGES = Message.metadata.tables["messages"]  # Message.__table__, typed for mypy
PAGE = 50
WARMUP = 20  # untimed calls first: statement compilation and prepared-statement caching
FILL_SQL = """
INSERT INTO messages (user_id, chat_id, message_id, text, message_type, timestamp)
SELECT CAST(:user_id AS bigint), CAST(:first_chat AS bigint) - g % CAST(:chats AS integer), g,
       'message number ' || g, 'text', timestamptz '2024-01-01 00:00:00+00' + g * interval '1 s'
FROM generate_series(1, CAST(:rows AS integer)) AS g
"""


@dataclass(frozen=True)
class Options:
    database_url: str
    messages: int
    history_rows: int
    rounds: int
    chunk: int
    chats: int
    history_calls: int
    paged_calls: int


def parse_args() -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=ADMIN_URL, help="admin database URL")
    parser.add_argument("--messages", type=int, default=100_000, help="rows per insert round")
    parser.add_argument("--history-rows", type=int, default=1_000_000, help="rows for history")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each insert path")
    parser.add_argument("--chunk", type=int, default=10_000, help="rows per insert call")
    parser.add_argument("--chats", type=int, default=10, help="chats the history rows fill")
    parser.add_argument("--history-calls", type=int, default=1000, help="latest-page calls")
    parser.add_argument("--paged-calls", type=int, default=300, help="calls with before=")
    return Options(**vars(parser.parse_args()))


async def admin_execute(admin: URL, sql: str) -> None:
    """CREATE/DROP DATABASE cannot run in a transaction, so they go through asyncpg directly."""
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@asynccontextmanager
async def throwaway_store(admin_url: str) -> AsyncIterator[Store]:
    """A migrated store on a fresh database, dropped afterwards so runs never leak or collide."""
    admin = make_url(admin_url)
    name = f"store_bench_{os.getpid()}"
    await admin_execute(admin, f'CREATE DATABASE "{name}"')
    url = admin.set(database=name).render_as_string(hide_password=False)
    store = Store(StoreSettings(database_url=url))
    try:
        await store.upgrade()
        yield store
    finally:
        try:
            await store.dispose()
        finally:
            await admin_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def add_user(store: Store) -> int:
    async with store.unit_of_work() as uow:
        user = await uow.users.add(UserCreate(telegram_id=42))
        await uow.commit()
    assert user.id is not None
    return user.id


def message_row(user_id: int, i: int) -> dict[str, Any]:
    """Every column add_many writes (it dumps all fields), so both paths send the same rows."""
    return {
        "user_id": user_id,
        "chat_id": CHAT_ID,
        "message_id": i,
        "reply_to_message_id": None,
        "text": f"message number {i}",
        "message_type": "text",
        "language": None,
        "timestamp": BASE_TIME + timedelta(seconds=i),
    }


def chunks(total: int, size: int) -> Iterator[range]:
    for first in range(0, total, size):
        yield range(first, min(first + size, total))


async def time_add_many(store: Store, user_id: int, opts: Options) -> float:
    """Seconds for add_many plus commit; building the MessageCreate objects is part of its cost."""
    start = perf_counter()
    async with store.unit_of_work() as uow:
        for ids in chunks(opts.messages, opts.chunk):
            await uow.messages.add_many([MessageCreate(**message_row(user_id, i)) for i in ids])
        await uow.commit()
    return perf_counter() - start


async def time_add_many_dicts(store: Store, user_id: int, opts: Options) -> float:
    """Seconds for add_many of the plain dicts Core gets, which add_many validates itself."""
    start = perf_counter()
    async with store.unit_of_work() as uow:
        for ids in chunks(opts.messages, opts.chunk):
            await uow.messages.add_many([message_row(user_id, i) for i in ids])
        await uow.commit()
    return perf_counter() - start


async def time_core(store: Store, user_id: int, opts: Options) -> float:
    """Seconds for the baseline: Core executemany of plain dicts in the same chunks."""
    start = perf_counter()
    async with store.engine.begin() as connection:
        for ids in chunks(opts.messages, opts.chunk):
            rows = [message_row(user_id, i) for i in ids]
            await connection.execute(insert(MESSAGES), rows)
    return perf_counter() - start


async def empty_messages(store: Store) -> None:
    async with store.engine.begin() as connection:
        await connection.execute(text("TRUNCATE messages RESTART IDENTITY"))


async def count_messages(store: Store) -> int:
    async with store.engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(Message))).one()[0])


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(row[c]) for row in [header, *rows]) for c in range(len(header))]
    print(f"\n{title}")
    for row in [header, *rows]:
        cells = zip(row, widths, strict=True)
        print("  ".join(c.rjust(w) if k else c.ljust(w) for k, (c, w) in enumerate(cells)))


async def insert_benchmark(store: Store, user_id: int, opts: Options) -> None:
    """A B A B rounds into an emptied table, so drift on a noisy machine hits both paths alike."""
    paths: dict[str, Callable[[Store, int, Options], Awaitable[float]]] = {
        "add_many(MessageCreate)": time_add_many,
        "add_many(dicts)": time_add_many_dicts,
        "Core insert()": time_core,
    }
    rates: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(opts.rounds):
        for name, timed in paths.items():
            await empty_messages(store)
            seconds = await timed(store, user_id, opts)
            if (written := await count_messages(store)) != opts.messages:
                raise RuntimeError(f"{name} wrote {written} rows, not {opts.messages}")
            rates[name].append(opts.messages / seconds)
    median = {name: statistics.median(rate) for name, rate in rates.items()}
    print_table(
        f"Insert {opts.messages:,} messages, {opts.chunk:,} per call, rows/s (insert + commit)",
        ["path", *(f"round {r + 1}" for r in range(opts.rounds)), "median"],
        [[n, *(f"{v:,.0f}" for v in r), f"{median[n]:,.0f}"] for n, r in rates.items()],
    )
    for shape in ("MessageCreate", "dicts"):
        ratio = median[f"add_many({shape})"] / median["Core insert()"]
        verdict = "PASS" if ratio >= 0.9 else "MISS"
        print(f"add_many({shape}) / Core = {ratio:.2f}   goal >= 0.90: {verdict}")


async def fill_history(store: Store, user_id: int, opts: Options) -> list[int]:
    """Fill server-side (fast) over several chats, then VACUUM ANALYZE so plans see real stats."""
    await empty_messages(store)
    start = perf_counter()
    params = {"user_id": user_id, "first_chat": CHAT_ID, "chats": opts.chats}
    async with store.engine.begin() as connection:
        await connection.execute(text(FILL_SQL), {**params, "rows": opts.history_rows})
    async with store.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("VACUUM ANALYZE messages"))
    print(
        f"\nFilled {opts.history_rows:,} messages in {opts.chats} chats, VACUUM ANALYZE: "
        f"{perf_counter() - start:.1f} s"
    )
    return [CHAT_ID - k for k in range(opts.chats)]


async def timed_calls(calls: int, call: Callable[[int], Awaitable[None]]) -> list[float]:
    """Seconds of each call, after WARMUP untimed ones (compilation, prepared-statement cache)."""
    timings: list[float] = []
    for i in range(-WARMUP, calls):
        start = perf_counter()
        await call(i)
        if i >= 0:
            timings.append(perf_counter() - start)
    return timings


async def history_latencies(
    store: Store, chats: list[int], opts: Options
) -> dict[str, list[float]]:
    """Pages read in one open unit (the query as a handler sees it), then whole units around
    one read (adding pool checkout, pre-ping and the closing rollback)."""

    def chat(i: int) -> int:
        return chats[i % len(chats)]

    latest_page = (
        select(*MESSAGES.c)
        .where(MESSAGES.c.chat_id == bindparam("chat_id"))
        .order_by(MESSAGES.c.timestamp.desc(), MESSAGES.c.id.desc())
        .limit(bindparam("limit", type_=Integer))
    )

    async def core_page(i: int) -> None:
        async with store.engine.connect() as connection:
            await connection.execute(latest_page, {"chat_id": chat(i), "limit": PAGE})

    async def fresh_unit(i: int) -> None:
        async with store.unit_of_work() as fresh:
            await fresh.messages.history(chat(i), limit=PAGE)

    async with store.unit_of_work() as uow:
        newest = {c: (await uow.messages.history(c, limit=PAGE))[0] for c in chats}
        before = dict(newest)

        async def latest(i: int) -> None:
            await uow.messages.history(chat(i), limit=PAGE)

        async def paged(i: int) -> None:  # walks each chat back, wrapping round at its start
            page = await uow.messages.history(chat(i), limit=PAGE, before=before[chat(i)])
            before[chat(i)] = page[0] if page else newest[chat(i)]

        cases = {
            "history(), latest page, open unit": await timed_calls(opts.history_calls, latest),
            "history(before=), open unit": await timed_calls(opts.paged_calls, paged),
        }
    cases["unit_of_work() + history()"] = await timed_calls(opts.history_calls, fresh_unit)
    cases["Core: connect() + same SELECT"] = await timed_calls(opts.history_calls, core_page)
    return cases


def percentiles_ms(timings: list[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds."""
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000


async def history_benchmark(store: Store, user_id: int, opts: Options) -> None:
    chat_ids = await fill_history(store, user_id, opts)
    cases = await history_latencies(store, chat_ids, opts)
    rows = []
    for name, timings in cases.items():
        p50, p95 = percentiles_ms(timings)
        rows.append([name, f"{len(timings)}", f"{p50:.3f}", f"{p95:.3f}"])
    print_table(
        f"history(limit={PAGE}) on {opts.history_rows:,} messages, latency in ms",
        ["case", "calls", "p50", "p95"],
        rows,
    )
    p50 = percentiles_ms(next(iter(cases.values())))[0]
    print(f"latest page p50 = {p50:.3f} ms   goal <= 2 ms: {'PASS' if p50 <= 2.0 else 'MISS'}")
    fresh = percentiles_ms(cases["unit_of_work() + history()"])[0]
    verdict = "PASS" if fresh <= 1.0 else "MISS"
    print(f"unit_of_work() + history() p50 = {fresh:.3f} ms   goal <= 1.0 ms: {verdict}")
    await explain_history(store, chat_ids[0])


async def history_sql(store: Store, chat_id: int) -> list[tuple[str, Any]]:
    """The exact SQL and parameters history() sends (latest page, then before=)."""
    captured: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        captured.append((statement, params))

    sync_engine = store.engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", capture)
    try:
        async with store.unit_of_work() as uow:
            latest = await uow.messages.history(chat_id, limit=PAGE)
            await uow.messages.history(chat_id, limit=PAGE, before=latest[0])
    finally:
        event.remove(sync_engine, "before_cursor_execute", capture)
    return captured


async def explain_history(store: Store, chat_id: int) -> None:
    """EXPLAIN ANALYZE of what the repository really emits, to show which index it uses."""
    labels = ("latest page", "before= page")
    for label, (sql, params) in zip(labels, await history_sql(store, chat_id), strict=True):
        async with store.engine.connect() as connection:
            result = await connection.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = [str(row[0]) for row in result]
        print(f"\nEXPLAIN ANALYZE, {label}, parameters {params}:\n{sql}\n")
        print("\n".join(plan))
        uses = any("Index Scan" in line and INDEX in line for line in plan)
        print(f"Index Scan on {INDEX}: {'yes' if uses else 'NO'}")


async def run(opts: Options) -> None:
    started = perf_counter()
    async with throwaway_store(opts.database_url) as store:
        user_id = await add_user(store)
        await insert_benchmark(store, user_id, opts)
        await history_benchmark(store, user_id, opts)
    print(f"\nTotal time: {perf_counter() - started:.1f} s")


if __name__ == "__main__":
    asyncio.run(run(parse_args()))
