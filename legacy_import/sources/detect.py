"""Which kind of source a path is, from its content, and opening it."""

from __future__ import annotations

from pathlib import Path

from legacy_import.errors import SourceError
from legacy_import.sources.base import Source, SourceSpec
from legacy_import.sources.json_dump import SUFFIXES, JsonSource
from legacy_import.sources.sqlite import SQLITE_HEADER, SqliteSource
from legacy_import.sources.telegram import EXPORT_FILE, TelegramSource, looks_like_export


def detect(path: Path, fmt: str = "auto", encoding: str | None = None) -> SourceSpec:
    """Which kind of source `path` is, from its content (not its name)."""
    resolved = path.expanduser().resolve()
    if not resolved.exists():
        raise SourceError(f"{path} does not exist; give the path of a legacy database or dump")
    if fmt != "auto":
        return SourceSpec(fmt, resolved, encoding)  # type: ignore[arg-type]
    if resolved.is_dir():
        export = _telegram_export_in(resolved)
        return SourceSpec("telegram" if export else "json", export or resolved, encoding)
    with resolved.open("rb") as handle:
        head = handle.read(len(SQLITE_HEADER))
        handle.seek(0)
        telegram = resolved.suffix == ".json" and looks_like_export(handle)
    if head == SQLITE_HEADER:
        return SourceSpec("sqlite", resolved, encoding)
    if telegram:
        return SourceSpec("telegram", resolved, encoding)
    if resolved.suffix in (".json", ".jsonl"):
        return SourceSpec("json", resolved, encoding)
    raise SourceError(
        f"{path} is neither a SQLite database nor a .json/.jsonl file; "
        "pass --format to say what it is"
    )


def _telegram_export_in(folder: Path) -> Path | None:
    """The result.json of a folder Telegram Desktop exported (beside it only its media), as the
    operator finds it on disk; read as loose JSON files it would be rejected record by record."""
    export = folder / EXPORT_FILE
    if not export.is_file():
        return None
    with export.open("rb") as handle:
        if not looks_like_export(handle):
            return None
    others = sorted(p.name for p in folder.iterdir() if p.suffix in SUFFIXES and p != export)
    if others:
        raise SourceError(
            f"{folder} holds a Telegram export ({EXPORT_FILE}) and other JSON files "
            f"({', '.join(others)}): import {export} and those files as separate sources"
        )
    return export


def open_source(spec: SourceSpec) -> Source:
    if spec.kind == "sqlite":
        return SqliteSource(spec)
    if spec.kind == "telegram":
        return TelegramSource(spec)
    return JsonSource(spec)
