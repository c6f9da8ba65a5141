"""MkDocs hook: the command reference, every command's `--help` as of this build.

The text comes from the commands' own argparse parsers, called in-process, so a new option or
subcommand shows up in the docs without anyone copying it (the sqlite-utils habit, without a
checked-in copy to go stale). Wrapping follows COLUMNS=100, as in a wide terminal, so the
page is the same on every machine.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

from legacy_import.cli import _parser as legacy_import_parser
from sqlmodel_store.cli import _parser as sqlmodel_store_parser

PAGE = "reference/commands.md"
COLUMNS = "100"
PARSERS: tuple[Callable[[], argparse.ArgumentParser], ...] = (
    sqlmodel_store_parser,
    legacy_import_parser,
)


@contextmanager
def _columns(width: str) -> Iterator[None]:
    """argparse sizes its help from COLUMNS when the parser formats, so set it just then."""
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = width
    try:
        yield
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return {
        name: subparser
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for name, subparser in action.choices.items()
    }


def _help_section(level: str, parser: argparse.ArgumentParser) -> list[str]:
    return [f"{level} `{parser.prog}`", "", "```text", parser.format_help().rstrip(), "```", ""]


def commands_page() -> str:
    """The page: each command's help, then each of its subcommands' help."""
    lines = [
        # 100-column help needs the width the table of contents would take.
        "---",
        "hide:",
        "  - toc",
        "---",
        "",
        "# Command reference",
        "",
        "The `--help` of every command, generated from the commands themselves when this site "
        "is built (at 100 columns).",
        "",
    ]
    with _columns(COLUMNS):
        for make_parser in PARSERS:
            parser = make_parser()
            lines += _help_section("##", parser)
            for subparser in _subcommands(parser).values():
                lines += _help_section("###", subparser)
    return "\n".join(lines)


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the generated command reference page."""
    files.append(File.generated(config, PAGE, content=commands_page()))
    return files
