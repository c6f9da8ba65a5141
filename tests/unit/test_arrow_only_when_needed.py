"""Arrow, ADBC and pgpq cost some 48 MiB in each process that imports them: a run that reads
no columns (JSON, a Telegram export) must not load them, or its peak memory passes 200 MB."""

from __future__ import annotations

import subprocess
import sys

COLUMNAR = ("pyarrow", "adbc_driver_sqlite", "pgpq")


def test_the_command_and_its_workers_start_without_arrow() -> None:
    probe = (
        "import sys, legacy_import.cli, legacy_import.prepare.worker_process; "
        f"print([name for name in {COLUMNAR!r} if name in sys.modules])"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert found == "[]"
