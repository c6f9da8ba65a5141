"""Replica settings that cannot be read stop the command with one line, as any bad setting."""

from __future__ import annotations

import os
import subprocess
import sys

SECRET = "s3cr3t-pa55"


def test_read_urls_that_are_not_a_json_list_exit_2_with_the_form_to_use() -> None:
    environment = os.environ | {
        "DATABASE_URL": "postgresql://bot@127.0.0.1:9/bot",
        "DATABASE_READ_URLS": f"postgresql://bot:{SECRET}@replica1/bot",
    }
    result = subprocess.run(
        [sys.executable, "-m", "sqlmodel_store", "health"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "is a JSON list" in result.stderr
    assert SECRET not in result.stdout + result.stderr
