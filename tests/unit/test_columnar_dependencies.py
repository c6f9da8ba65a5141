"""Without its libraries the columnar path fails at import, saying what to install."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    ("blocked", "module"),
    [
        ("adbc_driver_sqlite", "legacy_import.sources.arrow_sqlite"),
        ("pyarrow", "legacy_import.sources.arrow_sqlite"),
        ("pgpq", "legacy_import.load.binary_copy"),
    ],
)
def test_a_missing_library_fails_loudly_with_what_to_install(blocked: str, module: str) -> None:
    code = f"import sys; sys.modules[{blocked!r}] = None; import {module}"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert found.returncode != 0
    assert "pip install" in found.stderr
    assert f"needs {blocked}" in found.stderr
