"""Bulk mode rebuilds a table's foreign keys as soon as that table is loaded, beside the rest
of the load (`BulkMode.rebuild_soon`). That needs nothing of the other tables' deferred keys
only while every foreign key references a primary key, which bulk mode never drops."""

from __future__ import annotations

from legacy_import.mapping.targets import targets


def test_every_foreign_key_of_the_store_references_a_primary_key() -> None:
    for target in targets().values():
        for key in target.table.foreign_keys:
            referenced = key.column.table
            assert key.column.name in referenced.primary_key.columns, key.target_fullname
