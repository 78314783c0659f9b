"""analytics: daily page-view figures per site, today's salted visitor hashes, the day's salt

Revision ID: 0003_analytics
Revises: 0002_accounts
Create Date: 2026-12-03 16:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0003_analytics"
down_revision = "0003_importers"
branch_labels = None
depends_on = None


def _site_fk(table):
    return sa.ForeignKeyConstraint(
        ["site_id"], ["sites.id"], name=op.f(f"fk_{table}_site_id_sites"), ondelete="CASCADE"
    )


def upgrade():
    op.create_table(
        "analytics_days",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("uniques", sa.Integer(), nullable=False),
        sa.Column("feed_fetches", sa.Integer(), nullable=False),
        _site_fk("analytics_days"),
        sa.PrimaryKeyConstraint("site_id", "day", name=op.f("pk_analytics_days")),
    )
    op.create_table(
        "analytics_paths",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        _site_fk("analytics_paths"),
        sa.PrimaryKeyConstraint("site_id", "day", "path", name=op.f("pk_analytics_paths")),
    )
    op.create_table(
        "analytics_referrers",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("host", sa.String(length=100), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        _site_fk("analytics_referrers"),
        sa.PrimaryKeyConstraint("site_id", "day", "host", name=op.f("pk_analytics_referrers")),
    )
    op.create_table(
        "analytics_visitors",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("digest", sa.String(length=32), nullable=False),
        _site_fk("analytics_visitors"),
        sa.PrimaryKeyConstraint("site_id", "day", "digest", name=op.f("pk_analytics_visitors")),
    )
    op.create_table(
        "analytics_salts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_analytics_salts")),
    )


def downgrade():
    for table in (
        "analytics_salts",
        "analytics_visitors",
        "analytics_referrers",
        "analytics_paths",
        "analytics_days",
    ):
        op.drop_table(table)
