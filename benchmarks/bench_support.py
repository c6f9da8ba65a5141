"""What the import benchmarks share: loading a generator script, creating and dropping
databases, and measuring a command's time and the peak memory of its whole process tree.

The importer runs worker processes, so a figure for one process would understate it. Peak
memory is the sum of VmRSS over the tree, read from /proc: an upper bound, as pages that
processes share count once per process, and not counting the PostgreSQL server's own memory.
"""

from __future__ import annotations

import importlib.util
import os
import resource
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import suppress
from itertools import count
from pathlib import Path
from time import perf_counter

import asyncpg  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent


def load_script_function(script: str, function: str) -> Callable[..., dict[str, int]]:
    """scripts/ is not a package: load `function` of scripts/`script`.py from its file."""
    spec = importlib.util.spec_from_file_location(script, ROOT / f"scripts/{script}.py")
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load scripts/{script}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    found: Callable[..., dict[str, int]] = getattr(module, function)
    return found


async def admin_execute(admin_url: str, *statements: str) -> None:
    """CREATE/DROP DATABASE cannot run in a transaction, so they go through asyncpg directly."""
    connection = await asyncpg.connect(admin_url)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def _process_stats() -> Iterator[tuple[int, bytes, list[bytes]]]:
    """Pid, command name and the fields after the name of /proc/<pid>/stat, per process."""
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_bytes()
            except OSError:  # exited since the listing
                continue
            name, rest = stat.split(b"(", 1)[1].rsplit(b")", 1)
            yield int(entry.name), name, rest.split()


def process_children() -> dict[int, list[int]]:
    """Parent pid → child pids (field 4 of stat, the second after the name)."""
    children: dict[int, list[int]] = {}
    for pid, _, fields in _process_stats():
        children.setdefault(int(fields[1]), []).append(pid)
    return children


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0  # exited, or a zombie (which has no VmRSS line)


def tree_pids(root: int) -> list[int]:
    children, pids = process_children(), [root]
    for pid in pids:  # grows while walked: breadth-first over the descendants
        pids.extend(children.get(pid, ()))
    return pids


def measure(
    argv: list[str],
    log: Path,
    *,
    sample_every: float = 0.05,
    rescan_every: int = 20,
    cwd: Path = ROOT,
) -> tuple[int, float, float]:
    """Exit code, wall seconds and peak tree RSS (MiB) of a command; output goes to LOG.out/err.

    Listing /proc costs milliseconds, so the tree is re-walked every `rescan_every` samples
    (workers start once and live long); reading each member's RSS every sample is cheap.
    """
    with log.with_suffix(".out").open("wb") as out, log.with_suffix(".err").open("wb") as err:
        start = perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=err, cwd=cwd)
        peak, pids = 0, [process.pid]
        for sample in count():
            if process.poll() is not None:
                break
            if sample % rescan_every == 0:
                pids = tree_pids(process.pid)
            peak = max(peak, sum(rss_kib(pid) for pid in pids))
            with suppress(subprocess.TimeoutExpired):  # woken early when it exits
                process.wait(sample_every)
        seconds = perf_counter() - start
    return process.returncode, seconds, peak / 1024


def children_cpu_seconds() -> float:
    """CPU seconds of this process's finished children and everything they waited for (an
    importer's workers included)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def server_cpu_seconds() -> float | None:
    """CPU seconds the PostgreSQL servers of this machine have used so far: their living
    processes plus what exited backends left in their postmaster's account. Differences
    around a run give the server's share of it; None when no server runs here."""
    # utime, stime, cutime, cstime: fields 14-17 of stat, 12-15 after the name.
    ticks = [
        sum(int(field) for field in fields[11:15])
        for _, name, fields in _process_stats()
        if name == b"postgres"
    ]
    return sum(ticks) / os.sysconf("SC_CLK_TCK") if ticks else None


def tail(path: Path, lines: int = 15) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def print_table(header: list[str], rows: list[list[str]], *, text_columns: int = 0) -> None:
    """Columns padded to their widest cell: the first `text_columns` left, numbers right."""
    widths = [max(len(row[c]) for row in [header, *rows]) for c in range(len(header))]
    for row in [header, *rows]:
        cells = enumerate(zip(row, widths, strict=True))
        print("  ".join(c.ljust(w) if k < text_columns else c.rjust(w) for k, (c, w) in cells))
