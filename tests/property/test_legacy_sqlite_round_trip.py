"""Properties of the legacy SQLite import, on SQLite and PostgreSQL: rows written in the bot's
legacy layout the way the old bot wrote them read back equal after `run`; and an import stopped
after any batch, then run again, ends exactly as one clean run."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any
from unittest.mock import patch

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from legacy_import.load.loader import Loader
from legacy_import.mapping.targets import SCHEMAS, targets
from sqlmodel_store import Store, StoreSettings
from tests.legacy.helpers import export_tables
from tests.property.legacy_sqlite import Key, LegacyFile, row_key
from tests.property.store_data import WHOLE_IMPORTS, add, emptied, imported

TABLE_LISTS = st.lists(st.sampled_from(sorted(SCHEMAS)), min_size=1, max_size=6)
# Small batches, so that a few generated rows make several batches to stop between.
BATCH = ("--batch-size", "2")


async def _generate(legacy: LegacyFile, tables: list[str], data: st.DataObject) -> None:
    made: dict[str, Any] = {"ids": {}, "keys": set()}
    for table in tables:
        await add(legacy.put, table, data, made=made)


def _legacy_file(directory: Path, tables: list[str], data: st.DataObject) -> LegacyFile:
    legacy = LegacyFile(directory / "legacy.db")
    try:
        asyncio.run(_generate(legacy, tables, data))
    finally:
        legacy.close()
    return legacy


async def _read_back(url: str, written: dict[str, dict[Key, dict[str, Any]]]) -> dict[str, Any]:
    """Every row of each table, as its schema validates it, keyed like `written` and limited
    to the fields the legacy file had."""
    found: dict[str, dict[Key, dict[str, Any]]] = {}
    async with Store(StoreSettings(database_url=url)) as store, store.engine.connect() as conn:
        for table, rows in written.items():
            result = await conn.execute(select(targets()[table].table))
            fields = {name for row in rows.values() for name in row}
            found[table] = {}
            for row in result.mappings():
                values = SCHEMAS[table].model_validate(dict(row)).model_dump()
                key = row_key(table, values, row.get("id"))
                found[table][key] = {name: values[name] for name in values if name in fields}
    return found


@WHOLE_IMPORTS
@given(tables=TABLE_LISTS, data=st.data())
def test_rows_written_in_the_legacy_sqlite_layout_read_back_equal(
    store_url: str, tables: list[str], data: st.DataObject
) -> None:
    emptied(store_url)
    with TemporaryDirectory() as scratch:
        legacy = _legacy_file(Path(scratch), tables, data)
        assert imported(legacy.path, store_url) == 0
    assert asyncio.run(_read_back(store_url, legacy.written)) == legacy.written


class _Stopped(KeyboardInterrupt):
    """What an operator's Ctrl-C raises, here after a chosen number of committed steps."""


@contextmanager
def _stopping_after(steps: int | None) -> Iterator[list[int]]:
    """Count the import's committed steps (each batch, and each part marked finished) and,
    given a number, stop the import right after that many."""
    done = [0]
    load, finish = Loader.load, Loader.finish_part

    def step(original: Any) -> Any:
        async def counted(self: Loader, *args: Any) -> Any:
            if steps is not None and done[0] >= steps:
                raise _Stopped
            outcome = await original(self, *args)
            done[0] += 1
            return outcome

        return counted

    with (
        patch.object(Loader, "load", step(load)),
        patch.object(Loader, "finish_part", step(finish)),
    ):
        yield done


@WHOLE_IMPORTS
@given(tables=TABLE_LISTS, data=st.data())
def test_an_import_stopped_after_any_batch_then_run_again_equals_one_clean_run(
    store_url: str, tables: list[str], data: st.DataObject
) -> None:
    with TemporaryDirectory() as scratch:
        legacy = _legacy_file(Path(scratch), tables, data)
        emptied(store_url)
        with _stopping_after(None) as steps:
            assert imported(legacy.path, store_url, *BATCH) == 0
        clean = export_tables(store_url, Path(scratch) / "clean")

        emptied(store_url)
        stop = data.draw(st.integers(0, steps[0] - 1), label="committed steps before the stop")
        with _stopping_after(stop):
            assert imported(legacy.path, store_url, *BATCH) == 130
        assert imported(legacy.path, store_url, *BATCH) == 0
        assert export_tables(store_url, Path(scratch) / "resumed") == clean
