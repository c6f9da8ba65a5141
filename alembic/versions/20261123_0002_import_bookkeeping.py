"""Import bookkeeping: sources, checkpoints, legacy-id map and rejects of legacy_import.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 07:54:31.560706
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import sqlmodel_store.types

revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('import_sources',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('source_key', sa.Text(), nullable=False),
    sa.Column('layout', sa.String(length=100), nullable=False),
    sa.Column('created_at', sqlmodel_store.types.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_sources')),
    sa.UniqueConstraint('source_key', name=op.f('uq_import_sources_source_key'))
    )
    op.create_table('import_checkpoints',
    sa.Column('source_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('part', sa.String(length=255), nullable=False),
    sa.Column('target_table', sa.String(length=100), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.Column('finished', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('rows_read', sa.BigInteger(), nullable=False),
    sa.Column('inserted', sa.BigInteger(), nullable=False),
    sa.Column('existing', sa.BigInteger(), nullable=False),
    sa.Column('rejected', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sqlmodel_store.types.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['import_sources.id'], name=op.f('fk_import_checkpoints_source_id_import_sources')),
    sa.PrimaryKeyConstraint('source_id', 'part', name=op.f('pk_import_checkpoints'))
    )
    op.create_table('import_keys',
    sa.Column('source_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('target_table', sa.String(length=100), nullable=False),
    sa.Column('legacy_id', sa.BigInteger(), nullable=False),
    sa.Column('target_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['import_sources.id'], name=op.f('fk_import_keys_source_id_import_sources')),
    sa.PrimaryKeyConstraint('source_id', 'target_table', 'legacy_id', name=op.f('pk_import_keys'))
    )
    op.create_table('import_rejects',
    sa.Column('source_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('part', sa.String(length=255), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.Column('location', sa.Text(), nullable=False),
    sa.Column('record', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['import_sources.id'], name=op.f('fk_import_rejects_source_id_import_sources')),
    sa.PrimaryKeyConstraint('source_id', 'part', 'position', name=op.f('pk_import_rejects'))
    )


def downgrade() -> None:
    op.drop_table('import_rejects')
    op.drop_table('import_keys')
    op.drop_table('import_checkpoints')
    op.drop_table('import_sources')
