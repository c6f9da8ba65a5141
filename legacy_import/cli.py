"""`python -m legacy_import`: argument parsing into a frozen config, and exit codes
(`legacy_import.errors.ExitCode`): 0 everything imported; 1 some records rejected (or the run
stopped at --max-rejects); 2 usage: bad arguments, a source that is missing or not what it
claims, no layout that fits; 3 fatal: the target unreachable, uncreatable, busy or at another
revision, an I/O failure mid-run; 130 interrupted (Ctrl-C, SIGTERM), committed work kept.
"""

from __future__ import annotations

import argparse
import asyncio
import codecs
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError
from rich.console import Console

from legacy_import.commands.export import export
from legacy_import.commands.inspect import inspect_source
from legacy_import.commands.verify import verify
from legacy_import.errors import ExitCode, LegacyImportError, PreparationError, UsageError
from legacy_import.mapping.opened import detect_source, load_layout
from legacy_import.report.json_events import JsonEvents
from legacy_import.report.progress import LineProgress, Progress, RichProgress
from legacy_import.report.summary import show_summary
from legacy_import.run import RunConfig, run_import
from legacy_import.sources.base import FORMATS
from sqlmodel_store import StoreError, StoreSettings
from sqlmodel_store.settings import mask_passwords, settings_error


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(ExitCode.USAGE, f"{self.prog}: error: {mask_passwords(message)}\n")


def _at_least(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
        return value

    return parse


def _zone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise argparse.ArgumentTypeError(
            f"unknown time zone {text!r} (try Europe/Moscow)"
        ) from error
    return text


def _encoding(text: str) -> str:
    try:
        return codecs.lookup(text).name
    except LookupError:
        raise argparse.ArgumentTypeError(f"unknown encoding {text!r} (try cp1251)") from None


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m legacy_import",
        description="Move a bot's legacy JSON and SQLite data into the store, losing nothing: "
        "every record is imported or written to the rejects file with the reason.",
        epilog="Exit codes: 0 all imported, 1 some records rejected, 2 usage (bad arguments, "
        "a source that is missing or not what it claims, no layout that fits), 3 fatal (the "
        "database cannot be used), 130 interrupted. The database comes from --database-url, "
        "else DATABASE_URL, else the embedded sqlite+aiosqlite:///./store.db.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    # Also after the command (`run SOURCE --debug`); SUPPRESS keeps a --debug given before it.
    debug = _Parser(add_help=False)
    debug.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks on errors"
    )
    # Every command takes --no-progress, so a script can pass it to any of them.
    quiet = _Parser(add_help=False)
    quiet.add_argument(
        "--no-progress",
        action="store_true",
        help="no live display (this command shows none; accepted as for run)",
    )
    commands_ = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands_.add_parser(
        "run",
        parents=[debug],
        help="import sources into the database (again: safely; after a kill: resumes)",
        description="Import legacy sources. Running it again adds nothing; after a kill it "
        "continues after the last committed batch.",
    )
    run.add_argument(
        "sources",
        nargs="+",
        type=Path,
        metavar="SOURCE",
        help="a legacy SQLite file, a JSON/JSONL file or a directory of them, or a Telegram "
        "Desktop export (result.json, or the folder it is in)",
    )
    run.add_argument("--database-url", help="target database (default: DATABASE_URL or ./store.db)")
    run.add_argument(
        "--mapping",
        type=Path,
        metavar="FILE.toml",
        help="read the sources through this mapping file instead of a built-in layout: which "
        "table or JSON path feeds which store table, and how each field is read (see "
        "docs/examples/mappings/)",
    )
    run.add_argument(
        "--format",
        choices=FORMATS,
        default="auto",
        help="source kind (default: detected from the content)",
    )
    run.add_argument(
        "--batch-size",
        type=_at_least(1),
        help=(
            "records per batch, each committed with its checkpoint (default 5000, and 10000 "
            "for SQLite tables read as columns into PostgreSQL; batches also stop at 8 MB, "
            "4 MB for those columns)"
        ),
    )
    run.add_argument(
        "--max-rejects",
        type=_at_least(0),
        metavar="N",
        help="stop with exit 1 once more than N records were rejected",
    )
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="validate and count what would be inserted, writing nothing",
    )
    run.add_argument(
        "--rejects",
        type=Path,
        default=Path("rejects.jsonl"),
        metavar="FILE",
        help="where rejected records go, one JSON line each (default rejects.jsonl)",
    )
    run.add_argument(
        "--report", type=Path, metavar="FILE.json", help="also write the summary as JSON"
    )
    run.add_argument(
        "--timezone",
        type=_zone,
        default="UTC",
        help="zone of timestamps that carry none, such as the local `date` of Telegram exports "
        "made before 2022 (default UTC)",
    )
    run.add_argument(
        "--encoding",
        type=_encoding,
        help="text encoding of a file that is not UTF-8, such as cp1251 (default: UTF-8, and "
        "a file that is not UTF-8 is refused)",
    )
    run.add_argument(
        "--no-progress",
        action="store_true",
        help="one-line progress updates instead of a live display",
    )
    run.add_argument(
        "--log-json",
        action="store_true",
        help="write the run as JSON Lines events on standard output instead of the display "
        "and the summary table: part, progress, then summary (the --report document) or "
        "error (with the exit code), for CI jobs and cron",
    )
    run.add_argument(
        "--workers",
        type=_at_least(0),
        default=1,
        help="processes preparing batches while this one writes (0: all in this process; "
        "default 1, which measured as fast as 2 on two cores, in two thirds of the memory)",
    )

    inspect = commands_.add_parser(
        "inspect",
        parents=[debug, quiet],
        help="show the detected layout, tables and counts; writes nothing",
        description="Show what a source holds and which built-in layout reads it. With "
        "--mapping, map its first records through the mapping file and show them, with the "
        "reason for each rejection: the way to write a mapping. Writes nothing.",
    )
    inspect.add_argument("source", type=Path, metavar="SOURCE")
    inspect.add_argument(
        "--mapping", type=Path, metavar="FILE.toml", help="preview this mapping file"
    )
    inspect.add_argument("--format", choices=FORMATS, default="auto")
    inspect.add_argument("--encoding", type=_encoding, help="as for run")

    verify = commands_.add_parser(
        "verify",
        parents=[debug, quiet],
        help="compare a source with the database: counts and content digests",
    )
    verify.add_argument("source", type=Path, metavar="SOURCE")
    verify.add_argument(
        "--database-url", help="target database (default: DATABASE_URL or ./store.db)"
    )
    verify.add_argument("--format", choices=FORMATS, default="auto")
    verify.add_argument(
        "--mapping", type=Path, metavar="FILE.toml", help="the mapping the import used"
    )
    verify.add_argument("--timezone", type=_zone, default="UTC")
    verify.add_argument("--encoding", type=_encoding, help="as for run")

    export = commands_.add_parser(
        "export",
        parents=[debug, quiet],
        help="write the store as canonical JSONL, one file per table",
    )
    export.add_argument(
        "--database-url", help="database to export (default: DATABASE_URL or ./store.db)"
    )
    export.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="directory for <table>.jsonl files"
    )
    return parser


