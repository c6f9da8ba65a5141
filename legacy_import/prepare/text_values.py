"""Text columns parsed the strict way: timestamps, JSON lists and JSON documents.

Each function gives a mask of the values it proves valid (NULL counts as valid: nullability is
decided elsewhere) and the values converted; anything it cannot prove (an offset, a unix time,
a float in a list of integers, an escaped NUL) is left to the exact path, which knows every
spelling the legacy data used and words the reason.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

# `2025-10-27 13:47:00`, with `T` or a space, and 0, 3 or 6 fraction digits: what
# `datetime.fromisoformat` and Arrow's ISO cast read alike. Year 0000 is for Arrow only.
_TIMESTAMP = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[ T]([01][0-9]|2[0-3])"
    r":[0-5][0-9]:[0-5][0-9](\.[0-9]{3}|\.[0-9]{6})?$"
)
_WS = "[ \\t]*"
# A JSON string json.loads reads (no raw control characters, only JSON's escapes) and an
# integer of at most 19 digits (one beyond int64 is found by `_within_int64`).
_JSON_TEXT = r'"([^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"'
_JSON_INTEGER = r"-?(0|[1-9][0-9]{0,18})"
_ESCAPED_BACKSLASH = r"\\\\"
_SURROGATE_PAIR = r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"
# What is left that the store refuses: an escaped NUL or a lone surrogate.
_UNSTORABLE_ESCAPE = r"\\u(0000|[dD][89a-fA-F][0-9a-fA-F]{2})"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def utf8_valid(values: pa.Array) -> pa.Array | None:
    """Which values are valid UTF-8, or None when all are; only an array that fails Arrow's
    check is looked into, value by value."""
    try:
        values.validate(full=True)
    except pa.ArrowInvalid:
        raw = values.cast(pa.binary()).to_pylist()
        return pa.array([value is None or _decodes(value) for value in raw], pa.bool_())
    return None


def nul_found(values: pa.Array) -> pa.Array | None:
    """Which strings hold a NUL, or None when none does: one memchr over the array's bytes
    clears a whole batch (a NUL outside a sliced array's values only costs the exact search)."""
    data = values.buffers()[2]
    if data is None or data.to_pybytes().find(b"\x00") < 0:
        return None
    return pc.match_substring(values, "\x00")


def _decodes(value: bytes) -> bool:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def timestamps(values: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Naive ISO text as timestamp[us, UTC] (naive times are UTC); the calendar is Arrow's
    cast's to check (2023-02-30 fails), and a batch it fails is looked at value by value."""
    shaped = pc.and_(
        pc.match_substring_regex(values, _TIMESTAMP), pc.invert(pc.starts_with(values, "0000"))
    )
    ok = pc.fill_null(shaped, True)
    candidates = values
    if pc.all(ok).as_py() is False:
        candidates = pc.if_else(ok, values, pa.scalar(None, pa.string()))
    try:
        parsed = pc.cast(candidates, pa.timestamp("us"))
    except pa.ArrowInvalid:
        dates = [_calendar_date(value) for value in candidates.to_pylist()]
        ok = pc.and_(ok, pa.array(dates, pa.bool_()))
        parsed = pc.cast(pc.if_else(ok, candidates, pa.scalar(None, pa.string())), "timestamp[us]")
    return ok, parsed.cast(pa.timestamp("us", tz="UTC"))


def _calendar_date(value: str | None) -> bool:
    """Whether a value of the strict shape names a real date: on that shape Python's parser
    and Arrow's read the same fields, and Python's costs far less for one value."""
    if value is None:
        return True
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def json_lists(values: pa.Array, item: pa.DataType) -> tuple[pa.Array, pa.Array]:
    """JSON arrays of strings or integers (by `item`) as Arrow lists: a shape regex, no
    escaped NUL or lone surrogate, then Arrow's JSON reader on the values as lines."""
    element = _JSON_INTEGER if pa.types.is_integer(item) else _JSON_TEXT
    shape = rf"^\[{_WS}({element}{_WS}(,{_WS}{element}{_WS})*)?\]$"
    ok = pc.fill_null(pc.match_substring_regex(values, shape), True)
    if not pa.types.is_integer(item):
        escapes = pc.replace_substring_regex(values, _ESCAPED_BACKSLASH, "")
        escapes = pc.replace_substring_regex(escapes, _SURROGATE_PAIR, "")
        storable = pc.invert(pc.match_substring_regex(escapes, _UNSTORABLE_ESCAPE))
        ok = pc.and_(ok, pc.fill_null(storable, True))
    else:
        ok = pc.and_(ok, _within_int64(pc.if_else(ok, values, pa.scalar(None, pa.string()))))
    if len(values) == 0:
        return ok, pa.array([], pa.list_(item))
    parsed = _read_lists(pc.fill_null(pc.if_else(ok, values, pa.scalar("[]")), "[]"), item)
    keep = pc.and_(ok, pc.is_valid(values))
    return ok, pc.if_else(keep, parsed, pa.scalar(None, pa.list_(item)))


def _read_lists(texts: pa.Array, item: pa.DataType) -> pa.Array:
    """JSON arrays (every value one) parsed by Arrow's JSON reader, as lines of one buffer."""
    lines = pc.binary_join_element_wise('{"v":', texts, "}", "")
    offsets = pa.array([0, len(lines)], pa.int32())
    (whole,) = pc.binary_join(pa.ListArray.from_arrays(offsets, lines), "\n")
    buffer = whole.as_buffer()
    table = pa_json.read_json(
        pa.BufferReader(buffer),
        read_options=pa_json.ReadOptions(use_threads=False, block_size=buffer.size + 1),
        parse_options=pa_json.ParseOptions(
            explicit_schema=pa.schema([("v", pa.list_(item))]), newlines_in_values=False
        ),
    )
    return table.column("v").combine_chunks()


def _within_int64(values: pa.Array) -> pa.Array:
    """Which lists of the integer shape (others are NULL here) hold only integers that fit
    int64, as Arrow's reader fails a whole batch on one that does not: only a list with a
    19-digit number is parsed in Python to see."""
    long = pc.fill_null(pc.match_substring_regex(values, "[0-9]{19}"), False)
    if not pc.any(long).as_py():
        return pa.repeat(pa.scalar(True), len(values))
    texts = pc.if_else(long, values, pa.scalar(None, pa.string())).to_pylist()
    return pa.array([text is None or _fits_int64(text) for text in texts], pa.bool_())


def _fits_int64(text: str) -> bool:
    return all(-(2**63) <= number < 2**63 for number in json.loads(text))


def json_documents(values: pa.Array) -> pa.Array:
    """Which values are JSON objects the store keeps as they are: every number one a float
    holds exactly, no NUL or lone surrogate in any key or string. The text itself goes to
    JSONB unchanged, which stores the same value as the exact path's re-serialised document
    (`1.50` keeps its scale, equal as JSONB); a number a float would round (`0.1000…0001`,
    `1e-400`) would not be, so it goes the exact way. Parsed in Python: objects have no shape
    a regex knows."""
    return pa.array([_plain_document(value) for value in values.to_pylist()], pa.bool_())


def _plain_document(text: str | None) -> bool:
    if text is None:
        return True
    try:
        value = json.loads(text, parse_constant=_refused, parse_float=_exact_float)
    except (ValueError, RecursionError):
        return False
    return isinstance(value, dict) and _storable(value)


def _refused(word: str) -> Any:
    raise ValueError(f"{word} is not JSON the store keeps")


def _exact_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number) or Decimal(text) != Decimal(repr(number)):
        raise ValueError(f"{text} is not a number a float holds exactly")
    return number


def _storable(value: Any) -> bool:
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is None
    if isinstance(value, dict):
        return all(_storable(key) and _storable(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_storable(item) for item in value)
    return True
