"""`python -m sqlmodel_store`: migrate, check and probe the database named by DATABASE_URL."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import NoReturn

from alembic.util.exc import CommandError
from pydantic import ValidationError
from pydantic_settings import SettingsError
from sqlalchemy import func, inspect, select, table

from sqlmodel_store.db_errors import in_words
from sqlmodel_store.errors import StoreError
from sqlmodel_store.health import ReplicaStatus
from sqlmodel_store.migrations import head
from sqlmodel_store.partitioning import DEFAULT_PARTITIONS, partition_messages
from sqlmodel_store.settings import StoreSettings, mask_passwords, settings_error
from sqlmodel_store.store import Store

EXIT_OK, EXIT_NOT_AT_HEAD, EXIT_USAGE, EXIT_FATAL = 0, 1, 2, 3
LIST_SETTINGS = 'DATABASE_READ_URLS is a JSON list, e.g. ["postgresql://bot@replica1/bot"]'

DESCRIPTION = """\
Manage the store's database. The database comes from DATABASE_URL (or --database-url);
without it, the embedded SQLite file ./store.db is used.

exit codes: 0 success, 1 not at head (check) or not "ok" (health: a replica down or
            lagging makes it "degraded"),
            2 usage error, 3 database unreachable or a migration failed
"""


class _Parser(argparse.ArgumentParser):
    """argparse repeats bad arguments in its errors: mask any password in them."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {mask_passwords(message)}\n")


def _parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument(
        "--database-url",
        default=argparse.SUPPRESS,
        help="database URL; overrides DATABASE_URL (the password is never shown)",
    )
    parser = _Parser(
        prog="python -m sqlmodel_store",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help, description=help, parents=[common])

    command("upgrade", "migrate the schema to the newest revision (head)")
    down = command("downgrade", "migrate the schema down to REV")
    down.add_argument("revision", metavar="REV", help="target revision; `base` removes all tables")
    down.add_argument(
        "--yes", action="store_true", help="drop tables that hold rows without asking (base)"
    )
    command("current", "print the revision the database is at")
    command("check", "exit 0 when the database is at head, 1 when behind, ahead or empty")
    health = command("health", "check the connection, the revision and the pool")
    health.add_argument("--json", action="store_true", help="print the report as JSON")
    split = command(
        "partition-messages",
        "rebuild messages as hash partitions by chat_id (PostgreSQL; rows and ids kept)",
    )
    split.add_argument(
        "--partitions", type=int, default=DEFAULT_PARTITIONS, help="how many (default: 8)"
    )
    return parser


async def _upgrade(store: Store, _: argparse.Namespace) -> int:
    before = await store.revision()
    await store.upgrade()
    print(f"upgraded {store.settings.safe_url}: {before or 'empty'} -> {head()}")
    return EXIT_OK


async def _rows_held(store: Store) -> int:
    """Rows in the store's tables: what `downgrade base` would drop."""
    async with store.engine.connect() as connection:
        names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        counts = [
            await connection.scalar(select(func.count()).select_from(table(name)))
            for name in names
            if name != "alembic_version"
        ]
    return sum(count or 0 for count in counts)


def _confirmed(question: str) -> bool:
    """Ask at a terminal; a script that did not pass --yes has not confirmed."""
    if not sys.stdin.isatty():
        return False
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


async def _downgrade(store: Store, args: argparse.Namespace) -> int:
    if args.revision == "base" and not args.yes:
        rows = await _rows_held(store)
        question = (
            f"downgrade base drops every table of {store.settings.safe_url}, with {rows:,} rows"
        )
        if rows and not _confirmed(question + "; go on?"):
            print(f"error: {question}; pass --yes to confirm", file=sys.stderr)
            return EXIT_USAGE
    try:
        await store.downgrade(args.revision)
    except CommandError as error:
        print(
            f"error: {error}; `python -m sqlmodel_store current` shows where it is", file=sys.stderr
        )
        return EXIT_USAGE
    print(f"downgraded {store.settings.safe_url} to {await store.revision() or 'base (empty)'}")
    return EXIT_OK


async def _current(store: Store, _: argparse.Namespace) -> int:
    print(await store.revision() or "none (no schema yet)")
    return EXIT_OK


