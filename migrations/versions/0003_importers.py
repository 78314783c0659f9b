"""importers: the old ids and addresses of pages imported from other platforms

Revision ID: 0003_importers
Revises: 0002_accounts

A table of its own keyed by page id, so the `pages` table (and its SQLite FTS5 triggers)
is left as it is.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_importers"
down_revision = "0002_accounts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "imported_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["page_id"],
            ["pages.id"],
            name=op.f("fk_imported_keys_page_id_pages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_imported_keys_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported_keys")),
        sa.UniqueConstraint("site_id", "kind", "key", name=op.f("uq_imported_keys_site_id")),
    )
    with op.batch_alter_table("imported_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_imported_keys_page_id"), ["page_id"], unique=False)


def downgrade():
    with op.batch_alter_table("imported_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_imported_keys_page_id"))
    op.drop_table("imported_keys")
