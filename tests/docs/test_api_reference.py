"""The API reference names every module of `legacy_import`, so a new one cannot go unread."""

from __future__ import annotations

import pkgutil
import re
from pathlib import Path

import legacy_import

REFERENCE = Path(__file__).parents[2] / "docs" / "reference" / "api" / "legacy_import.md"


def test_the_api_reference_covers_every_module_of_legacy_import() -> None:
    modules = {"legacy_import"} | {
        found.name
        for found in pkgutil.walk_packages(legacy_import.__path__, "legacy_import.")
        if not found.name.endswith("__main__")
    }
    listed = set(re.findall(r"^::: (\S+)$", REFERENCE.read_text(encoding="utf-8"), re.M))
    assert modules - listed == set()
    assert listed - modules == set()
