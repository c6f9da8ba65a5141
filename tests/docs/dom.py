"""A small element tree over the standard library's HTML parser, enough to query built pages.

The built site and Chromium's `--dump-dom` output are both read through it, so the same
queries check the static page and the page as a browser ended up with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass(slots=True)
class Element:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Element | str] = field(default_factory=list)

    def iter(self, tag: str | None = None, cls: str | None = None) -> Iterator[Element]:
        """This element and its descendants, in document order, filtered by tag and class."""
        if (tag is None or self.tag == tag) and (cls is None or cls in self.classes):
            yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter(tag, cls)

    def find(self, tag: str | None = None, cls: str | None = None) -> Element:
        found = next(self.iter(tag, cls), None)
        assert found is not None, f"no <{tag or '*'} class={cls!r}> under <{self.tag}>"
        return found

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    @property
    def text(self) -> str:
        return "".join(child if isinstance(child, str) else child.text for child in self.children)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document")
        self._open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self._open[-1].children.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open[-1].children.append(Element(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        # Close up to the matching element; an end tag with none open is ignored.
        for depth in range(len(self._open) - 1, 0, -1):
            if self._open[depth].tag == tag:
                del self._open[depth:]
                return

    def handle_data(self, data: str) -> None:
        self._open[-1].children.append(data)


def parse(html: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def parse_file(path: Path) -> Element:
    return parse(path.read_text(encoding="utf-8"))


def normalized(text: str) -> str:
    """Text with every run of whitespace made one space: wrapping is not content."""
    return " ".join(text.split())


def table_rows(table: Element) -> list[list[str]]:
    """The body rows of a table, each as its cells' normalized text."""
    return [
        [normalized(cell.text) for cell in row.iter("td")]
        for row in table.iter("tr")
        if any(True for _ in row.iter("td"))
    ]
