"""Strict parsing of text columns: what is proven valid, and a bad value never spoils its batch."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa

from legacy_import.prepare.text_values import (
    json_documents,
    json_lists,
    nul_found,
    timestamps,
    utf8_valid,
)


def test_an_impossible_date_is_flagged_and_its_neighbours_still_convert() -> None:
    ok, parsed = timestamps(
        pa.array(["2025-10-27 13:47:00.123456", "2023-02-30 10:00:00", None, "2024-02-29T00:00:00"])
    )
    assert ok.to_pylist() == [True, False, True, True]
    assert parsed.to_pylist()[0] == datetime(2025, 10, 27, 13, 47, 0, 123456, tzinfo=UTC)
    assert parsed.to_pylist()[3] == datetime(2024, 2, 29, tzinfo=UTC)


def test_offsets_unix_times_and_other_spellings_are_left_to_the_exact_path() -> None:
    shapes = ["2025-10-27 13:47:00+03:00", "1761566400", "27.10.2025", "2025-10-27 24:00:00"]
    ok, _ = timestamps(pa.array([*shapes, "0000-01-01 00:00:00", "2025-10-27 13:47:00.1234567"]))
    assert ok.to_pylist() == [False] * 6


def test_an_integer_beyond_int64_flags_only_its_own_list() -> None:
    fits, beyond = "[9223372036854775807, -9223372036854775808]", "[9223372036854775808]"
    values = pa.array([fits, beyond, "[]", "[9999999999999999999, x]"])
    ok, lists = json_lists(values, pa.int64())
    assert ok.to_pylist() == [True, False, True, False]
    assert lists.to_pylist() == [[2**63 - 1, -(2**63)], None, [], None]


def test_text_lists_keep_escapes_and_pairs_but_not_nul_or_lone_surrogates() -> None:
    texts = ['["tab\\there", "\\ud83d\\ude00", "\\\\ud800"]', '["\\u0000"]', '["\\ud800"]', "[1]"]
    ok, lists = json_lists(pa.array(texts), pa.string())
    assert ok.to_pylist() == [True, False, False, False]
    assert lists.to_pylist()[0] == ["tab\there", "😀", "\\ud800"]


def test_a_document_with_a_number_a_float_would_round_goes_the_exact_way() -> None:
    documents = ['{"a": 1.50, "b": 1E2}', '{"a": 0.1000000000000000055511151231257827}']
    more = ['{"a": 1e-400}', '{"a": NaN}', '["not an object"]', '{"k": "\\u0000"}', None]
    assert json_documents(pa.array([*documents, *more])).to_pylist() == [
        True,
        *([False] * 5),
        True,
    ]


def test_utf8_is_checked_value_by_value_only_when_the_array_fails() -> None:
    assert utf8_valid(pa.array(["fine", "ы😀"])) is None
    broken = pa.Array.from_buffers(
        pa.string(),
        2,
        [
            None,
            pa.py_buffer(b"\x00\x00\x00\x00\x02\x00\x00\x00\x04\x00\x00\x00"),
            pa.py_buffer(b"ok\xff\xfe"),
        ],
    )
    found = utf8_valid(broken)
    assert found is not None
    assert found.to_pylist() == [True, False]


def test_a_nul_is_found_in_its_own_string_only() -> None:
    values = pa.array(["a\x00", "b", None, "c"])
    assert nul_found(pa.array(["clean", None])) is None
    found = nul_found(values)
    assert found is not None
    assert found.to_pylist() == [True, False, None, False]
    beside = nul_found(values.slice(1))
    assert beside is None or beside.to_pylist() == [False, None, False]
