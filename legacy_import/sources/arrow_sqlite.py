"""A legacy SQLite table read as Arrow record batches, each value guarded by its storage class.

SQLite is dynamically typed and the ADBC driver is not: it fixes a column's Arrow type from
the first rows and fails on a later value of another storage class (text in an INTEGER column,
a BLOB in TEXT). So every column is read through `CASE WHEN typeof(c) ... THEN c END`, and
SQLite counts per row the values whose storage class is not the expected one: a row with a
count above zero is one the columnar checks must send to the exact (mapper + pydantic) path,
which re-reads it by its position. A typed anchor row goes first, so a first batch of NULLs
cannot fix a column's type as null; it is dropped before a batch leaves this module.

Text that is not valid UTF-8 reaches Arrow as is: the string array then fails
`validate(full=True)`, which the checks find on that rare path only.

The file given must be one the import may open (the copy a `SqliteSource` makes): it is
opened read-only, but SQLite may still write `-shm` files beside a WAL database.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import quote as url_quote

from legacy_import.sources import SourceError
from legacy_import.sources.sqlite import quote

try:
    import adbc_driver_sqlite.dbapi as adbc_sqlite
    import pyarrow as pa
except ImportError as error:  # the columnar path is part of the import, never optional
    raise ImportError(
        f"the columnar import needs {error.name}: pip install 'pyarrow>=17' "
        "'adbc-driver-sqlite>=1.0' (both are dependencies of sqlmodel-store)"
    ) from error

# How a column is read: its values of this SQLite storage class pass, others count as
# mismatches. `real` also passes integers that a float holds exactly (|n| <= 2**53), as
# REAL affinity would have stored them, so 3 and 3.0 both arrive as 3.0.
Storage = Literal["integer", "real", "text"]
POSITION = "__position"
MISMATCHES = "__mismatches"
BATCH_ROWS = 32_768
_EXACT_FLOAT = 2**53
_ANCHORS: dict[Storage, str] = {"integer": "0", "real": "0.0", "text": "''"}


@dataclass(frozen=True, slots=True)
class ColumnRead:
    """One column to read, and the storage class its values must have."""

    name: str
    storage: Storage


def _guarded(column: ColumnRead) -> tuple[str, str]:
    """The column's guarded value, and the SQL that is 1 when its value is a mismatch."""
    name = quote(column.name)
    kind = f"typeof({name})"
    if column.storage == "real":
        passes = f"({kind} = 'real' OR ({kind} = 'integer' AND abs({name}) <= {_EXACT_FLOAT}))"
        value = f"CAST({name} AS REAL)"
    else:
        passes = f"{kind} = '{column.storage}'"
        value = name
    return f"CASE WHEN {passes} THEN {value} END", f"({kind} <> 'null' AND NOT {passes})"


def batches_sql(table: str, columns: Sequence[ColumnRead], after: int) -> str:
    """The query: the anchor row, then the table's rows after `after` in rowid order."""
    anchor = ", ".join(
        ["NULL", "0", *(f"{_ANCHORS[c.storage]} AS {quote(c.name)}" for c in columns)]
    )
    guarded = [_guarded(column) for column in columns]
    values = "".join(f", {value}" for value, _ in guarded)
    mismatches = " + ".join(check for _, check in guarded) or "0"
    rows = (
        f"SELECT rowid, {mismatches}{values} FROM {quote(table)} "
        f"WHERE rowid > {int(after)} ORDER BY rowid"
    )
    return f"SELECT * FROM (SELECT {anchor}) UNION ALL SELECT * FROM ({rows})"


class ArrowSqliteTable:
    """Reads one table of a SQLite file as record batches of `POSITION` (the rowid, by which
    a flagged row is re-read exactly), `MISMATCHES` (values of another storage class in that
    row) and the requested columns; a column the table lacks is left out of the batches."""

    def __init__(self, path: Path, table: str, columns: Sequence[ColumnRead]) -> None:
        self._uri = f"file:{url_quote(str(path.resolve()))}?mode=ro"
        self._table = table
        self._connection = adbc_sqlite.connect(self._uri)
        present = set(self._column_names())
        if not present:
            self.close()
            raise SourceError(f"{path} has no table {table!r}")
        self.columns = tuple(column for column in columns if column.name in present)
        names = [POSITION, MISMATCHES, *(column.name for column in self.columns)]
        self._names = names

    def _column_names(self) -> list[str]:
        cursor = self._connection.cursor()
        try:
            literal = self._table.replace("'", "''")
            cursor.execute(f"SELECT name FROM pragma_table_info('{literal}')")
            return [str(name) for (name,) in cursor.fetchall()]
        finally:
            cursor.close()

    def batches(self, *, after: int = 0, rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
        """The rows after rowid `after`, at most `rows` a batch."""
        cursor = self._connection.cursor()
        try:
            cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(rows)})
            cursor.execute(batches_sql(self._table, self.columns, after))
            first = True
            for batch in cursor.fetch_record_batch():
                if first:
                    if batch.num_rows == 0 or batch.column(0)[0].is_valid:
                        raise SourceError("SQLite did not return the anchor row first")
                    batch, first = batch.slice(1), False
                if batch.num_rows:
                    yield pa.RecordBatch.from_arrays(batch.columns, names=self._names)
        finally:
            cursor.close()

    def close(self) -> None:
        self._connection.close()
