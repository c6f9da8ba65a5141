"""Commit tokens travel as text between processes and compare as WAL positions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sqlmodel_store import CommitToken


@given(st.integers(min_value=0, max_value=(1 << 64) - 1))
def test_str_of_a_token_parses_back_to_the_same_token(lsn: int) -> None:
    token = CommitToken(lsn)
    assert CommitToken.parse(str(token)) == token


def test_a_token_reads_as_postgresql_writes_an_lsn() -> None:
    assert str(CommitToken.parse("16/B374D848")) == "16/B374D848"
    assert CommitToken.parse("0/10") < CommitToken.parse("0/100") < CommitToken.parse("1/0")
    assert CommitToken.parse("1/0").lsn == 1 << 32
