"""Legacy timestamps and JSON text, as the layouts convert them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legacy_import.mapping.conversions import (
    boolean,
    integer,
    json_value,
    number,
    text,
    timestamp,
    timestamp_as,
    unix_milliseconds,
    unix_seconds,
)

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


@given(
    moment=st.datetimes(
        min_value=datetime(2, 1, 1),
        max_value=datetime(9998, 12, 31),
        timezones=st.one_of(st.none(), st.timezones()),
    ),
    sep=st.sampled_from(["T", " "]),
    timespec=st.sampled_from(["auto", "hours", "minutes", "seconds", "milliseconds"]),
)
def test_iso_text_in_utc_means_what_it_means_in_any_zone_without_an_offset(
    moment: datetime, sep: str, timespec: str
) -> None:
    """UTC has its own fast path for ISO text; Etc/GMT, UTC by another name, takes the
    general one. Both read every ISO spelling as the same instant, in UTC."""
    legacy = moment.isoformat(sep=sep, timespec=timespec)
    expected = timestamp(legacy, ZoneInfo("Etc/GMT"))
    for zone in (UTC, ZoneInfo("UTC")):
        found = timestamp(legacy, zone)
        assert (found, found.tzinfo) == (expected, UTC)


@pytest.mark.parametrize("bad", ["2025-02-30 10:00:00", "yesterday", True, [1]])
def test_what_is_not_a_timestamp_is_refused_with_the_value(bad: object) -> None:
    with pytest.raises(ValueError, match=r"not a (timestamp|date and time)"):
        timestamp(bad)


def test_json_text_is_parsed_and_parsed_values_pass_through() -> None:
    assert json_value('["a", "ж"]') == ["a", "ж"]
    assert json_value(["a"]) == ["a"]
    with pytest.raises(ValueError, match="not valid JSON"):
        json_value('["a",')


@pytest.mark.parametrize(
    ("legacy", "expected"),
    [(1761566400, NOON), ("1761566400", NOON), (1761566400.5, NOON.replace(microsecond=500000))],
)
def test_unix_seconds_are_seconds_whatever_their_size(legacy: object, expected: datetime) -> None:
    assert unix_seconds(legacy) == expected


def test_unix_milliseconds_are_milliseconds_even_when_small() -> None:
    assert unix_milliseconds(1761566400000) == NOON
    assert unix_milliseconds("1000") == datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC)


def test_a_timestamp_format_reads_that_format_only_in_the_given_zone() -> None:
    read = timestamp_as("%d/%m/%Y %H.%M")
    assert read("27/10/2025 15.00", ZoneInfo("Europe/Moscow")) == NOON
    with pytest.raises(ValueError, match=r"does not match the format '%d/%m/%Y %H.%M'"):
        read("2025-10-27 12:00")


@pytest.mark.parametrize(
    ("legacy", "expected"),
    [
        (1, True), (0, False), ("1", True), ("0", False), (True, True), (False, False),
        ("yes", True), ("No", False), (" Y ", True), ("n", False), ("true", True),
        ("FALSE", False), ("on", True), ("off", False),
    ],
)  # fmt: skip
def test_yes_no_spellings_are_booleans(legacy: object, expected: bool) -> None:
    assert boolean(legacy) is expected


@pytest.mark.parametrize("bad", [2, "maybe", "", None, [1]])
def test_other_values_are_not_booleans(bad: object) -> None:
    with pytest.raises(ValueError, match="is not a yes/no value"):
        boolean(bad)


@pytest.mark.parametrize(
    ("legacy", "expected"),
    [("42", 42), (" -7 ", -7), (42, 42), (42.0, 42), ("1_000", 1000), ("3e2", 300)],
)
def test_whole_numbers_in_text_or_floats_are_integers(legacy: object, expected: int) -> None:
    found = integer(legacy)
    assert found == expected
    assert type(found) is int


@pytest.mark.parametrize("bad", ["4.5", 4.5, "forty", True, "nan", None])
def test_what_is_not_a_whole_number_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="is not a whole number"):
        integer(bad)


def test_numbers_in_text_are_floats_and_huge_integers_fit_one() -> None:
    assert number("2.5") == 2.5
    assert number(" 10 ") == 10.0
    assert number(49999999999999990000) == 4.999999999999999e19
    for bad in ("inf", "ten", False):
        with pytest.raises(ValueError, match="is not a number"):
            number(bad)


def test_text_writes_numbers_and_lists_the_way_a_person_reads_them() -> None:
    assert text(-100123) == "-100123"
    assert text(2.5) == "2.5"
    assert text(True) == "true"
    assert text(["a", "ж"]) == '["a", "ж"]'
    assert text("as is") == "as is"
