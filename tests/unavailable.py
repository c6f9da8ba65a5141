"""A test whose outside dependency is missing skips with the reason, unless CI requires it."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def without(what: str, reason: str, required_by: str) -> NoReturn:
    """Skip, or fail when the environment variable `required_by` is 1 (as in `.ci/run`)."""
    message = f"{what} unavailable: {reason}"
    if os.environ.get(required_by) == "1":
        pytest.fail(f"{message} ({required_by}=1 forbids skipping)", pytrace=False)
    pytest.skip(message)
