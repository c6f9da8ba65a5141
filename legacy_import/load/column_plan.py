"""The decisions about a batch's Arrow rows, for the one case that needs none row by row:
every row new, its legacy id kept as its store id, every reference resolved.

Whether a batch is that case is asked here, a column at a time; the loader asks the database
the rest (ids taken, rows known, references). Anything else (a repeated key, a null id, a
taken id, a reference to nothing) sends the batch down the row path, which decides row by
row with today's wording: this plan only ever writes what that path would write. Pure logic.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from legacy_import.mapping.targets import Target
from legacy_import.prepare.batches import Batch
from legacy_import.prepare.column_rules import arrow_type_of
from legacy_import.prepare.columnar_checks import LEGACY_ID


class ColumnPlan:
    def __init__(self, batch: Batch, target: Target, *, keep_ids: bool) -> None:
        assert batch.columns is not None
        self.rows = batch.columns.rows
        self.target = target
        self._keep_ids = keep_ids
        self._columns: dict[str, pa.Array] = {
            name: self.rows.column(name) for name in target.columns
        }
        names = self.rows.schema.names
        self._legacy = self.rows.column(LEGACY_ID) if LEGACY_ID in names else None

    def is_plain(self) -> bool:
        """Whether nothing in the batch itself needs a row-by-row decision: legacy ids (kept
        as store ids) present, positive and distinct; natural keys complete and distinct;
        a reference to the batch's own rows is the loader's to resolve."""
        target = self.target
        if target.has_id or target.mapped:
            legacy = self._legacy
            if not self._keep_ids or legacy is None or legacy.null_count:
                return False
            if len(legacy) and pc.min(legacy).as_py() <= 0:
                return False
            if pc.count_distinct(legacy).as_py() != len(legacy):
                return False
        key = target.natural_key
        if key:
            columns = [self._columns[name] for name in key]
            if any(column.null_count for column in columns):
                return False
            if len(key) == 1:
                distinct = pc.count_distinct(columns[0]).as_py()
            else:
                table = pa.table(columns, names=list(key))
                distinct = table.group_by(list(key)).aggregate([]).num_rows
            if distinct != len(self.rows):
                return False
        return True

    def legacy_ids(self) -> list[int]:
        return [] if self._legacy is None else self._legacy.to_pylist()

    def own_ids(self) -> set[int]:
        """The batch's legacy ids: the store ids its rows get."""
        return set(self.legacy_ids())

    def distinct(self, name: str) -> list[Any]:
        """The distinct non-null values of a column."""
        return pc.unique(self._columns[name]).drop_null().to_pylist()  # type: ignore[no-any-return]

    def remap(self, name: str, resolved: dict[Any, int]) -> None:
        """References → store ids; every non-null value must be in `resolved`."""
        column = self._columns[name]
        keys = pa.array(list(resolved), column.type)
        ids = pa.array(list(resolved.values()), column.type)
        self._columns[name] = pc.take(ids, pc.index_in(column, value_set=keys))

    def to_write(self) -> pa.RecordBatch:
        """The rows as the table's columns, each legacy id as its store id."""
        names = list(self.target.columns)
        arrays = [self._columns[name] for name in names]
        if self.target.has_id:
            assert self._legacy is not None
            names = ["id", *names]
            arrays = [self._legacy.cast(arrow_type_of(self.target.table.c.id)), *arrays]
        return pa.RecordBatch.from_arrays(arrays, names=names)

    def new_keys(self) -> list[tuple[int, int]]:
        """(legacy id, store id) pairs to remember: each row keeps its legacy id."""
        if not self.target.mapped:
            return []
        legacy = self.legacy_ids()
        return list(zip(legacy, legacy, strict=True))
