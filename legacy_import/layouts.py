"""Known legacy layouts, described as data: which part feeds which table, and how.

A layout is matched against a source's parts by its `signature` (tables and the columns
they must have). Adding a layout means adding data here, never a new code path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from legacy_import.convert import Conversion
from legacy_import.sources import Part, SourceKind
from legacy_import.targets import targets

# A field rule's source that stands for the whole record, for conversions that need several keys.
WHOLE_RECORD = "*"


@dataclass(frozen=True, slots=True)
class FieldRule:
    """Target field ← source column (or the `WHOLE_RECORD`), through a conversion."""

    target: str
    source: str
    convert: Conversion = "as_is"


@dataclass(frozen=True, slots=True)
class TableRule:
    """A legacy part (table, or file stem) → a store table.

    `legacy_id` names the source column holding the record's own id; `keep_ids` says whether
    that id may become the store id (not when it is a Telegram id, say).
    """

    part: str
    target: str
    fields: tuple[FieldRule, ...]
    legacy_id: str | None = "id"
    keep_ids: bool = True


@dataclass(frozen=True, slots=True)
class Layout:
    name: str
    kind: SourceKind
    description: str
    signature: Mapping[str, frozenset[str]]
    tables: tuple[TableRule, ...]

    def rule_for(self, part: Part) -> TableRule | None:
        for rule in self.tables:
            if rule.part == part.stem:
                return rule
        return None

    def matches(self, parts: list[Part]) -> bool:
        columns = {part.stem: set(part.columns) for part in parts}
        return all(
            table in columns and (not columns[table] or needed <= columns[table])
            for table, needed in self.signature.items()
        )


def _same_names(target: str, part: str | None = None) -> TableRule:
    """A table stored with the store's own column names: identity fields, typed conversions."""
    info = targets()[target]
    return TableRule(
        part=part or target,
        target=target,
        fields=tuple(FieldRule(name, name, info.conversions[name]) for name in info.columns),
        legacy_id="id" if info.has_id else None,
    )


BOT_SQLITE = Layout(
    name="bot-sqlite",
    kind="sqlite",
    description="The bot's own schema as it ran on SQLite (lists as JSON text, booleans 0/1).",
    signature={"users": frozenset({"id", "telegram_id"})},
    tables=tuple(
        _same_names(name, "memory_category_association" if name == "memory_categories" else None)
        for name in targets()
    ),
)

BOT_V0_SQLITE = Layout(
    name="bot-v0-sqlite",
    kind="sqlite",
    description="The bot's first layout: `users` whose `id` is the Telegram id, `joined_date`.",
    signature={"users": frozenset({"id", "joined_date"})},
    tables=(
        TableRule(
            part="users",
            target="users",
            fields=(
                FieldRule("telegram_id", "id"),
                FieldRule("username", "username"),
                FieldRule("first_name", "first_name"),
                FieldRule("last_name", "last_name"),
                FieldRule("created_at", "joined_date", "timestamp"),
            ),
            keep_ids=False,
        ),
    ),
)

CANONICAL_JSON = Layout(
    name="canonical-json",
    kind="json",
    description="`<table>.json`/`.jsonl` with the store's field names (what `export` writes).",
    signature={},
    tables=tuple(_same_names(name) for name in targets()),
)

TELEGRAM_EXPORT = Layout(
    name="telegram-desktop",
    kind="telegram",
    description="A Telegram Desktop chat export (result.json): authors → users, "
    "messages and service entries → messages (rules in legacy_import.telegram).",
    signature={"authors": frozenset(), "messages": frozenset()},
    tables=(
        TableRule(
            part="authors",
            target="users",
            fields=(
                FieldRule("telegram_id", "id"),
                FieldRule("first_name", "name"),
                FieldRule("created_at", "first_seen", "telegram_date"),
                FieldRule("updated_at", "named_at", "telegram_date"),
            ),
            keep_ids=False,
        ),
        TableRule(
            part="messages",
            target="messages",
            fields=(
                FieldRule("user_id", WHOLE_RECORD, "telegram_author"),
                FieldRule("chat_id", "chat", "telegram_chat_id"),
                FieldRule("message_id", "id"),
                FieldRule("reply_to_message_id", "reply_to_message_id"),
                FieldRule("text", "text", "telegram_text"),
                FieldRule("message_type", WHOLE_RECORD, "telegram_message_type"),
                FieldRule("timestamp", WHOLE_RECORD, "telegram_date"),
            ),
            legacy_id=None,
        ),
    ),
)

LAYOUTS = (BOT_SQLITE, BOT_V0_SQLITE, CANONICAL_JSON, TELEGRAM_EXPORT)


def detect_layout(kind: SourceKind, parts: list[Part]) -> Layout | None:
    """The first known layout of this kind whose signature the parts match."""
    for layout in LAYOUTS:
        if layout.kind == kind and layout.matches(parts):
            if kind == "json" and not any(layout.rule_for(part) for part in parts):
                continue
            return layout
    return None
