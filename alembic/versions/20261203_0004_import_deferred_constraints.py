"""Bulk imports: the constraints and indexes an import dropped and has yet to rebuild.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 15:28:06.238817
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import sqlmodel_store.types

revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('import_deferred_constraints',
    sa.Column('table_name', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('created_at', sqlmodel_store.types.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('table_name', 'name', name=op.f('pk_import_deferred_constraints'))
    )


def downgrade() -> None:
    op.drop_table('import_deferred_constraints')
