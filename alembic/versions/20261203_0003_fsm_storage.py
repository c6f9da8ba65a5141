"""FSM storage: aiogram's conversation state and data per storage key (fsm_records).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 15:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sqlmodel_store.types

revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('fsm_records',
    sa.Column('bot_id', sa.BigInteger(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('thread_id', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('business_connection_id', sa.String(length=255), server_default=sa.text("''"), nullable=False),
    sa.Column('destiny', sa.String(length=255), server_default=sa.text("'default'"), nullable=False),
    sa.Column('state', sa.Text(), nullable=True),
    sa.Column('data', sqlmodel_store.types.JSONDocument(), nullable=True),
    sa.Column('updated_at', sqlmodel_store.types.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('bot_id', 'chat_id', 'user_id', 'thread_id', 'business_connection_id', 'destiny', name=op.f('pk_fsm_records'))
    )


def downgrade() -> None:
    op.drop_table('fsm_records')