async def _check(store: Store, _: argparse.Namespace) -> int:
    revision = await store.revision()
    if revision == head():
        print(f"ok: at head {revision}")
        return EXIT_OK
    print(
        f"not at head: database at {revision or 'none (empty)'}, code expects {head()}; "
        "run `python -m sqlmodel_store upgrade`",
        file=sys.stderr,
    )
    return EXIT_NOT_AT_HEAD


def _replica_line(replica: ReplicaStatus) -> str:
    if replica.error:
        return f"replica {replica.status}: {replica.url}: {mask_passwords(replica.error)}"
    lag_bytes = "?" if replica.lag_bytes is None else f"{replica.lag_bytes}"
    return f"replica {replica.status}: {replica.url} lag {lag_bytes} bytes, {replica.lag_s} s"


async def _health(store: Store, args: argparse.Namespace) -> int:
    """Figures only for a database that answered: a dead server has no latency or pool.
    0: ok and at head; 1: not at head, or a replica down or lagging; 3: no answer."""
    report = await store.health()
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    if report.status == "error":
        reason = in_words(report.error or "no answer")
        print(f"error: {report.database}: {reason}", file=sys.stderr)
        return EXIT_FATAL
    if not args.json:
        pool = report.pool
        pool_text = (
            f"pool {pool.checked_out} in use / {pool.size} (+{pool.overflow} overflow)"
            if pool
            else "pool n/a"
        )
        state = report.status if report.at_head else "not at head"
        print(
            f"{state}: {report.database} latency {report.latency_ms:.1f} ms, "
            f"revision {report.revision or 'none'} (head {report.head}), {pool_text}"
        )
        for replica in report.replicas:
            print(_replica_line(replica))
    if not report.at_head:
        print(
            f"not at head: database at {report.revision or 'none (empty)'}, code expects "
            f"{report.head}; run `python -m sqlmodel_store upgrade`",
            file=sys.stderr,
        )
        return EXIT_NOT_AT_HEAD
    return EXIT_OK if report.status == "ok" else EXIT_NOT_AT_HEAD


async def _partition_messages(store: Store, args: argparse.Namespace) -> int:
    await partition_messages(store.engine, args.partitions)
    print(f"partitioned messages of {store.settings.safe_url} into {args.partitions} by chat_id")
    return EXIT_OK


COMMANDS: dict[str, Callable[[Store, argparse.Namespace], Awaitable[int]]] = {
    "upgrade": _upgrade,
    "downgrade": _downgrade,
    "current": _current,
    "check": _check,
    "health": _health,
    "partition-messages": _partition_messages,
}


# Commands that only read: on a SQLite file that is not there they answer for an empty
# database without opening it (opening would create the file).
READING = ("current", "check", "health")


def _missing_store(settings: StoreSettings, command: str) -> int | None:
    """The answer of a command that only reads when its SQLite file is not there: that of
    an empty database, given without creating the file."""
    path = settings.url.database if settings.is_sqlite else None
    if command not in READING or path in (None, "", ":memory:") or Path(path).exists():
        return None
    if command == "current":
        print("none (no schema yet)")
        return EXIT_OK
    print(
        f"not at head: there is no SQLite store at {path} yet, code expects {head()}; "
        "run `python -m sqlmodel_store upgrade` to create it",
        file=sys.stderr,
    )
    return EXIT_NOT_AT_HEAD


async def _run(settings: StoreSettings, args: argparse.Namespace) -> int:
    async with Store(settings) as store:
        return await COMMANDS[args.command](store, args)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        url = getattr(args, "database_url", None)
        overrides = {"database_url": url} if url else {}
        settings = StoreSettings(**overrides)
    except ValidationError as error:
        option = "--database-url" if getattr(args, "database_url", None) else None
        print(f"error: {settings_error(error, option)}", file=sys.stderr)
        return EXIT_USAGE
    except SettingsError as error:  # a list setting that is not JSON
        print(f"error: invalid settings: {error}; {LIST_SETTINGS}", file=sys.stderr)
        return EXIT_USAGE
    missing = _missing_store(settings, args.command)
    if missing is not None:
        return missing
    try:
        return asyncio.run(_run(settings, args))
    except StoreError as error:
        print(f"error: {mask_passwords(str(error))}", file=sys.stderr)
        return EXIT_FATAL
    except Exception as error:  # an alembic failure: one line, never a traceback
        print(f"error: {type(error).__name__}: {mask_passwords(str(error))}", file=sys.stderr)
        return EXIT_FATAL
