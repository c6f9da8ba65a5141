"""JSON dumps: a directory of `<table>.json` arrays and `<table>.jsonl` files, or one file.

Arrays and single-object files are streamed with ijson; nothing loads a whole file. A file
that stops being valid JSON yields one record with the problem and ends its part there.
A mapping file can also point at the records at any path of a file (`locate`): a list, or
an object keyed by id whose keys the records carry.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

import ijson

from legacy_import.errors import SourceError
from legacy_import.sources.base import Part, SourceSpec
from legacy_import.sources.json_errors import describe_json_error, json_problem
from legacy_import.sources.json_parsers import PYTHON_PARSER, parser_for
from legacy_import.sources.records import RawRecord, cut_reason, estimated_size

SUFFIXES = (".json", ".jsonl")
BOM = b"\xef\xbb\xbf"
TOP_LEVEL_KINDS = {
    "string": "a JSON string",
    "number": "a JSON number",
    "boolean": "a JSON true or false",
    "null": "JSON null",
    "start_map": "a JSON object",
}
# A located part's name: the file, this separator, then the path of its records.
AT = "#"


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
        with _opened(path) as handle:
            try:
                for prefix, event, value in ijson.parse(handle):
                    if prefix == "" and event == "map_key":
                        names.append(value)
            except ijson.JSONError as error:
                raise SourceError(
                    f"{path} is {_problem(path, error)}; fix or re-export it"
                ) from None
        for name in names:
            self._keys[name] = (path, name)
        return [Part(name, name, (), None) for name in names]

    def locate(self, file: str | None, records: str) -> Part:
        """The records at `records` (a dotted path; "" is the whole file) of `file`, which is
        relative to the source directory and may be left out when the source is one file."""
        path = self._file(file)
        name = f"{path.name}{AT}{records}"
        if path.suffix == ".jsonl":
            if records:
                raise SourceError(f"{path.name} is JSON Lines: its records have no path")
            name = path.name
        elif _container(path, records) is None:
            where = f"at {records!r}" if records else "at its top level"
            raise SourceError(f"{path.name} holds no list or object of records {where}")
        return Part(name, path.stem, (), None, path.stat().st_size)

    def _file(self, file: str | None) -> Path:
        if file is None:
            if self.spec.path.is_file():
                return self.spec.path
            raise SourceError(
                f"{self.spec.path} is a directory: the mapping must say which file (file = ...)"
            )
        base = self.spec.path if self.spec.path.is_dir() else self.spec.path.parent
        path = (base / file).resolve()
        if not path.is_file():
            raise SourceError(f"the mapping reads {file}, which is not in {base}")
        return path

    def read(self, part: str, *, after: int) -> Iterator[RawRecord]:
        if AT in part:
            file, records = part.split(AT, 1)
            yield from _read_at(part, self._file(file), records, after)
            return
        if not self._keys:
            self.parts()
        path, key = self._keys.get(part) or (self._file(part), "")
        if path.suffix == ".jsonl":
            yield from _read_lines(part, path, after)
        else:
            yield from _read_array(part, path, key, after)

    def document_values(
        self, part: str, paths: list[tuple[str, ...]]
    ) -> dict[tuple[str, ...], Any]:
        """Values outside the records, by path from the file's top: one streamed pass each."""
        file = self._file(part.split(AT, 1)[0] if AT in part else part)
        found: dict[tuple[str, ...], Any] = {}
        for steps in paths:
            for value in _first(file, ".".join(steps)):
                found[steps] = value
        return found

    def notes(self) -> list[str]:
        return []

    def problems(self) -> list[str]:
        """Each `.json` file that is not JSON at all, with what is wrong: asked when no layout
        fits, since a broken file holds nothing a layout could recognise."""
        found = []
        for path in self._files:
            problem = json_problem(path) if path.suffix == ".json" else None
            if problem is not None:
                found.append(f"{path} is {problem}")
        return found

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
    try:
        found = None if key else _top_level(path)
        if found is not None and found != "start_array":
            what = TOP_LEVEL_KINDS.get(found, found)
            yield RawRecord(
                part,
                1,
                _where(path, key, 1),
                {},
                0,
                f"the file holds {what}, not an array of records",
            )
            return
        values = _streamed(
            path, lambda handle, parser: parser.items(handle, prefix, use_float=True)
        )
        for data in values:
            number += 1
            if number > after:
                yield _record(part, number, _where(path, key, number), data)
    except (ijson.JSONError, UnicodeDecodeError) as error:
        yield _broken(part, path, number + 1, _where(path, key, number + 1), error)


