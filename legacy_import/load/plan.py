"""The decisions about one batch, as plain data: which records are new, which are already
present, which are rejected and why, which id each new row gets, where references point.

The loader asks the database the questions; this module keeps the answers. Pure logic.

Values are kept by column, not by row: at a million rows, checking a key or remapping a
reference is then one pass in C over a column, and the rows to write are one `zip`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from itertools import compress
from typing import Any

from legacy_import.mapping.targets import Target
from legacy_import.prepare.batches import Batch

NEW = ""
EXISTING = "existing"
REMEMBERED = "existing, remembered"


def _as_time(value: Any) -> Any:
    """A time a preparer left as Unix seconds (`mapping.telegram_messages`), as a datetime."""
    return datetime.fromtimestamp(value, UTC) if value.__class__ is int else value


class Plan:
    def __init__(self, batch: Batch, target: Target) -> None:
        self.batch = batch
        self.target = target
        self.columns = list(target.columns)
        count = len(batch.rows)
        self.values: list[list[Any]] = (
            [list(column) for column in zip(*batch.rows, strict=True)]
            if count
            else [[] for _ in self.columns]
        )
        for index, column in enumerate(self.columns):
            if count and target.conversions[column] == "timestamp":
                self.values[index] = [_as_time(value) for value in self.values[index]]
        self.legacy_ids = batch.legacy_ids
        self.positions = batch.positions
        self.locations = batch.locations
        # NEW, EXISTING, REMEMBERED, or the reason the record is rejected.
        self.status = [NEW] * count
        self._settled = 0
        self.ids: list[int | None] = [None] * count
        self.written: set[int] = set()

    def column(self, name: str) -> list[Any]:
        return self.values[self.columns.index(name)]

    def _settle(self, i: int, status: str) -> None:
        if self.status[i] == NEW:
            self._settled += 1
        self.status[i] = status

    def pending(self) -> list[int]:
        if not self._settled:
            return list(range(len(self.status)))
        return [i for i, status in enumerate(self.status) if status == NEW]

    def pending_values(self, name: str) -> set[Any]:
        """The distinct values of a column over the records still to be written."""
        column = self.column(name)
        if not self._settled:
            return set(column)
        return {column[i] for i in self.pending()}

    def pending_legacy_ids(self) -> list[int]:
        return [v for i in self.pending() if (v := self.legacy_ids[i]) is not None]

    def mark_duplicates(self) -> None:
        """A legacy id or natural key seen twice in one batch: the later record is rejected."""
        if self.target.mapped:
            self._reject_repeated(["id"], [(legacy,) for legacy in self.legacy_ids])
        key = self.target.natural_key
        if key:
            keys = list(zip(*(self.column(name) for name in key), strict=True))
            self._reject_repeated(key, keys)

    def _reject_repeated(
        self, names: list[str] | tuple[str, ...], keys: list[tuple[Any, ...]]
    ) -> None:
        """`keys[i]` is record i's key; a key holding a null repeats nothing."""
        if not self._settled and len(set(keys)) == len(keys):
            return
        first: dict[tuple[Any, ...], int] = {}
        for i in self.pending():
            value = keys[i]
            if None in value:
                continue
            if value in first:
                shown = ", ".join(f"{c}={v!r}" for c, v in zip(names, value, strict=True))
                self._settle(i, f"duplicate of {self.locations[first[value]]} ({shown})")
            else:
                first[value] = i

    def mark_existing(self, lookup: Callable[[int], int | None], *, remember: bool = False) -> None:
        """Records whose row is already in the store; `remember` records the legacy id's row."""
        for i in self.pending():
            found = lookup(i)
            if found is not None:
                self._settle(i, REMEMBERED if remember else EXISTING)
                self.ids[i] = found

    def assign_ids(self, keep: bool, taken: set[int], largest: int) -> None:
        for i in self.pending():
            legacy = self.legacy_ids[i]
            if keep and legacy is not None and legacy > 0 and legacy not in taken:
                self.ids[i] = legacy
                taken.add(legacy)
            else:
                largest += 1
                self.ids[i] = largest

    def local_ids(self) -> dict[int, int]:
        """Legacy id → new id of this batch's rows, for references inside one table."""
        found: dict[int, int] = {}
        for i in self.pending():
            legacy, new = self.legacy_ids[i], self.ids[i]
            if legacy is not None and new is not None:
                found[legacy] = new
        return found

    def remap(
        self,
        name: str,
        resolved: dict[int, int],
        missing: Callable[[Any], str],
        local: frozenset[int] = frozenset(),
    ) -> None:
        """References → store ids, rejecting rows whose reference resolves to nothing, with
        the reason `missing` gives for the reference value.

        `local` are legacy ids of this batch's own rows: a row pointing at one of them that is
        rejected (now, or down a chain of such rows) is rejected too, or it would be written
        pointing at a row that never is."""
        index = self.columns.index(name)
        values = self.values[index]
        if not local and self.pending_values(name) - {None} <= resolved.keys():
            # Every reference resolves: one pass (records already settled are not written).
            get = resolved.get
            self.values[index] = [get(value, value) for value in values]
            return
        pointed: dict[int, int] = {}
        for i in self.pending():
            value = values[i]
            if value is None:
                continue
            if value in resolved:
                values[i] = resolved[value]
                if value in local:
                    pointed[i] = value
            else:
                self._settle(i, f"{name}: {missing(value)}")
        while pointed:
            gone = {self.legacy_ids[j] for j in self.problems()}
            orphans = [i for i, value in pointed.items() if value in gone]
            if not orphans:
                return
            for i in orphans:
                self._settle(i, f"{name}: {missing(pointed.pop(i))}")

    def rows_to_write(self) -> tuple[list[str], list[tuple[Any, ...]]]:
        columns = ["id", *self.columns] if self.target.has_id else self.columns
        values = [self.ids, *self.values] if self.target.has_id else self.values
        rows = zip(*values, strict=True)
        if not self._settled:
            return columns, list(rows)
        return columns, list(compress(rows, [status == NEW for status in self.status]))

    def mark_conflicts(self, inserted: set[int]) -> None:
        """New rows the database skipped: they clash with a row on another unique key."""
        for i in self.pending():
            if self.ids[i] in inserted:
                self.written.add(i)
            else:
                self._settle(i, "conflicts with an existing row on a unique key")

    def problems(self) -> dict[int, str]:
        return {
            i: status
            for i, status in enumerate(self.status)
            if status not in (NEW, EXISTING, REMEMBERED)
        }

    def existing(self, inserted: int) -> int:
        known = sum(1 for status in self.status if status in (EXISTING, REMEMBERED))
        if self.target.mapped:
            return known
        return known + len(self.pending()) - inserted

    def new_keys(self) -> list[tuple[int, int]]:
        """(legacy id, store id) pairs to remember for this batch."""
        if not self.target.mapped:
            return []
        pairs = []
        for i, status in enumerate(self.status):
            legacy, new = self.legacy_ids[i], self.ids[i]
            if legacy is None or new is None:
                continue
            if status == REMEMBERED or (status == NEW and i in self.written):
                pairs.append((legacy, new))
        return pairs
