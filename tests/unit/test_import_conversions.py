"""Legacy timestamps and JSON text, as the layouts convert them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from legacy_import.convert import json_value, timestamp

NOON = datetime(2025, 10, 27, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "legacy",
    [
        "2025-10-27 12:00:00",
        "2025-10-27T12:00:00Z",
        "2025-10-27T15:00:00+03:00",
        "27.10.2025 12:00:00",
        1761566400,
        "1761566400",
        1761566400000,
        1761566400.0,
    ],
)
def test_legacy_timestamp_spellings_mean_the_same_instant(legacy: object) -> None:
    assert timestamp(legacy) == NOON


def test_naive_text_is_read_in_the_given_zone() -> None:
    assert timestamp("2025-10-27 15:00:00", ZoneInfo("Europe/Moscow")) == NOON


@pytest.mark.parametrize("bad", ["2025-02-30 10:00:00", "yesterday", True, [1]])
def test_what_is_not_a_timestamp_is_refused_with_the_value(bad: object) -> None:
    with pytest.raises(ValueError, match=r"not a (timestamp|date and time)"):
        timestamp(bad)


def test_json_text_is_parsed_and_parsed_values_pass_through() -> None:
    assert json_value('["a", "ж"]') == ["a", "ж"]
    assert json_value(["a"]) == ["a"]
    with pytest.raises(ValueError, match="not valid JSON"):
        json_value('["a",')
