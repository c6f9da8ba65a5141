"""The decisions about one batch, as plain data: which records are new, which are already
present, which are rejected and why, which id each new row gets, where references point.

The loader asks the database the questions; this module keeps the answers. Pure logic.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any

from legacy_import.batches import Batch
from legacy_import.targets import Target

NEW = ""
EXISTING = "existing"
REMEMBERED = "existing, remembered"


class Plan:
    def __init__(self, batch: Batch, target: Target) -> None:
        self.batch = batch
        self.target = target
        self.columns = list(target.columns)
        self.rows: list[list[Any]] = [list(row) for row in batch.rows]
        self.legacy_ids = batch.legacy_ids
        self.positions = batch.positions
        self.locations = batch.locations
        # NEW, EXISTING, REMEMBERED, or the reason the record is rejected.
        self.status = [NEW] * len(self.rows)
        self.ids: list[int | None] = [None] * len(self.rows)
        self.written: set[int] = set()

    def pending(self) -> list[int]:
        return [i for i, status in enumerate(self.status) if status == NEW]

    def pending_legacy_ids(self) -> list[int]:
        return [v for i in self.pending() if (v := self.legacy_ids[i]) is not None]

    def mark_duplicates(self) -> None:
        """A legacy id or natural key seen twice in one batch: the later record is rejected."""
        if self.target.mapped:
            legacy_ids = self.legacy_ids
            self._reject_repeated(["id"], lambda i: (legacy_ids[i],))
        key = self.target.natural_key
        if key:
            rows = self.rows
            if len(key) == 1:
                index = self.columns.index(key[0])
                self._reject_repeated(key, lambda i: (rows[i][index],))
            else:
                # itemgetter of several indexes gives the tuple, at C speed (hot at a million).
                of_row = itemgetter(*(self.columns.index(column) for column in key))
                self._reject_repeated(key, lambda i: of_row(rows[i]))

    def _reject_repeated(
        self, names: list[str] | tuple[str, ...], key_of: Callable[[int], tuple[Any, ...]]
    ) -> None:
        first: dict[tuple[Any, ...], int] = {}
        for i in self.pending():
            value = key_of(i)
            if None in value:
                continue
            if value in first:
                shown = ", ".join(f"{c}={v!r}" for c, v in zip(names, value, strict=True))
                self.status[i] = f"duplicate of {self.locations[first[value]]} ({shown})"
            else:
                first[value] = i

    def mark_existing(self, lookup: Callable[[int], int | None], *, remember: bool = False) -> None:
        """Records whose row is already in the store; `remember` records the legacy id's row."""
        for i in self.pending():
            found = lookup(i)
            if found is not None:
                self.status[i] = REMEMBERED if remember else EXISTING
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
        index: int,
        resolved: dict[int, int],
        column: str,
        missing: Callable[[Any], str],
        local: frozenset[int] = frozenset(),
    ) -> None:
        """References → store ids, rejecting rows whose reference resolves to nothing, with
        the reason `missing` gives for the reference value.

        `local` are legacy ids of this batch's own rows: a row pointing at one of them that is
        rejected (now, or down a chain of such rows) is rejected too, or it would be written
        pointing at a row that never is."""
        pointed: dict[int, int] = {}
        for i in self.pending():
            value = self.rows[i][index]
            if value is None:
                continue
            if value in resolved:
                self.rows[i][index] = resolved[value]
                if value in local:
                    pointed[i] = value
            else:
                self.status[i] = f"{column}: {missing(value)}"
        while pointed:
            gone = {self.legacy_ids[j] for j in self.problems()}
            orphans = [i for i, value in pointed.items() if value in gone]
            if not orphans:
                return
            for i in orphans:
                self.status[i] = f"{column}: {missing(pointed.pop(i))}"

    def rows_to_write(self) -> tuple[list[str], list[tuple[Any, ...]]]:
        pending, rows = self.pending(), self.rows
        if self.target.has_id:
            ids = self.ids
            return ["id", *self.columns], [(ids[i], *rows[i]) for i in pending]
        return self.columns, [tuple(rows[i]) for i in pending]

    def mark_conflicts(self, inserted: set[int]) -> None:
        """New rows the database skipped: they clash with a row on another unique key."""
        for i in self.pending():
            if self.ids[i] in inserted:
                self.written.add(i)
            else:
                self.status[i] = "conflicts with an existing row on a unique key"

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
