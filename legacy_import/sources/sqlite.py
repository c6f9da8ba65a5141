"""A legacy SQLite database, read table by table in rowid order, a page at a time.

The file is copied before it is opened: opening a WAL-mode database, even read-only, writes
`-wal`/`-shm` files beside it, and an import must never touch the operator's original.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

from legacy_import.errors import SourceError
from legacy_import.sources.base import Part, SourceSpec
from legacy_import.sources.records import RawRecord, RowPage

PAGE_ROWS = 2000
# Tables SQLite or the migration tools keep for themselves: never data to import.
SYSTEM_TABLES = ("sqlite_sequence", "sqlite_stat1", "sqlite_stat4", "alembic_version")


SQLITE_HEADER = b"SQLite format 3\x00"


def quote(identifier: str) -> str:
    """An identifier read from the legacy file, quoted so it can never become SQL."""
    return '"' + identifier.replace('"', '""') + '"'


class SqliteSource:
    def __init__(self, spec: SourceSpec, *, copy: Path | None = None) -> None:
        """`copy`: read the copy another source of the same file made (and owns)."""
        self.spec = spec
        self._copy_dir: tempfile.TemporaryDirectory[str] | None = None
        if copy is None:
            copy = self._copied(spec.path)
        # The copy this source reads, which the columnar reader opens too.
        self.copy = copy
        self._db = sqlite3.connect(copy)
        try:
            self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as error:
            self.close()
            raise SourceError(f"{spec.path} cannot be read as SQLite: {error}") from error

    def _copied(self, path: Path) -> Path:
        with path.open("rb") as handle:
            if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                raise SourceError(f"{path} is not a SQLite database (its header is not)")
        self._copy_dir = tempfile.TemporaryDirectory(prefix="legacy_import-")
        copy = Path(self._copy_dir.name) / path.name
        shutil.copyfile(path, copy)
        wal = path.with_name(path.name + "-wal")
        if wal.exists():
            shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
        return copy

    def sibling(self) -> SqliteSource:
        """Another reader of the same copy, for another thread (SQLite connections stay in
        the thread that opened them)."""
        return SqliteSource(self.spec, copy=self.copy)

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
            columns = self._columns(name)
            (rows,) = self._db.execute(f"SELECT count(*) FROM {quote(name)}").fetchone()
            found.append(Part(name, name, columns, rows))
        return found

    def read(self, part: str, *, after: int) -> Iterator[RawRecord]:
        for page in self.pages(part, after=after):
            if isinstance(page, RowPage):
                yield from map(page.record, page.rows)
            else:
                yield from page

    def pages(
        self, part: str, *, after: int, only: Collection[int] | None = None
    ) -> Iterator[RowPage | list[RawRecord]]:
        """The part a page at a time, as plain rows; a page holding text that is not UTF-8
        comes as raw records instead, which say which column. With `only`, just the rows of
        those rowids (the rows the columnar checks flagged).

        SQLite sums each row's size: the bytes of its values as text or BLOB, plus a little
        per value (`row_size`)."""
        columns = self._columns(part)
        among = "" if only is None else " AND rowid IN (SELECT value FROM json_each(?))"
        page = f"FROM {quote(part)} WHERE rowid > ?{among} ORDER BY rowid LIMIT ?"
        sql = f"SELECT rowid, {row_size(columns)}, * {page}"
        wanted = () if only is None else (json.dumps(sorted(only)),)
        last = after
        while True:
            try:
                rows = self._db.execute(sql, (last, *wanted, PAGE_ROWS)).fetchall()
            except sqlite3.OperationalError as error:
                if "decode" not in str(error):
                    raise
                records = self._page_with_bad_text(part, columns, page, (last, *wanted))
                yield records
                last = records[-1].position
                continue
            if not rows:
                return
            yield RowPage(part, columns, rows, location)
            last = rows[-1][0]

    def _columns(self, part: str) -> tuple[str, ...]:
        return tuple(
            name for (name,) in self._db.execute("SELECT name FROM pragma_table_info(?)", (part,))
        )

    def _page_with_bad_text(
        self, part: str, columns: tuple[str, ...], page: str, where: tuple[Any, ...]
    ) -> list[RawRecord]:
        """The same page read as bytes: rows with text that is not UTF-8 say which column.

        As bytes, text and BLOBs look alike, so each value's storage class is read too: a BLOB
        stays bytes (and is refused as such), whatever its neighbours hold."""
        self._db.text_factory = bytes
        try:
            rows = self._db.execute(
                f"SELECT rowid, {row_size(columns)}, * {page}", (*where, PAGE_ROWS)
            ).fetchall()
        finally:
            self._db.text_factory = str
        kinds = ", ".join(f"typeof({quote(name)})" for name in columns)
        blobs = {
            rowid: [kind == "blob" for kind in found]
            for rowid, *found in self._db.execute(
                f"SELECT rowid, {kinds} {page}",
                (*where, PAGE_ROWS),
            )
        }
        return [self._decoded(part, columns, row, blobs[row[0]]) for row in rows]

    @staticmethod
    def _decoded(
        part: str, columns: tuple[str, ...], row: tuple[Any, ...], blobs: list[bool]
    ) -> RawRecord:
        """`row` is `(rowid, size, *values)`, as a `RowPage` holds it."""
        data: dict[str, Any] = {}
        problems = []
        for name, value, blob in zip(columns, row[2:], blobs, strict=True):
            if isinstance(value, bytes) and not blob:
                try:
                    value = value.decode("utf-8")
                except UnicodeDecodeError as error:
                    problems.append(
                        f"column {name!r} is not valid UTF-8 ({error.reason} at byte {error.start})"
                    )
                    value = value.decode("utf-8", "backslashreplace")
            data[name] = value
        rowid = row[0]
        return RawRecord(
            part, rowid, location(part, rowid), data, row[1], "; ".join(problems) or None
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
        if self._copy_dir is not None:
            self._copy_dir.cleanup()


def row_size(columns: tuple[str, ...]) -> str:
    """SQL for a row's size as batches count it: its values' bytes as text or BLOB, plus a
    little per value. Counting numbers by their digits costs SQLite less than telling them
    apart."""
    lengths = "".join(f" + ifnull(length(CAST({quote(name)} AS BLOB)), 0)" for name in columns)
    return f"{16 * len(columns) + 16}{lengths}"


def location(part: str, rowid: int) -> str:
    return f"table {part} rowid {rowid}"
