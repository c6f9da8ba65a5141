"""The command reference shows each command's `--help` as the command prints it today."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.docs.dom import normalized, parse_file

# The commands the docs promise (README, DESIGN.md): a new one must be added here and appears
# on the page by itself.
COMMANDS = [
    "sqlmodel_store",
    "sqlmodel_store upgrade",
    "sqlmodel_store downgrade",
    "sqlmodel_store current",
    "sqlmodel_store check",
    "sqlmodel_store health",
    "sqlmodel_store partition-messages",
    "legacy_import",
    "legacy_import run",
    "legacy_import inspect",
    "legacy_import verify",
    "legacy_import export",
]


def _help(command: str) -> str:
    printed = subprocess.run(
        [sys.executable, "-m", *command.split(), "--help"],
        env={**os.environ, "COLUMNS": "100"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return printed.stdout


@pytest.fixture(scope="module")
def printed_help() -> dict[str, str]:
    """Every command's help, run as a user runs it (two at a time: each starts Python)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(COMMANDS, pool.map(_help, COMMANDS), strict=True))


@pytest.fixture(scope="module")
def documented_help(built_site: Path) -> dict[str, str]:
    """The page's help blocks, by the command named in the heading above each."""
    article = parse_file(built_site / "reference" / "commands" / "index.html").find("article")
    sections: dict[str, str] = {}
    heading = ""
    for element in article.iter():
        if element.tag in {"h2", "h3"}:
            heading = normalized(element.text).removeprefix("python -m ").rstrip("¶ ")
        elif element.tag == "pre":
            sections[heading] = element.text
    return sections


def test_the_page_documents_every_command(documented_help: dict[str, str]) -> None:
    assert sorted(documented_help) == sorted(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_the_page_shows_the_commands_current_help(
    command: str, printed_help: dict[str, str], documented_help: dict[str, str]
) -> None:
    assert normalized(documented_help[command]) == normalized(printed_help[command])
