"""Read-only units and commit tokens on a single server, SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest

from sqlmodel_store import CommitToken, ReadOnlyError, Store
from tests.factories import message, user


async def test_a_read_only_unit_refuses_repository_writes(store: Store) -> None:
    async with store.unit_of_work(read_only=True) as ro:
        with pytest.raises(ReadOnlyError):
            await ro.users.add(user())
    async with store.unit_of_work(read_only=True) as ro:
        assert await ro.users.page() == []


async def test_a_read_only_unit_refuses_many_rows_at_once(store: Store) -> None:
    async with store.unit_of_work() as uow:
        author = await uow.users.add(user())
        await uow.commit()
    async with store.unit_of_work(read_only=True) as ro:
        with pytest.raises(ReadOnlyError):
            await ro.messages.add_many([message(author.id or 0, 1)])
    async with store.unit_of_work(read_only=True) as ro:
        assert await ro.messages.page() == []


async def test_a_read_only_unit_reads_what_was_committed(store: Store) -> None:
    async with store.unit_of_work() as uow:
        added = await uow.users.add(user(username="neko"))
        token = await uow.commit()
    async with store.unit_of_work(read_only=True, after=token) as ro:
        found = await ro.users.get(added.id or 0)
    assert found is not None
    assert found.username == "neko"


async def test_without_replicas_a_commit_token_is_satisfied_by_any_server(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.users.add(user())
        token = await uow.commit()
    assert token == CommitToken()
    assert CommitToken.parse(str(token)) == token


async def test_after_is_refused_for_a_unit_that_writes(store: Store) -> None:
    with pytest.raises(ValueError, match="read-only"):
        store.unit_of_work(after=CommitToken())


async def test_a_malformed_token_is_refused_with_what_one_looks_like(store: Store) -> None:
    with pytest.raises(ValueError, match="0/16B3748"):
        store.unit_of_work(read_only=True, after="yesterday")
