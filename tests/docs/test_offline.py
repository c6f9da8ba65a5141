"""The site works with no network: no page, stylesheet or script loads from another host."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from tests.docs.dom import parse_file

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
# Elements and attributes that make a browser fetch (an <a href> is only a link, not a load).
FETCHING = {
    "script": "src",
    "link": "href",
    "img": "src",
    "iframe": "src",
    "source": "src",
    "audio": "src",
    "video": "src",
    "embed": "src",
    "object": "data",
}
CSS_URL = re.compile(r"""@import\s+(?:url\()?\s*["']?([^"')\s;]+)|url\(\s*["']?([^"')\s]+)""")


def remote(url: str) -> bool:
    parts = urlsplit(url.strip())
    return (
        parts.scheme in {"http", "https", ""}
        and bool(parts.netloc)
        and (parts.hostname not in LOCAL_HOSTS)
    )


def css_urls(css: str) -> list[str]:
    return [first or second for first, second in CSS_URL.findall(css)]


def remote_loads(page: Path) -> list[str]:
    root = parse_file(page)
    found = [
        f"<{element.tag} {attribute}={element.attrs[attribute]}>"
        for tag, attribute in FETCHING.items()
        for element in root.iter(tag)
        if attribute in element.attrs and remote(element.attrs[attribute])
    ]
    styles = [style.text for style in root.iter("style")]
    styles += [element.attrs["style"] for element in root.iter() if "style" in element.attrs]
    found += [f"style: {url}" for css in styles for url in css_urls(css) if remote(url)]
    return found


def test_no_page_loads_anything_from_another_host(built_site: Path) -> None:
    pages = sorted(built_site.rglob("*.html"))
    assert len(pages) > 10

    loads = {str(page.relative_to(built_site)): remote_loads(page) for page in pages}

    assert {page: found for page, found in loads.items() if found} == {}


def test_no_stylesheet_imports_from_another_host(built_site: Path) -> None:
    loads = {
        str(sheet.relative_to(built_site)): [
            url for url in css_urls(sheet.read_text(encoding="utf-8")) if remote(url)
        ]
        for sheet in built_site.rglob("*.css")
    }

    assert {sheet: found for sheet, found in loads.items() if found} == {}


def test_the_check_recognises_a_remote_load() -> None:
    assert remote("https://fonts.googleapis.com/css?family=Roboto")
    assert remote("//cdn.example.org/mermaid.min.js")
    assert not remote("http://127.0.0.1:8000/assets/main.js")
    assert not remote("../assets/javascripts/bundle.js")
    assert css_urls("@import url('https://fonts.example.org/a.css'); b{background:url(x.png)}") == [
        "https://fonts.example.org/a.css",
        "x.png",
    ]
