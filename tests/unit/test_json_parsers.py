"""Which JSON parser a file gets: the fast C one, unless it would turn lone surrogates into "?"."""

from __future__ import annotations

from pathlib import Path

import ijson
import pytest

from legacy_import.sources import json_parsers
from legacy_import.sources.json_parsers import PYTHON_PARSER, parser_for

CASES = {
    b'["\\ud83d\\ude00", "\\uD83D\\uDE01"]': ijson,  # whole pairs: the C parser keeps them
    b'["plain text", 1]': ijson,
    b'["half an emoji \\ud83d"]': PYTHON_PARSER,
    b'["\\ude00 a low half first"]': PYTHON_PARSER,
    b'["a\\ud83dx", "\\ud83d\\ude00"]': PYTHON_PARSER,
}


# Tiny chunks put the chunk boundary inside escapes and between the halves of a pair.
@pytest.mark.parametrize("chunk", [3, 5, 7, 11, 1 << 20])
@pytest.mark.parametrize(("content", "expected"), list(CASES.items()))
def test_only_files_with_lone_surrogates_go_to_the_python_parser(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, chunk: int, content: bytes, expected: object
) -> None:
    monkeypatch.setattr(json_parsers, "CHUNK", chunk)
    for padding in range(4):
        path = tmp_path / f"dump-{padding}.json"
        path.write_bytes(b" " * padding + content)
        assert parser_for(path) is expected, (chunk, padding)
