"""Benchmark of `legacy_import` on Telegram Desktop exports: its rate, and its memory as files grow.

A Telegram export is one JSON document, often of several GB, and the importer promises to
stream it: a steady rate, and memory that stays flat (under 200 MiB) whatever the file's size.
Neither shows on a small file, so this imports generated exports of growing size
(scripts/make_telegram_export.py) into fresh PostgreSQL databases and compares the sizes.

Run from the project root against PostgreSQL (default: postgres@127.0.0.1:5432, trust auth):

    .venv/bin/python benchmarks/telegram_bench.py
    .venv/bin/python benchmarks/telegram_bench.py --megabytes 20 100 --rounds 3 --keep

Exports are cached under /tmp/telegram-bench/ by size and seed, with their counts beside them,
so only the first run pays for generating them (about 20 MiB/s). Rounds alternate the sizes
(A B A B), so drift on a noisy machine hits all sizes alike. Peak memory is the sum of VmRSS
over the importer's whole process tree (it runs worker processes), read from /proc every
100 ms (the tree itself every second): an upper bound, as pages that processes share count once
per process, and not counting the PostgreSQL server's own memory. The messages the importer
read are compared with the messages in the file, so a run that silently skipped some shows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import Any
from urllib.parse import urlsplit

from bench_support import (
    admin_execute,
    load_script_function,
    measure,
    print_table,
    tail,
)

CACHE = Path("/tmp/telegram-bench")
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
RSS_LIMIT_MIB = 200
FLAT_WITHIN = 0.15  # the largest file's peak RSS over the smallest's, at most 1 + this


@dataclass(frozen=True)
class Options:
    megabytes: list[float]
    rounds: int
    admin_url: str
    keep: bool
    seed: int
    workers: int | None


@dataclass(frozen=True)
class Export:
    megabytes: float  # as asked for
    path: Path
    counts: dict[str, int]  # what make_telegram_export wrote

    @property
    def mib(self) -> float:
        return self.counts["bytes"] / 2**20


@dataclass(frozen=True)
class Report:
    """What the importer says it did, from its --report JSON."""

    messages_read: int
    messages_inserted: int
    messages_rejected: int
    users_read: int
    duration_s: float


@dataclass(frozen=True)
class Run:
    export: Export
    round: int
    database: str
    exit_code: int
    seconds: float
    peak_mib: float
    report: Report | None  # None: the importer wrote no report

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and self.report is not None

    @property
    def rate(self) -> float:
        """Messages read per wall-clock second, start-up and schema creation included."""
        return self.report.messages_read / self.seconds if self.report else 0.0


def parse_args() -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--megabytes",
        type=float,
        nargs="+",
        default=[100.0, 1000.0],
        help="sizes of the exports in MiB (default: 100 1000)",
    )
    parser.add_argument("--rounds", type=int, default=1, help="imports of each size")
    parser.add_argument("--admin-url", default=ADMIN_URL, help="database to CREATE/DROP from")
    parser.add_argument(
        "--keep", action="store_true", help="keep the target databases, logs and reports"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed for make_telegram_export")
    parser.add_argument(
        "--workers", type=int, help="legacy_import's --workers (default: the tool's own default)"
    )
    args = parser.parse_args()
    if args.rounds < 1 or min(args.megabytes) <= 0:
        parser.error("--rounds must be at least 1 and every size above 0")
    args.megabytes = sorted(set(args.megabytes))  # smallest first: the one others compare to
    return Options(**vars(args))


def export_file(megabytes: float, seed: int) -> Export:
    """The cached export for (size, seed), generated on first use. Its counts are written
    beside it last, so an export without them is one that was cut short: made again."""
    path = CACHE / f"telegram-{megabytes:g}mib-s{seed}.json"
    sidecar = path.with_name(path.stem + ".counts.json")
    if path.exists() and sidecar.exists():
        print(f"Reusing {path}")
        return Export(megabytes, path, json.loads(sidecar.read_text()))
    CACHE.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    start = perf_counter()
    counts = load_script_function("make_telegram_export", "make_telegram_export")(
        path, megabytes, seed=seed
    )
    sidecar.write_text(json.dumps(counts) + "\n")
    print(f"Generated {path} in {perf_counter() - start:.1f} s", flush=True)
    return Export(megabytes, path, counts)


def target_url(admin_url: str, name: str) -> str:
    """The database `name` on the admin URL's server, in the driver the importer uses."""
    return urlsplit(admin_url)._replace(scheme="postgresql+asyncpg", path=f"/{name}").geturl()


def read_report(path: Path) -> Report | None:
    """The counts of the report, or None when there is none (the importer failed early)."""
    try:
        report: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    tables = report.get("tables", {})
    messages, users = tables.get("messages", {}), tables.get("users", {})
    return Report(
        messages_read=messages.get("read", 0),
        messages_inserted=messages.get("inserted", 0),
        messages_rejected=messages.get("rejected", 0),
        users_read=users.get("read", 0),
        duration_s=report.get("duration_s", 0.0),
    )


