"""Property: values no database can hold (NUL in text, lone surrogates, integers beyond 64
bits) are rejected with a reason, and every other record of the same batch arrives unchanged,
on SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from legacy_import.cli import main
from tests.legacy.helpers import query, rejects
from tests.property.store_data import WHOLE_IMPORTS, emptied
from tests.property.strategies import INT64, text

# Each bad value, and the reason the rejects file must give for it.
SPOILERS: list[tuple[str, Any, str]] = [
    ("first_name", "a\x00b", "first_name contains a NUL character (\\x00), which PostgreSQL"),
    ("username", "\ud800x", "username contains a lone surrogate, which is not valid UTF-8"),
    ("telegram_id", INT64 + 1, "telegram_id: Input should be less than or equal to"),
    ("telegram_id", -INT64 - 2, "telegram_id: Input should be greater than or equal to"),
]

USERS = st.lists(
    st.fixed_dictionaries(
        {"first_name": text(255)},
        optional={"spoiled": st.sampled_from(range(len(SPOILERS)))},
    ),
    min_size=1,
    max_size=40,
)


def _records(drawn: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[int, str]]:
    """The users to write (telegram_id = line number), and line → expected reason."""
    written, expected = [], {}
    for line, user in enumerate(drawn, start=1):
        record: dict[str, Any] = {"telegram_id": line, "first_name": user["first_name"]}
        if "spoiled" in user:
            field, value, reason = SPOILERS[user["spoiled"]]
            record[field] = value
            expected[line] = reason
        written.append(record)
    return written, expected


@WHOLE_IMPORTS
@given(drawn=USERS)
def test_unstorable_values_are_rejected_and_the_rest_arrives(
    store_url: str, drawn: list[dict[str, Any]]
) -> None:
    emptied(store_url)
    written, expected = _records(drawn)
    with TemporaryDirectory() as scratch:
        dump = Path(scratch) / "dump"
        dump.mkdir()
        lines = [json.dumps(record) for record in written]
        (dump / "users.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        rejected_file = Path(scratch) / "rejects.jsonl"
        code = main(["run", str(dump), "--database-url", store_url, "--no-progress",
                     "--workers", "0", "--rejects", str(rejected_file)])  # fmt: skip
        found = rejects(rejected_file) if rejected_file.exists() else []
    assert code == (1 if expected else 0)
    reasons = {int(r["location"].rsplit(" ", 1)[1]): r["reason"] for r in found}
    assert sorted(reasons) == sorted(expected)
    for line, reason in expected.items():
        assert reasons[line].startswith(reason), reasons[line]
    good = {line: r["first_name"] for line, r in enumerate(written, 1) if line not in expected}
    stored = query(store_url, "SELECT telegram_id, first_name FROM users")
    assert dict(stored) == good