def _settings(url: str | None) -> StoreSettings:
    """The store's settings; an invalid one is a usage error naming what the user gave: the
    option, or the environment variable."""
    try:
        return StoreSettings(database_url=url) if url else StoreSettings()
    except ValidationError as error:
        raise UsageError(settings_error(error, "--database-url" if url else None)) from None


def _writable(option: str, path: Path | None) -> None:
    """Refuse before the run an output file whose directory does not exist."""
    if path is not None and not path.parent.is_dir():
        raise UsageError(f"{option} {path}: the directory {path.parent} does not exist")


async def _run(args: argparse.Namespace, console: Console) -> int:
    _writable("--rejects", args.rejects)
    _writable("--report", args.report)
    config = RunConfig(
        sources=tuple(args.sources),
        settings=_settings(args.database_url),
        fmt=args.format,
        batch_rows=args.batch_size,
        max_rejects=args.max_rejects,
        dry_run=args.dry_run,
        rejects_path=args.rejects,
        timezone=args.timezone,
        encoding=args.encoding,
        workers=args.workers,
        mapping=args.mapping,
    )
    if args.log_json:
        events = JsonEvents()
        result = await run_import(config, events)
        events.summary(result)
    else:
        live = console.is_terminal and not args.no_progress
        progress: Progress = RichProgress(console) if live else LineProgress()
        result = await run_import(config, progress)
        show_summary(result, console)
    if args.report:
        result.write_report(args.report)
    return result.exit_code


async def _dispatch(args: argparse.Namespace, console: Console) -> int:
    if args.command == "run":
        return await _run(args, console)
    if args.command == "inspect":
        mapping = load_layout(args.mapping)
        spec = detect_source(args.source, args.format, args.encoding, mapping)
        return inspect_source(spec, console, mapping)
    if args.command == "verify":
        mapping = load_layout(args.mapping)
        spec = detect_source(args.source, args.format, args.encoding, mapping)
        settings = _settings(args.database_url)
        return await verify(spec, settings, args.timezone, console, mapping)
    return await export(_settings(args.database_url), args.out, console)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    previous = signal.getsignal(signal.SIGTERM)
    try:
        return _main(args)
    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)


async def _interruptible(command: Coroutine[Any, Any, int]) -> int:
    """SIGTERM (a service manager, `kill`) stops the command as Ctrl-C does: by cancelling
    it, so every `finally` (rejects file, connections, workers) still runs."""
    task = asyncio.current_task()
    if task is not None and threading.current_thread() is threading.main_thread():
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    return await command


def _words(error: BaseException) -> str:
    """The error as a sentence: an OS error by its file and reason, without `[Errno N]`."""
    if isinstance(error, OSError) and error.strerror:
        where = error.filename if error.filename is not None else "input/output"
        return f"{where}: {error.strerror.lower()}"
    return str(error)


def _main(args: argparse.Namespace) -> int:
    console = Console()
    errors = Console(stderr=True)
    try:
        return asyncio.run(_interruptible(_dispatch(args, console)))
    except (LegacyImportError, StoreError, OSError) as error:
        code = error.code if isinstance(error, LegacyImportError) else ExitCode.FATAL
        # A usage error is the user's to fix, not a bug: its traceback would only hide it.
        if args.debug and code != ExitCode.USAGE:
            errors.print(mask_passwords(traceback.format_exc()), markup=False, highlight=False)
            if isinstance(error, PreparationError):
                errors.print(mask_passwords(error.details), markup=False, highlight=False)
        message = mask_passwords(_words(error))
        errors.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
        _error_event(args, message, code)
        return code
    except (KeyboardInterrupt, asyncio.CancelledError):
        message = "interrupted: committed batches stay; run the same command to resume"
        errors.print(message)
        _error_event(args, message, ExitCode.INTERRUPTED)
        return ExitCode.INTERRUPTED


def _error_event(args: argparse.Namespace, message: str, code: int) -> None:
    """With --log-json, the run's last word on standard output is its error."""
    if getattr(args, "log_json", False):
        JsonEvents().error(message, int(code))
