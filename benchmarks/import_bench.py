"""Benchmark of `legacy_import` against pgloader, on the same legacy SQLite file in one run.

pgloader is the usual way to move a SQLite database into PostgreSQL, so it is the yardstick for
"fast on PostgreSQL". Both tools load the same generated file (scripts/make_legacy_db.py) into
fresh databases, in alternating rounds A B A B, so drift on a noisy machine hits both alike.

Run from the project root against PostgreSQL (default: postgres@127.0.0.1:5432, trust auth):

    .venv/bin/python benchmarks/import_bench.py
    .venv/bin/python benchmarks/import_bench.py --messages 20000 --rounds 3 --keep-files

The legacy file is cached under /tmp/import-bench/ by N and seed, so only the first run pays
for generating it. pgloader is optional (`apt-get install pgloader`); without it only
legacy_import runs. Peak memory is the sum of VmRSS over the tool's whole process tree (the
importer runs worker processes), read from /proc every 50 ms (the tree itself every second):
an upper bound, as pages that processes share count once per process, and not counting the
PostgreSQL server's own memory.
After each run the rows in the target are counted, so a run that silently lost rows shows.

Two more comparisons, legacy_import against an earlier version of itself instead of pgloader:

    .venv/bin/python benchmarks/import_bench.py --peer ../older-checkout
    .venv/bin/python benchmarks/import_bench.py --peer ../older-checkout --merge

`--peer` runs the legacy_import of another checkout (with its own `.venv`, made by the README's
command) as the peer. `--merge` times the merge path: each target first holds an earlier
import of another generated bot DB (a tenth of N, the next seed), made untimed by this
checkout, so every table is loaded into one that holds rows.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from urllib.parse import urlsplit

import asyncpg  # type: ignore[import-untyped]
from bench_support import (
    admin_execute,
    children_cpu_seconds,
    load_script_function,
    measure,
    print_table,
    server_cpu_seconds,
    tail,
)
from validation_floor import validation_floor

CACHE = Path("/tmp/import-bench")
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# The store's ten tables; the legacy link table keeps its old name when pgloader copies it.
TARGET_TABLES = [
    "users", "messages", "facts", "stats", "jokes", "memories", "categories",
    "memory_categories", "memory_category_association", "memory_links", "lessons",
]  # fmt: skip


PEER = "legacy_import (peer)"


@dataclass(frozen=True)
class Options:
    messages: int
    rounds: int
    admin_url: str
    keep_files: bool
    seed: int
    workers: int | None
    peer: Path | None
    merge: bool
    floor: bool


@dataclass(frozen=True)
class Run:
    round: int
    tool: str
    exit_code: int
    seconds: float
    peak_mib: float
    rows_in_target: int
    client_cpu: float
    server_cpu: float | None


def parse_args() -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000, help="N for make_legacy_db")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each tool")
    parser.add_argument("--admin-url", default=ADMIN_URL, help="database to CREATE/DROP from")
    parser.add_argument(
        "--keep-files", action="store_true", help="keep the target databases, logs and reports"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed for make_legacy_db")
    parser.add_argument(
        "--workers", type=int, help="legacy_import's --workers (default: the tool's own default)"
    )
    parser.add_argument(
        "--peer",
        type=Path,
        help="a checkout (with its .venv) whose legacy_import is the peer, instead of pgloader",
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="import into targets that already hold an earlier import (the merge path)",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also time reading and validating every row without a database "
        "(validation_floor.py) and print the rows/s that bounds any validating import here",
    )
    return Options(**vars(parser.parse_args()))


def legacy_file(messages: int, seed: int) -> Path:
    """The cached legacy database for (N, seed), generated on first use."""
    path = CACHE / f"legacy-n{messages}-s{seed}.db"
    if path.exists():
        print(f"Reusing {path}")
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    start = perf_counter()
    load_script_function("make_legacy_db", "make_legacy_db")(path, messages=messages, seed=seed)
    print(f"Generated {path} in {perf_counter() - start:.1f} s", flush=True)
    return path


def legacy_rows(path: Path) -> dict[str, int]:
    """Rows per table of the legacy file: the work both tools do."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        listing = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        names = [name for (name,) in connection.execute(listing)]
        count = 'SELECT count(*) FROM "{}"'
        return {name: connection.execute(count.format(name)).fetchone()[0] for name in names}