def run_import(export: Export, k: int, opts: Options, work: Path) -> Run:
    """One import into a fresh database, dropped afterwards (unless --keep)."""
    name = f"tg_bench_{export.megabytes:g}mib_r{k}".replace(".", "_")
    url = target_url(opts.admin_url, name)
    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    # CHECKPOINT: the previous run's dirty pages are written now, not during this one.
    asyncio.run(admin_execute(opts.admin_url, drop, f'CREATE DATABASE "{name}"', "CHECKPOINT"))
    try:
        files = work / name
        files.mkdir()
        argv = [
            *(sys.executable, "-m", "legacy_import", "run", str(export.path)),
            *("--database-url", url, "--no-progress"),
            *("--report", str(files / "report.json"), "--rejects", str(files / "rejects.jsonl")),
            *(() if opts.workers is None else ("--workers", str(opts.workers))),
        ]
        code, seconds, peak = measure(argv, files / "import", sample_every=0.1, rescan_every=10)
        run = Run(export, k, name, code, seconds, peak, read_report(files / "report.json"))
        print_run(run)
        if code != 0:
            print(f"  stderr tail ({files / 'import.err'}):")
            print(tail(files / "import.err") or "(empty)", flush=True)
        return run
    finally:
        if not opts.keep:
            asyncio.run(admin_execute(opts.admin_url, drop))


def print_run(run: Run) -> None:
    head = f"{run.export.mib:,.1f} MiB, round {run.round}:"
    memory = f"peak RSS {run.peak_mib:,.0f} MiB, exit {run.exit_code}"
    report = run.report
    if report is None:
        print(f"{head} no report; {run.seconds:.1f} s, {memory}", flush=True)
        return
    in_file = run.export.counts["messages"]
    print(
        f"{head} {report.messages_read:,} of {in_file:,} messages read "
        f"({report.messages_inserted:,} inserted, {report.messages_rejected:,} rejected), "
        f"{report.users_read:,} users; {run.seconds:.1f} s (import {report.duration_s:.1f} s), "
        f"{run.rate:,.0f} messages/s, {memory}",
        flush=True,
    )


def peak_of(runs: list[Run]) -> float:
    """The highest peak of a size's runs, failed ones included: memory counts either way."""
    return max(run.peak_mib for run in runs)


def print_sizes(exports: list[Export], runs: list[Run]) -> None:
    """Medians of the runs that exited 0 (a failed run's speed means nothing), per size."""
    rows = []
    for export in exports:
        mine = [run for run in runs if run.export is export]
        ok = [run for run in mine if run.ok]
        timing = ["-", "-", "-"]
        if ok:
            seconds = statistics.median(run.seconds for run in ok)
            rate = statistics.median(run.rate for run in ok)
            timing = [f"{seconds:.1f}", f"{rate:,.0f}", f"{export.mib / seconds:.1f}"]
        messages = f"{export.counts['messages']:,}"
        runs_ok = f"{len(ok)}/{len(mine)}"
        rows.append([f"{export.mib:,.1f}", messages, runs_ok, *timing, f"{peak_of(mine):,.0f}"])
    header = ["file MiB", "messages", "ok runs", "seconds", "messages/s", "MiB/s", "peak RSS MiB"]
    print()
    print_table(header, rows)


def print_verdict(exports: list[Export], runs: list[Run]) -> None:
    print()
    highest = max(run.peak_mib for run in runs)
    under = "yes" if highest < RSS_LIMIT_MIB else "NO"
    print(f"Peak RSS under {RSS_LIMIT_MIB} MiB in every run: {under} (highest {highest:,.0f} MiB)")
    if len(exports) > 1:
        first, last = exports[0], exports[-1]
        small = peak_of([run for run in runs if run.export is first])
        large = peak_of([run for run in runs if run.export is last])
        growth = large / small - 1 if small else float("inf")
        shape = "flat" if growth <= FLAT_WITHIN else "GROWS"
        print(
            f"Peak RSS from {first.mib:,.0f} to {last.mib:,.0f} MiB: {small:,.0f} → "
            f"{large:,.0f} MiB ({growth:+.0%}): {shape} (flat: within {FLAT_WITHIN:.0%})"
        )
    failed = sum(not run.ok for run in runs)
    if failed:
        print(f"{failed} of {len(runs)} runs failed: their peaks cover only what they did")


def main() -> None:
    opts = parse_args()
    exports = [export_file(megabytes, opts.seed) for megabytes in opts.megabytes]
    for export in exports:
        counts = export.counts
        print(
            f"  {export.path.name}: {export.mib:,.1f} MiB, {counts['messages']:,} messages "
            f"({counts['service']:,} service) in {counts['chats']} chats, "
            f"{counts['authors']:,} authors"
        )
    work = Path(tempfile.mkdtemp(prefix="telegram-bench-"))
    runs: list[Run] = []
    try:
        for k in range(1, opts.rounds + 1):
            runs.extend(run_import(export, k, opts, work) for export in exports)
        print_sizes(exports, runs)
        print_verdict(exports, runs)
    finally:
        if opts.keep:
            print(f"Kept the databases {', '.join(run.database for run in runs)}")
            print(f"Kept the logs, reports and rejects in {work}")
        else:
            shutil.rmtree(work)


if __name__ == "__main__":
    main()
