"""A legacy SQLite table read as Arrow record batches, each value guarded by its storage class.

SQLite is dynamically typed and the ADBC driver is not: it fixes a column's Arrow type from
the first rows and fails on a later value of another storage class (text in an INTEGER column,
a BLOB in TEXT). So every column is read through `CASE WHEN typeof(c) ... THEN c END`, with
a mask per row of the values stored as NULL: a value NULL once guarded but not as stored is
a mismatch, and a row with a count of them above zero is one the columnar checks must send
to the exact (mapper + pydantic) path, which re-reads it by its position. A typed anchor row
goes first, so a first batch of NULLs cannot fix a column's type as null; it is dropped
before a batch leaves this module.

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

from legacy_import.errors import SourceError
from legacy_import.sources.sqlite import quote, row_size

try:
    import adbc_driver_sqlite.dbapi as adbc_sqlite
    import pyarrow as pa
    import pyarrow.compute as pc
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
SIZE = "__size"
BATCH_ROWS = 32_768
_EXACT_FLOAT = 2**53
# Null masks are 64-bit integers: a table with more columns gets one mask per 62.
_MASK_BITS = 62
_ANCHORS: dict[Storage, str] = {"integer": "0", "real": "0.0", "text": "''"}


@dataclass(frozen=True, slots=True)
class ColumnRead:
    """One column to read, and the storage class its values must have."""

    name: str
    storage: Storage


def _guarded(column: ColumnRead) -> str:
    """The column's value if its storage class is the expected one, else NULL."""
    name = quote(column.name)
    kind = f"typeof({name})"
    if column.storage == "real":
        passes = f"{kind} = 'real' OR ({kind} = 'integer' AND abs({name}) <= {_EXACT_FLOAT})"
        return f"CASE WHEN {passes} THEN CAST({name} AS REAL) END"
    return f"CASE WHEN {kind} = '{column.storage}' THEN {name} END"


def _groups(columns: Sequence[ColumnRead]) -> list[Sequence[ColumnRead]]:
    return [columns[start : start + _MASK_BITS] for start in range(0, len(columns), _MASK_BITS)]


def batches_sql(
    table: str, columns: Sequence[ColumnRead], after: int, every: Sequence[str] = ()
) -> str:
    """The query: the anchor row, then the table's rows after `after` in rowid order, each
    with its size as the row reader counts it (over `every` column of the table), its null
    masks (bit i: column i of the group is NULL as stored) and guarded values.

    A value is a mismatch when it is not NULL as stored but NULL once guarded; comparing
    the masks in Arrow costs SQLite one `IS NULL` per value instead of two more `typeof()`."""
    groups = _groups(columns)
    anchor = ", ".join(
        [
            "NULL",
            f"0 AS {quote(SIZE)}",
            *(f"0 AS {quote(_mask(number))}" for number in range(len(groups))),
            *(f"{_ANCHORS[c.storage]} AS {quote(c.name)}" for c in columns),
        ]
    )
    masks = "".join(
        ", " + " | ".join(f"(({quote(c.name)} IS NULL) << {bit})" for bit, c in enumerate(group))
        for group in groups
    )
    values = "".join(f", {_guarded(column)}" for column in columns)
    rows = (
        f"SELECT rowid, {row_size(tuple(every))}{masks}{values} FROM {quote(table)} "
        f"WHERE rowid > {int(after)} ORDER BY rowid"
    )
    return f"SELECT * FROM (SELECT {anchor}) UNION ALL SELECT * FROM ({rows})"


def _mask(number: int) -> str:
    return f"__nulls_{number}"


def mismatches(batch: pa.RecordBatch, columns: Sequence[ColumnRead]) -> pa.Array:
    """Per row, the values NULL after their guard that were not NULL as stored."""
    counts = pa.repeat(pa.scalar(0, pa.int64()), batch.num_rows)
    for number, group in enumerate(_groups(columns)):
        stored = batch.column(_mask(number))
        for bit, column in enumerate(group):
            present = pc.equal(pc.bit_wise_and(stored, pa.scalar(1 << bit, pa.int64())), 0)
            mismatch = pc.and_(present, pc.is_null(batch.column(column.name)))
            counts = pc.add(counts, mismatch.cast(pa.int64()))
    return counts


class ArrowSqliteTable:
    """Reads one table of a SQLite file as record batches of `POSITION` (the rowid, by which
    a flagged row is re-read exactly), `SIZE` (its size as batches count it), `MISMATCHES`
    (values of another storage class in that row) and the requested columns; a column the
    table lacks is left out of the batches."""

    def __init__(self, path: Path, table: str, columns: Sequence[ColumnRead]) -> None:
        self._uri = f"file:{url_quote(str(path.resolve()))}?mode=ro"
        self._table = table
        self._connection = adbc_sqlite.connect(self._uri)
        self._every = self._column_names()
        present = set(self._every)
        if not present:
            self.close()
            raise SourceError(f"{path} has no table {table!r}")
        self.columns = tuple(column for column in columns if column.name in present)
        self._names = [POSITION, SIZE, MISMATCHES, *(column.name for column in self.columns)]

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
            cursor.execute(batches_sql(self._table, self.columns, after, self._every))
            first = True
            for batch in cursor.fetch_record_batch():
                if first:
                    if batch.num_rows == 0 or batch.column(0)[0].is_valid:
                        raise SourceError("SQLite did not return the anchor row first")
                    batch, first = batch.slice(1), False
                if batch.num_rows:
                    yield self._counted(batch)
        finally:
            cursor.close()

    def _counted(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        values = [batch.column(column.name) for column in self.columns]
        found = [batch.column(0), batch.column(1), mismatches(batch, self.columns), *values]
        return pa.RecordBatch.from_arrays(found, names=self._names)

    def close(self) -> None:
        self._connection.close()
