"""The canonical form of a row: what `export` writes and what `verify` digests.

Keys sorted, datetimes as ISO 8601 in UTC, floats as their shortest round-trip repr, so equal
data always gives byte-identical text.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from legacy_import.report.json_lines import LINE_BREAKS


def plain(value: Any) -> Any:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat()
    return value


def canonical_json(row: dict[str, Any]) -> str:
    text = json.dumps(
        {key: plain(value) for key, value in row.items()},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        allow_nan=False,
    )
    return text.translate(LINE_BREAKS)


class Digest:
    """An order-independent digest of a set of rows: the sum of their hashes, mod 2^256."""

    def __init__(self) -> None:
        self._sum = 0
        self.count = 0

    def add(self, row: dict[str, Any]) -> None:
        data = canonical_json(row).encode("utf-8", "surrogatepass")
        self._sum = (self._sum + int.from_bytes(hashlib.sha256(data).digest(), "big")) % 2**256
        self.count += 1

    def hexdigest(self) -> str:
        return f"{self._sum:064x}"
