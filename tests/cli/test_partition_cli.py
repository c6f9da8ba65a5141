"""`python -m sqlmodel_store partition-messages`: splits messages once, refuses otherwise."""

from __future__ import annotations

from collections.abc import Callable

from tests.cli.test_store_cli import cli
from tests.legacy.helpers import query

PARTITIONS_OF_MESSAGES = "SELECT count(*) FROM pg_inherits WHERE inhparent = 'messages'::regclass"


def test_partition_messages_splits_once_then_refuses_in_one_line(
    new_database: Callable[[str], str],
) -> None:
    url = new_database("postgres")
    assert cli("upgrade", url=url).returncode == 0
    done = cli("partition-messages", "--partitions", "4", url=url)
    assert done.returncode == 0, done.stderr
    assert "into 4 by chat_id" in done.stdout
    assert query(url, PARTITIONS_OF_MESSAGES) == [(4,)]
    again = cli("partition-messages", url=url)
    assert again.returncode == 3
    assert again.stderr.strip().splitlines() == [
        "error: messages is already partitioned; nothing was changed"
    ]
    assert cli("check", url=url).returncode == 0


def test_partition_messages_on_sqlite_exits_3_and_says_it_needs_postgresql(
    new_database: Callable[[str], str],
) -> None:
    url = new_database("sqlite")
    assert cli("upgrade", url=url).returncode == 0
    refused = cli("partition-messages", url=url)
    assert refused.returncode == 3
    assert "needs PostgreSQL" in refused.stderr
