"""The decisions about one batch: what is written, with which ids and references, and why the
rest is not. Pure logic, so every path (nothing settled, some records settled) is checked here
without a database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from legacy_import.load.plan import Plan
from legacy_import.mapping.targets import targets
from legacy_import.prepare.batches import Batch

WHEN = datetime(2025, 10, 27, 13, 47, tzinfo=UTC)


def _messages(*rows: tuple[int, int, int]) -> Plan:
    """Messages given as (legacy user id, chat id, message id), at positions 1, 2, …"""
    batch = Batch("messages", "messages", 0, len(rows))
    for position, (user, chat, message) in enumerate(rows, start=1):
        batch.legacy_ids.append(None)
        batch.rows.append((user, chat, message, None, "hi", "text", None, WHEN))
        batch.positions.append(position)
        batch.locations.append(f"table messages rowid {position}")
    return Plan(batch, targets()["messages"])


def _missing(value: Any) -> str:
    return f"no user {value}"


def _written(plan: Plan) -> list[tuple[Any, ...]]:
    """(id, user_id, chat_id, message_id) of each row to write."""
    columns, rows = plan.rows_to_write()
    wanted = [columns.index(name) for name in ("id", "user_id", "chat_id", "message_id")]
    return [tuple(row[i] for i in wanted) for row in rows]


def test_a_clean_batch_is_written_whole_with_its_references_remapped() -> None:
    plan = _messages((7, -100, 1), (8, -100, 2), (7, -100, 3))
    plan.mark_duplicates()
    plan.assign_ids(True, set(), 40)
    plan.remap("user_id", {7: 70, 8: 80}, _missing)

    assert _written(plan) == [(41, 70, -100, 1), (42, 80, -100, 2), (43, 70, -100, 3)]
    assert plan.problems() == {}


def test_a_repeated_natural_key_rejects_the_later_record_and_the_rest_is_written() -> None:
    plan = _messages((7, -100, 1), (8, -100, 1), (7, -100, 2))
    plan.mark_duplicates()
    plan.assign_ids(True, set(), 0)
    plan.remap("user_id", {7: 70}, _missing)

    assert plan.problems() == {
        1: "duplicate of table messages rowid 1 (chat_id=-100, message_id=1)"
    }
    assert _written(plan) == [(1, 70, -100, 1), (2, 70, -100, 2)]


def test_an_unresolved_reference_rejects_only_its_record() -> None:
    plan = _messages((7, -100, 1), (9, -100, 2), (7, -100, 3))
    plan.mark_duplicates()
    plan.assign_ids(True, set(), 0)
    plan.remap("user_id", {7: 70}, _missing)

    assert plan.problems() == {1: "user_id: no user 9"}
    assert _written(plan) == [(1, 70, -100, 1), (3, 70, -100, 3)]
    assert plan.pending_values("user_id") == {70}
