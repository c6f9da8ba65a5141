"""The rejects file: every record of the run's sources that is not in the store, with why.

It is rewritten from the bookkeeping at the end of each run, so after a resume or a second
run it lists each rejected record exactly once.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from legacy_import.report.json_lines import json_line
from sqlmodel_store.models.imports import IMPORT_REJECTS as REJECTS
from sqlmodel_store.models.imports import IMPORT_SOURCES as SOURCES


async def write_rejects(conn: AsyncConnection, source_ids: list[int], path: Path) -> int:
    """Write the rejects of these sources as JSON lines; returns how many there are."""
    query = (
        select(
            SOURCES.c.source_key,
            REJECTS.c.part,
            REJECTS.c.position,
            REJECTS.c.location,
            REJECTS.c.record,
            REJECTS.c.reason,
        )
        .join(SOURCES, SOURCES.c.id == REJECTS.c.source_id)
        .where(REJECTS.c.source_id.in_(source_ids))
        .order_by(REJECTS.c.source_id, REJECTS.c.part, REJECTS.c.position)
    )
    count = 0
    # Lone surrogates cannot be encoded; backslashreplace writes them as JSON escapes.
    with path.open("w", encoding="utf-8", errors="backslashreplace") as out:
        result = await conn.stream(query)
        async for key, part, position, location, record, reason in result:
            line = {
                "source": key,
                "part": part,
                "position": position,
                "location": location,
                "record": json.loads(record),
                "reason": reason,
            }
            out.write(json_line(line) + "\n")
            count += 1
    return count


async def count_rejects(conn: AsyncConnection, source_ids: list[int]) -> int:
    query = select(func.count()).select_from(REJECTS).where(REJECTS.c.source_id.in_(source_ids))
    return int((await conn.execute(query)).scalar_one())
