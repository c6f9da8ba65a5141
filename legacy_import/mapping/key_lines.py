"""Where each key of a TOML text is, so a problem found in the parsed data names its line."""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
_KEY = re.compile(r"^\s*((?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_.\- ]+?))\s*=")


class KeyLines:
    """The line of each key in a TOML text, so a problem found in the data can point at it.

    Keeps track of `[table]` and `[[array]]` headers (counting array entries) and `key =`
    lines; keys inside an inline table are reported at the line of the inline table.
    """

    def __init__(self, text: str) -> None:
        self._lines: dict[tuple[str | int, ...], int] = {}
        counts: dict[tuple[str | int, ...], int] = {}
        prefix: tuple[str | int, ...] = ()
        for number, line in enumerate(text.splitlines(), start=1):
            header = _HEADER.match(line)
            if header:
                path = _split_key(header.group(2))
                prefix = self._resolve(path, counts)
                if header.group(1) == "[[":
                    index = counts.get(prefix, -1) + 1
                    counts[prefix] = index
                    prefix = (*prefix, index)
                self._lines.setdefault(prefix, number)
                continue
            key = _KEY.match(line)
            if key:
                self._lines.setdefault((*prefix, *_split_key(key.group(1))), number)

    def _resolve(
        self, path: tuple[str, ...], counts: dict[tuple[str | int, ...], int]
    ) -> tuple[str | int, ...]:
        """`[tables.fields]` after the third `[[tables]]` means tables[2].fields."""
        resolved: tuple[str | int, ...] = ()
        for step in path[:-1]:
            resolved = (*resolved, step)
            if resolved in counts:
                resolved = (*resolved, counts[resolved])
        return (*resolved, path[-1])

    def line(self, loc: tuple[str | int, ...]) -> int | None:
        for end in range(len(loc), 0, -1):
            found = self._lines.get(loc[:end])
            if found is not None:
                return found
        return None

    def describe(self, loc: tuple[str | int, ...], message: str) -> str:
        line = self.line(loc)
        where = _shown(loc)
        prefix = f"line {line}: " if line else ""
        return f"{prefix}{where}: {message}" if where else f"{prefix}{message}"


def _split_key(key: str) -> tuple[str, ...]:
    parts = re.findall(r"\"([^\"]*)\"|'([^']*)'|([^.]+)", key)
    return tuple((double or single or bare).strip() for double, single, bare in parts)


def _shown(loc: tuple[str | int, ...]) -> str:
    shown = ""
    for step in loc:
        if isinstance(step, int):
            shown += f"[{step}]"
        else:
            shown += f".{step}" if shown else step
    return shown
