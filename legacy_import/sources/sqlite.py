"""A legacy SQLite database, read table by table in rowid order, a page at a time.

The file is copied before it is opened: opening a WAL-mode database, even read-only, writes
`-wal`/`-shm` files beside it, and an import must never touch the operator's original.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from legacy_import.records import RawRecord, estimated_size
from legacy_import.sources import SQLITE_HEADER, Part, SourceError, SourceSpec

PAGE_ROWS = 2000
# Tables SQLite or the migration tools keep for themselves: never data to import.
SYSTEM_TABLES = ("sqlite_sequence", "sqlite_stat1", "sqlite_stat4", "alembic_version")


def quote(identifier: str) -> str:
    """An identifier read from the legacy file, quoted so it can never become SQL."""
    return '"' + identifier.replace('"', '""') + '"'


class SqliteSource:
    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec
        with spec.path.open("rb") as handle:
            if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                raise SourceError(f"{spec.path} is not a SQLite database (its header is not)")
        self._copy_dir = tempfile.TemporaryDirectory(prefix="legacy_import-")
        copy = Path(self._copy_dir.name) / spec.path.name
        shutil.copyfile(spec.path, copy)
        wal = spec.path.with_name(spec.path.name + "-wal")
        if wal.exists():
            shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
        self._db = sqlite3.connect(copy)
        try:
            self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as error:
            self.close()
            raise SourceError(f"{spec.path} cannot be read as SQLite: {error}") from error

    def parts(self) -> list[Part]:
        names = [
            name
            for (name,) in self._db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
            if name not in SYSTEM_TABLES and not name.startswith("sqlite_")
        ]
        found = []
        for name in names:
            columns = tuple(
                column
                for (column,) in self._db.execute("SELECT name FROM pragma_table_info(?)", (name,))
            )
            (rows,) = self._db.execute(f"SELECT count(*) FROM {quote(name)}").fetchone()
            found.append(Part(name, name, columns, rows))
        return found

    def read(self, part: str, *, after: int) -> Iterator[RawRecord]:
        sql = (
            f"SELECT rowid AS __rowid__, * FROM {quote(part)} "
            "WHERE rowid > ? ORDER BY rowid LIMIT ?"
        )
        last = after
        while True:
            try:
                page = self._page(part, sql, last)
            except sqlite3.OperationalError as error:
                if "decode" not in str(error):
                    raise
                page = self._page_with_bad_text(sql, last, part)
            if not page:
                return
            yield from page
            last = page[-1].position

    def _page(self, part: str, sql: str, after: int) -> list[RawRecord]:
        cursor = self._db.execute(sql, (after, PAGE_ROWS))
        names = [description[0] for description in cursor.description][1:]
        records = []
        for row in cursor:
            data = dict(zip(names, row[1:], strict=True))
            records.append(
                RawRecord(part, row[0], location(part, row[0]), data, estimated_size(data))
            )
        return records

    def _page_with_bad_text(self, sql: str, after: int, part: str) -> list[RawRecord]:
        """The same page read as bytes: rows with text that is not UTF-8 say which column.

        As bytes, text and BLOBs look alike, so each value's storage class is read too: a BLOB
        stays bytes (and is refused as such), whatever its neighbours hold."""
        self._db.text_factory = bytes
        try:
            cursor = self._db.execute(sql, (after, PAGE_ROWS))
            names = [description[0] for description in cursor.description][1:]
            rows = cursor.fetchall()
        finally:
            self._db.text_factory = str
        kinds = ", ".join(f"typeof({quote(name)})" for name in names)
        blobs = {
            rowid: [kind == "blob" for kind in found]
            for rowid, *found in self._db.execute(
                f"SELECT rowid, {kinds} FROM {quote(part)} WHERE rowid > ? ORDER BY rowid LIMIT ?",
                (after, PAGE_ROWS),
            )
        }
        return [self._decoded(part, row[0], names, row[1:], blobs[row[0]]) for row in rows]

    @staticmethod
    def _decoded(
        part: str, rowid: int, names: list[str], values: tuple[Any, ...], blobs: list[bool]
    ) -> RawRecord:
        data: dict[str, Any] = {}
        problems = []
        for name, value, blob in zip(names, values, blobs, strict=True):
            if isinstance(value, bytes) and not blob:
                try:
                    value = value.decode("utf-8")
                except UnicodeDecodeError as error:
                    problems.append(
                        f"column {name!r} is not valid UTF-8 ({error.reason} at byte {error.start})"
                    )
                    value = value.decode("utf-8", "backslashreplace")
            data[name] = value
        return RawRecord(
            part,
            rowid,
            location(part, rowid),
            data,
            estimated_size(data),
            "; ".join(problems) or None,
        )

    def document_values(
        self, part: str, paths: list[tuple[str, ...]]
    ) -> dict[tuple[str, ...], Any]:
        """Mapping files check that only JSON sources are asked for document values."""
        return {}

    def notes(self) -> list[str]:
        return []

    def close(self) -> None:
        self._db.close()
        self._copy_dir.cleanup()


def location(part: str, rowid: int) -> str:
    return f"table {part} rowid {rowid}"