def _top_level(path: Path) -> str | None:
    """The parser's first event: what the file holds at its top level (None: nothing)."""
    events = _streamed(path, lambda handle, parser: parser.parse(handle))
    return next((event for _, event, _ in events), None)


def _first(path: Path, prefix: str) -> list[Any]:
    """The first value at `prefix`, as a list of one, or nothing."""
    values = _streamed(path, lambda handle, parser: parser.items(handle, prefix, use_float=True))
    return list(islice(values, 1))


def _container(path: Path, records: str) -> str | None:
    """ "array" or "object": what holds the records at this path (read until it starts)."""
    try:
        for prefix, event, _ in _streamed(path, lambda handle, parser: parser.parse(handle)):
            if prefix == records and event in ("start_array", "start_map"):
                return "array" if event == "start_array" else "object"
    except ijson.JSONError as error:
        raise SourceError(f"{path} is {_problem(path, error)}; fix or re-export it") from None
    return None


def _read_at(part: str, path: Path, records: str, after: int) -> Iterator[RawRecord]:
    """The records at a path: items of a list, or the values of an object keyed by id."""
    keyed = _container(path, records) == "object"
    number = 0
    try:
        if keyed:
            pairs = _streamed(
                path, lambda handle, parser: parser.kvitems(handle, records, use_float=True)
            )
            for key, data in pairs:
                number += 1
                if number > after:
                    where = f"{path.name} record {number} (key {key!r})"
                    yield RawRecord(part, number, where, data, _size(data), key=key)
        else:
            items = f"{records}.item" if records else "item"
            values = _streamed(
                path, lambda handle, parser: parser.items(handle, items, use_float=True)
            )
            for data in values:
                number += 1
                if number > after:
                    where = f"{path.name} {records or 'record'}[{number - 1}]"
                    yield RawRecord(part, number, where, data, _size(data))
    except (ijson.JSONError, UnicodeDecodeError) as error:
        yield _broken(part, path, number + 1, f"{path.name} record {number + 1}", error)


def _broken(part: str, path: Path, number: int, where: str, error: Exception) -> RawRecord:
    """The record where the file stops being JSON: a reject that ends its part."""
    return RawRecord(
        part,
        number,
        where,
        {},
        0,
        cut_reason(_problem(path, error), number - 1),
    )


def _problem(path: Path, error: Exception) -> str:
    return describe_json_error(path, error)


def _streamed(path: Path, read: Callable[[BinaryIO, Any], Iterator[Any]]) -> Iterator[Any]:
    """Values from the parser that keeps the file's text (`parser_for`). The C parser also
    cannot hold an integer beyond 64 bits: at such a number the rest comes from the Python
    parser, from the value where it stopped."""
    parser = parser_for(path)
    done = 0
    with _opened(path) as handle:
        try:
            for value in read(handle, parser):
                done += 1
                yield value
            return
        except ijson.JSONError as error:
            if parser is PYTHON_PARSER or "integer overflow" not in str(error):
                raise
    with _opened(path) as handle:
        yield from islice(read(handle, PYTHON_PARSER), done, None)


def _opened(path: Path) -> BinaryIO:
    """The file, past a UTF-8 byte order mark if it starts with one (the parsers refuse it)."""
    handle = path.open("rb")
    if handle.read(len(BOM)) != BOM:
        handle.seek(0)
    return handle


def _size(data: Any) -> int:
    return estimated_size(data) if isinstance(data, dict) else 16 + len(str(data))


def _where(path: Path, key: str, number: int) -> str:
    return f"{path.name} {key}[{number - 1}]" if key else f"{path.name} record {number}"


def _record(part: str, number: int, where: str, data: Any) -> RawRecord:
    if not isinstance(data, dict):
        return RawRecord(part, number, where, {"value": data}, 16, "is not a JSON object")
    return RawRecord(part, number, where, data, estimated_size(data))