def database_url(admin_url: str, name: str) -> str:
    return urlsplit(admin_url)._replace(path=f"/{name}").geturl()


async def target_rows(url: str) -> int:
    """Rows in the store's tables, in whatever schema the tool put them."""
    connection = await asyncpg.connect(url)
    try:
        tables = await connection.fetch(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_type = 'BASE TABLE' AND table_name = ANY($1::text[])"
            " AND table_schema NOT IN ('pg_catalog', 'information_schema')",
            TARGET_TABLES,
        )
        total = 0
        for schema, name in tables:
            total += await connection.fetchval(f'SELECT count(*) FROM "{schema}"."{name}"')
        return total
    finally:
        await connection.close()


def command(tool: str, legacy: Path, url: str, report: Path, opts: Options) -> list[str]:
    if tool in ("legacy_import", PEER):
        python = sys.executable if tool == "legacy_import" else str(peer_python(opts))
        return [
            *(python, "-m", "legacy_import", "run", str(legacy)),
            *("--database-url", url, "--no-progress", "--report", str(report)),
            *(() if opts.workers is None else ("--workers", str(opts.workers))),
        ]
    return [
        *("pgloader", "--with", "prefetch rows = 10000", "--with", "batch rows = 5000"),
        *(f"sqlite://{legacy}", url),
    ]


def peer_python(opts: Options) -> Path:
    assert opts.peer is not None
    return opts.peer.resolve() / ".venv" / "bin" / "python"


