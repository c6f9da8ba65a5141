"""`scripts/make_legacy_db.py` as a module: the legacy bot schema and its row generator."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).parents[2] / "scripts" / "make_legacy_db.py"
_spec = importlib.util.spec_from_file_location("make_legacy_db", SCRIPT)
assert _spec
assert _spec.loader
generator: Any = importlib.util.module_from_spec(_spec)
sys.modules["make_legacy_db"] = generator
_spec.loader.exec_module(generator)
