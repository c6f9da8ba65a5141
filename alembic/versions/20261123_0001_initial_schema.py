"""Initial schema: the ten tables of DESIGN.md.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 07:25:32.468335
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import sqlmodel_store.types

revision: str = '0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('categories',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('domain', sa.String(length=50), nullable=False),
    sa.Column('full_path', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('icon', sa.String(length=10), nullable=True),
    sa.Column('importance_range_min', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('importance_range_max', sa.Integer(), server_default=sa.text('10000'), nullable=False),
    sa.Column('parent_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint("domain IN ('self', 'social', 'knowledge', 'interest', 'episode', 'meta')", name=op.f('ck_categories_domain_known')),
    sa.ForeignKeyConstraint(['parent_id'], ['categories.id'], name=op.f('fk_categories_parent_id_categories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('full_path', name=op.f('uq_categories_full_path')),
    sa.UniqueConstraint('name', name=op.f('uq_categories_name'))
    )
    op.create_table('jokes',
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('joke_text', sa.Text(), nullable=False),
    sa.Column('joke_type', sa.String(length=50), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=True),
    sa.Column('context', sa.Text(), nullable=True),
    sa.Column('reactions_count', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('likes_count', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('created_at', sqlmodel_store.types.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint('likes_count >= 0', name=op.f('ck_jokes_likes_count_non_negative')),
    sa.CheckConstraint('reactions_count >= 0', name=op.f('ck_jokes_reactions_count_non_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jokes'))
    )
    op.create_table('lessons',
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('admin_id', sa.BigInteger(), nullable=False),
    sa.Column('order', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', sqlmodel_store.types.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sqlmodel_store.types.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lessons'))
    )
    op.create_table('memories',
    sa.Column('simple_content', sa.Text(), nullable=False),
    sa.Column('full_content', sa.Text(), nullable=False),
    sa.Column('importance', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('emotion_valence', sa.Double(), nullable=True),
    sa.Column('emotion_arousal', sa.Double(), nullable=True),
    sa.Column('emotion_dominance', sa.Double(), nullable=True),
    sa.Column('emotion_label', sa.String(length=50), nullable=True),
    sa.Column('keywords', sqlmodel_store.types.TextList(), nullable=True),
    sa.Column('tags', sqlmodel_store.types.TextList(), nullable=True),
    sa.Column('context_temporal', sa.Text(), nullable=True),
    sa.Column('context_situational', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('parent_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('evolution_triggers', sqlmodel_store.types.BigIntList(), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sqlmodel_store.types.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sqlmodel_store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_accessed', sqlmodel_store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('access_count', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint('emotion_arousal BETWEEN -1 AND 1', name=op.f('ck_memories_emotion_arousal_range')),
    sa.CheckConstraint('emotion_dominance BETWEEN -1 AND 1', name=op.f('ck_memories_emotion_dominance_range')),
    sa.CheckConstraint('emotion_valence BETWEEN -1 AND 1', name=op.f('ck_memories_emotion_valence_range')),
    sa.CheckConstraint('importance >= 0', name=op.f('ck_memories_importance_non_negative')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_memories_version_positive')),
    sa.ForeignKeyConstraint(['parent_id'], ['memories.id'], name=op.f('fk_memories_parent_id_memories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memories'))
    )
    op.create_table('users',
    sa.Column('telegram_id', sa.BigInteger(), nullable=False),
    sa.Column('username', sa.String(length=255), nullable=True),
    sa.Column('first_name', sa.String(length=255), nullable=True),
    sa.Column('last_name', sa.String(length=255), nullable=True),
    sa.Column('is_friend', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('language_code', sa.String(length=10), nullable=True),
    sa.Column('created_at', sqlmodel_store.types.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sqlmodel_store.types.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('telegram_id', name=op.f('uq_users_telegram_id'))
    )
    op.create_table('facts',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('fact_text', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=255), nullable=True),
    sa.Column('created_at', sqlmodel_store.types.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_facts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facts'))
    )
    op.create_index(op.f('ix_facts_user_id'), 'facts', ['user_id'], unique=False)
    op.create_table('memory_categories',
    sa.Column('memory_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('category_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_memory_categories_category_id_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['memory_id'], ['memories.id'], name=op.f('fk_memory_categories_memory_id_memories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('memory_id', 'category_id', name=op.f('pk_memory_categories'))
    )
    op.create_table('memory_links',
    sa.Column('from_memory_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('to_memory_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('link_type', sa.String(length=50), nullable=False),
    sa.Column('strength', sa.Double(), server_default=sa.text('1.0'), nullable=False),
    sa.Column('context', sa.Text(), nullable=True),
    sa.Column('created_at', sqlmodel_store.types.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('auto_generated', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint('strength BETWEEN 0 AND 1', name=op.f('ck_memory_links_strength_range')),
    sa.ForeignKeyConstraint(['from_memory_id'], ['memories.id'], name=op.f('fk_memory_links_from_memory_id_memories')),
    sa.ForeignKeyConstraint(['to_memory_id'], ['memories.id'], name=op.f('fk_memory_links_to_memory_id_memories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memory_links')),
    sa.UniqueConstraint('from_memory_id', 'to_memory_id', 'link_type', name=op.f('uq_memory_links_from_memory_id_to_memory_id_link_type'))
    )
    op.create_index(op.f('ix_memory_links_from_memory_id'), 'memory_links', ['from_memory_id'], unique=False)
    op.create_index(op.f('ix_memory_links_to_memory_id'), 'memory_links', ['to_memory_id'], unique=False)
    op.create_table('messages',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('reply_to_message_id', sa.BigInteger(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('message_type', sa.String(length=50), server_default=sa.text("'text'"), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=True),
    sa.Column('timestamp', sqlmodel_store.types.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_messages_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages')),
    sa.UniqueConstraint('chat_id', 'message_id', name=op.f('uq_messages_chat_id_message_id'))
    )
    op.create_index('ix_messages_chat_id_timestamp_id', 'messages', ['chat_id', 'timestamp', 'id'], unique=False)
    op.create_table('stats',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('stat_type', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Double(), nullable=False),
    sa.Column('extra_data', sqlmodel_store.types.JSONDocument(), nullable=True),
    sa.Column('timestamp', sqlmodel_store.types.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_stats_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stats'))
    )
    op.create_index('ix_stats_user_id_stat_type', 'stats', ['user_id', 'stat_type'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_stats_user_id_stat_type', table_name='stats')
    op.drop_table('stats')
    op.drop_index('ix_messages_chat_id_timestamp_id', table_name='messages')
    op.drop_table('messages')
    op.drop_index(op.f('ix_memory_links_to_memory_id'), table_name='memory_links')
    op.drop_index(op.f('ix_memory_links_from_memory_id'), table_name='memory_links')
    op.drop_table('memory_links')
    op.drop_table('memory_categories')
    op.drop_index(op.f('ix_facts_user_id'), table_name='facts')
    op.drop_table('facts')
    op.drop_table('users')
    op.drop_table('memories')
    op.drop_table('lessons')
    op.drop_table('jokes')
    op.drop_table('categories')
