"""JSON dumps: a directory of `<table>.json` arrays and `<table>.jsonl` files, or one file.

Arrays and single-object files are streamed with ijson; nothing loads a whole file. A file
that stops being valid JSON yields one record with the problem and ends its part there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ijson

from legacy_import.records import RawRecord, estimated_size
from legacy_import.sources import Part, SourceError, SourceSpec

SUFFIXES = (".json", ".jsonl")


class JsonSource:
    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec
        self._files = self._find_files(spec.path)
        self._keys: dict[str, tuple[Path, str]] = {}

    @staticmethod
    def _find_files(path: Path) -> list[Path]:
        if path.is_file():
            return [path]
        files = sorted(p for p in path.iterdir() if p.suffix in SUFFIXES and p.is_file())
        if not files:
            raise SourceError(f"{path} holds no .json or .jsonl files")
        return files

    def parts(self) -> list[Part]:
        found = []
        for path in self._files:
            if path.suffix == ".json" and _first_char(path) == b"{":
                found.extend(self._object_parts(path))
            else:
                self._keys[path.name] = (path, "")
                found.append(Part(path.name, path.stem, (), None))
        return found

    def _object_parts(self, path: Path) -> list[Part]:
        """A `{table: [records]}` file: one part per top-level key, found in one streamed pass."""
        names = []
        with path.open("rb") as handle:
            try:
                for prefix, event, value in ijson.parse(handle):
                    if prefix == "" and event == "map_key":
                        names.append(value)
            except ijson.JSONError as error:
                raise SourceError(
                    f"{path} is not valid JSON ({error}); fix or re-export it"
                ) from error
        for name in names:
            self._keys[name] = (path, name)
        return [Part(name, name, (), None) for name in names]

    def read(self, part: str, *, after: int) -> Iterator[RawRecord]:
        if not self._keys:
            self.parts()
        path, key = self._keys[part]
        if path.suffix == ".jsonl":
            yield from _read_lines(part, path, after)
        else:
            yield from _read_array(part, path, key, after)

    def notes(self) -> list[str]:
        return []

    def close(self) -> None:
        """Files are opened per part and closed when their part is read."""


def _first_char(path: Path) -> bytes:
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(4096), b""):
            stripped = chunk.lstrip(b" \t\r\n\xef\xbb\xbf")
            if stripped:
                return stripped[:1]
    return b""


def _read_lines(part: str, path: Path, after: int) -> Iterator[RawRecord]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if number <= after or not line.strip():
                continue
            where = f"{path.name} line {number}"
            try:
                data = json.loads(line)
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                text = line.decode("utf-8", "backslashreplace").rstrip("\r\n")
                yield RawRecord(
                    part, number, where, {"line": text}, len(line), f"invalid JSON: {error}"
                )
                continue
            yield _record(part, number, where, data)


def _read_array(part: str, path: Path, key: str, after: int) -> Iterator[RawRecord]:
    prefix = f"{key}.item" if key else "item"
    number = 0
    with path.open("rb") as handle:
        try:
            for data in ijson.items(handle, prefix, use_float=True):
                number += 1
                if number > after:
                    yield _record(part, number, _where(path, key, number), data)
        except (ijson.JSONError, UnicodeDecodeError) as error:
            number += 1
            yield RawRecord(
                part,
                number,
                _where(path, key, number),
                {},
                0,
                f"the file is not valid JSON from here on ({error}): "
                f"{number - 1} records before this were read, nothing after it",
            )


def _where(path: Path, key: str, number: int) -> str:
    return f"{path.name} {key}[{number - 1}]" if key else f"{path.name} record {number}"


def _record(part: str, number: int, where: str, data: Any) -> RawRecord:
    if not isinstance(data, dict):
        return RawRecord(part, number, where, {"value": data}, 16, "is not a JSON object")
    return RawRecord(part, number, where, data, estimated_size(data))
