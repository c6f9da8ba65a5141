"""The FastAPI guide's example (docs/examples/fastapi_app.py) does what the guide says."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.testclient import TestClient

from sqlmodel_store import SchemaNotAtHeadError, Store, StoreSettings

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "fastapi_app.py"


def _load_example() -> ModuleType:
    """docs/ is not a package: import the example by its path."""
    spec = importlib.util.spec_from_file_location("docs_fastapi_app", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


example = _load_example()


def test_a_user_is_created_changed_and_read_back(store: Store) -> None:
    app = example.create_app(store.settings)
    with TestClient(app) as http:
        created = http.put("/users/42", json={"username": "neko"})
        changed = http.put("/users/42", json={"first_name": "Neko"})
        read = http.get("/users/42")
        missing = http.get("/users/43")
    assert created.status_code == 200
    assert read.json()["id"] == created.json()["id"]
    assert (read.json()["username"], read.json()["first_name"]) == ("neko", "Neko")
    assert changed.json()["username"] == "neko"
    assert missing.status_code == 404


def test_invalid_input_is_refused_before_the_database(store: Store) -> None:
    app = example.create_app(store.settings)
    with TestClient(app) as http:
        refused = http.put("/users/42", json={"language_code": "x" * 11})
        missing = http.get("/users/42")
    assert refused.status_code == 422
    assert missing.status_code == 404


def test_the_health_routes_report_a_migrated_database_ready(store: Store) -> None:
    with TestClient(example.create_app(store.settings)) as http:
        assert http.get("/health/live").status_code == 200
        ready = http.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["pool"]["checked_out"] == 0


def test_the_app_does_not_start_without_the_schema(tmp_path: Path) -> None:
    settings = StoreSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    with (
        pytest.raises(SchemaNotAtHeadError, match="python -m sqlmodel_store upgrade"),
        TestClient(example.create_app(settings)),
    ):
        pass