def prefill(url: str, opts: Options, work: Path) -> None:
    """The merge path's starting point: an earlier import of another bot DB, untimed."""
    earlier = legacy_file(max(opts.messages // 10, 1000), opts.seed + 1)
    argv = [sys.executable, "-m", "legacy_import", "run", str(earlier), "--database-url", url]
    code, _, _ = measure([*argv, "--no-progress"], work / "prefill")
    if code != 0:
        raise SystemExit(f"the earlier import failed: {tail(work / 'prefill.err')}")


def run_tool(tool: str, k: int, legacy: Path, opts: Options, work: Path) -> Run:
    """One import into a fresh database, counted and then dropped (unless --keep-files)."""
    name = f"bench_{'a' if tool == 'legacy_import' else 'b'}_{k}"
    url = database_url(opts.admin_url, name)
    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    asyncio.run(admin_execute(opts.admin_url, drop, f'CREATE DATABASE "{name}"'))
    if opts.merge:
        prefill(url, opts, work)
    # CHECKPOINT: the previous run's dirty pages are written now, not during this one.
    asyncio.run(admin_execute(opts.admin_url, "CHECKPOINT"))
    try:
        report = work / f"{name}.report.json"
        before = asyncio.run(target_rows(url))
        client_before, server_before = children_cpu_seconds(), server_cpu_seconds()
        where = opts.peer.resolve() if tool == PEER and opts.peer is not None else None
        argv = command(tool, legacy, url, report, opts)
        code, seconds, peak = measure(argv, work / name, **({"cwd": where} if where else {}))
        client_cpu = children_cpu_seconds() - client_before
        server_after = server_cpu_seconds()
        server_cpu = (
            None if server_before is None or server_after is None else server_after - server_before
        )
        if code != 0:
            print(f"{tool} round {k} failed: exit status {code}; stderr tail:")
            print(tail(work / f"{name}.err") or "(empty)")
        rows = asyncio.run(target_rows(url)) - before
        print(
            f"{tool} round {k}: {seconds:.1f} s, exit {code}, {rows:,} rows in {name}", flush=True
        )
        return Run(k, tool, code, seconds, peak, rows, client_cpu, server_cpu)
    finally:
        if not opts.keep_files:
            asyncio.run(admin_execute(opts.admin_url, drop))


def print_runs(runs: list[Run], total: int, merge: bool) -> None:
    """`merge`: the target held rows before, so rows the file shares with them are not new."""
    rows = []
    for run in runs:
        lost = total - run.rows_in_target
        fewer = "already there" if merge else "missing"
        in_target = f"{run.rows_in_target:,}" + (f" ({lost:,} {fewer})" if lost else "")
        rate = f"{total / run.seconds:,.0f}" if run.exit_code == 0 else "-"  # failed: no speed
        timing = f"{run.seconds:.1f}", rate, f"{run.peak_mib:,.0f}"
        server = "-" if run.server_cpu is None else f"{run.server_cpu:.1f}"
        cpu = f"{run.client_cpu:.1f}", server
        rows.append([str(run.round), run.tool, str(run.exit_code), *timing, *cpu, in_target])
    header = ["round", "tool", "exit", "seconds", "rows/s", "peak RSS MiB"]
    header += ["tool CPU s", "server CPU s", "rows in target"]
    print()
    print_table(header, rows, text_columns=2)


def print_floor(legacy: Path, runs: list[Run], total: int) -> None:
    """The bound on any import that validates every record, on this machine's cores: the
    validation floor plus the least server CPU a legacy_import run needed, over the cores."""
    floor = validation_floor(legacy)
    print()
    print(
        f"Validation floor: reading {floor.read_s:.1f} s + validating {floor.validate_s:.1f} s"
        f" = {floor.seconds:.1f} CPU-seconds ({floor.seconds / floor.rows * 1e6:.1f} µs a row)"
    )
    cores = os.cpu_count() or 1
    served = [r.server_cpu for r in runs if r.tool == "legacy_import" and r.server_cpu]
    server = min(served, default=0.0)
    bound = total / ((floor.seconds + server) / cores)
    print(
        f"With the server's {server:.1f} CPU-seconds (least of the legacy_import runs), on"
        f" {cores} cores: no validating import can pass {bound:,.0f} rows/s here"
    )
    pgloader = [total / r.seconds for r in runs if r.tool == "pgloader" and r.exit_code == 0]
    if pgloader:
        print(f"That bound / pgloader's median rows/s: {bound / statistics.median(pgloader):.2f}")


def print_medians(runs: list[Run], total: int) -> None:
    """Medians over the runs that exited 0 (a failed run's speed means nothing), and the ratio."""
    print()
    medians: dict[str, float] = {}
    for tool in dict.fromkeys(run.tool for run in runs):
        ok = [run for run in runs if run.tool == tool and run.exit_code == 0]
        if not ok:
            print(f"{tool}: no successful run")
            continue
        medians[tool] = statistics.median(total / run.seconds for run in ok)
        peak = statistics.median(run.peak_mib for run in ok)
        print(
            f"{tool}: median {medians[tool]:,.0f} rows/s, peak RSS {peak:,.0f} MiB, {len(ok)} runs"
        )
    if len(medians) == 2:
        peer = next(tool for tool in medians if tool != "legacy_import")
        ratio = medians["legacy_import"] / medians[peer]
        print(f"legacy_import / {peer}, rows/s: {ratio:.2f}")


def main() -> None:
    opts = parse_args()
    legacy = legacy_file(opts.messages, opts.seed)
    counts = legacy_rows(legacy)
    total, size = sum(counts.values()), legacy.stat().st_size / 2**20
    print(f"N = {opts.messages:,} messages; {size:,.1f} MiB; {total:,} rows in all tables:")
    print("  " + ", ".join(f"{table} {rows:,}" for table, rows in counts.items()))
    tools = ["legacy_import"]
    if opts.peer is not None:
        tools.append(PEER)
    elif opts.merge:
        print("--merge without --peer: pgloader cannot merge into the store, so it is skipped")
    elif shutil.which("pgloader"):
        tools.append("pgloader")
    else:
        print("pgloader not found: skipped (install it with `apt-get install pgloader`)")
    work = Path(tempfile.mkdtemp(prefix="import-bench-"))
    try:
        rounds = range(1, opts.rounds + 1)
        runs = [run_tool(tool, k, legacy, opts, work) for k in rounds for tool in tools]
        print_runs(runs, total, opts.merge)
        print_medians(runs, total)
        if opts.floor:
            print_floor(legacy, runs, total)
    finally:
        if opts.keep_files:
            print(f"Logs and reports kept in {work}")
        else:
            shutil.rmtree(work)


if __name__ == "__main__":
    main()
