"""Generated rows written in the bot's legacy SQLite layout, the way the old bot wrote them:
lists and objects as JSON text, booleans as 0/1, datetimes as naive UTC text with six fraction
digits, the old `memory_category_association` name for the link table."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import reject

from legacy_import.mapping.targets import SCHEMAS, targets
from sqlmodel_store.models import StoreSchema
from tests.legacy.generator import generator

LEGACY_NAMES = {"memory_categories": "memory_category_association"}
# A written row's key: its id, or its primary key where the table has no id.
Key = int | tuple[Any, ...]


def as_written(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        utc = value.astimezone(UTC) if value.tzinfo else value
        return utc.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def row_key(table: str, values: dict[str, Any], row_id: int | None) -> Key:
    if row_id is not None:
        return row_id
    return tuple(values[column.name] for column in targets()[table].table.primary_key.columns)


class LegacyFile:
    """A legacy database being written; `written` holds, per store table and row key, the
    values each legacy column received, as the store schema validated them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(path)
        self._db.executescript(generator.SCHEMA)
        self.written: dict[str, dict[Key, dict[str, Any]]] = {name: {} for name in SCHEMAS}
        self._last_id: dict[str, int] = {}
        self._known_columns: dict[str, list[str]] = {}

    def _columns(self, table: str) -> list[str]:
        if table not in self._known_columns:
            info = self._db.execute(f'PRAGMA table_info("{LEGACY_NAMES.get(table, table)}")')
            self._known_columns[table] = [row[1] for row in info]
        return self._known_columns[table]

    async def put(self, table: str, created: StoreSchema) -> int:
        """Write the row with the next id, as AUTOINCREMENT would; a row the legacy schema
        refuses (a unique key the store does not have) is not an example."""
        values = created.model_dump()
        columns = self._columns(table)
        fields = {name: values[name] for name in columns if name in values}
        row_id = None
        if "id" in columns:
            row_id = self._last_id[table] = self._last_id.get(table, 0) + 1
        row = fields | ({"id": row_id} if row_id is not None else {})
        names = ", ".join(f'"{name}"' for name in row)
        statement = (
            f'INSERT INTO "{LEGACY_NAMES.get(table, table)}" ({names}) '
            f"VALUES ({', '.join('?' * len(row))})"
        )
        try:
            self._db.execute(statement, [as_written(value) for value in row.values()])
        except sqlite3.IntegrityError:
            reject()
        self.written[table][row_key(table, values, row_id)] = fields
        return row_id or 0

    def close(self) -> None:
        self._db.commit()
        self._db.close()
