"""Properties: a store's data → `export` → `run` into an emptied database → `export` again gives
byte-identical files, on SQLite and PostgreSQL; and running the same import again changes
nothing (idempotence)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from legacy_import.cli import main
from sqlmodel_store import Store, StoreSettings
from tests.property.store_data import (
    REPOSITORIES,
    WHOLE_IMPORTS,
    add,
    emptied,
    empty,
    imported,
    through,
)

TABLE_LISTS = st.lists(st.sampled_from(sorted(REPOSITORIES)), min_size=1, max_size=6)


async def _fill(url: str, tables: list[str], data: st.DataObject) -> None:
    async with Store(StoreSettings(database_url=url)) as store:
        await empty(store)
        made: dict[str, Any] = {"ids": {}, "keys": set()}
        async with store.unit_of_work() as uow:
            for table in tables:
                await add(through(uow), table, data, made=made)
            await uow.commit()


def _exported(url: str, out: Path) -> dict[str, bytes]:
    assert main(["export", "--database-url", url, "--out", str(out)]) == 0
    return {path.name: path.read_bytes() for path in sorted(out.iterdir())}


@WHOLE_IMPORTS
@given(tables=TABLE_LISTS, data=st.data())
def test_export_then_import_then_export_is_byte_identical(
    store_url: str, tables: list[str], data: st.DataObject
) -> None:
    asyncio.run(_fill(store_url, tables, data))
    with TemporaryDirectory() as scratch:
        first = Path(scratch) / "first"
        before = _exported(store_url, first)
        emptied(store_url)
        assert imported(first, store_url) == 0
        assert _exported(store_url, Path(scratch) / "second") == before
        assert imported(first, store_url) == 0
        assert _exported(store_url, Path(scratch) / "third") == before


def _split(exported: Path, into: Path, halves: st.DataObject) -> None:
    """Each table's rows split between a `.json` array and a `.jsonl` file, as old dumps were."""
    into.mkdir()
    for path in exported.iterdir():
        rows = path.read_text(encoding="utf-8").splitlines()
        cut = halves.draw(st.integers(0, len(rows)), label=f"{path.stem} rows in the array")
        array = "[\n" + ",\n".join(rows[:cut]) + "\n]\n" if cut else "[]\n"
        (into / f"{path.stem}.json").write_text(array, encoding="utf-8")
        lines = "".join(row + "\n" for row in rows[cut:])
        (into / f"{path.stem}.jsonl").write_text(lines, encoding="utf-8")


@WHOLE_IMPORTS
@given(tables=TABLE_LISTS, data=st.data())
def test_a_dump_split_across_json_arrays_and_jsonl_imports_whole(
    store_url: str, tables: list[str], data: st.DataObject
) -> None:
    asyncio.run(_fill(store_url, tables, data))
    with TemporaryDirectory() as scratch:
        before = _exported(store_url, Path(scratch) / "first")
        _split(Path(scratch) / "first", Path(scratch) / "split", data)
        emptied(store_url)
        assert imported(Path(scratch) / "split", store_url) == 0
        assert _exported(store_url, Path(scratch) / "second") == before
