"""subscribers: readers following a site by email, and each post's mailing

Revision ID: 0003_subscribers
Revises: 0002_accounts
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_subscribers"
down_revision = "0003_analytics"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE"):
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade():
    op.create_table(
        "subscribers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("unsubscribed_at", sa.DateTime(), nullable=True),
        sa.Column("bounced_at", sa.DateTime(), nullable=True),
        sa.Column("bounce_reason", sa.String(length=300), nullable=False),
        _fk("subscribers", "site_id", "sites"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscribers")),
        sa.UniqueConstraint("site_id", "email", name="uq_subscribers_site_email"),
    )
    op.create_index("ix_subscribers_site_status", "subscribers", ["site_id", "status", "id"])
    op.create_table(
        "newsletter_settings",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("sending_enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("daily_quota", sa.Integer(), nullable=True),
        _fk("newsletter_settings", "site_id", "sites"),
        sa.PrimaryKeyConstraint("site_id", name=op.f("pk_newsletter_settings")),
    )
    op.create_table(
        "newsletter_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("last_subscriber_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        _fk("newsletter_sends", "site_id", "sites"),
        _fk("newsletter_sends", "page_id", "pages"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_newsletter_sends")),
        sa.UniqueConstraint("page_id", name=op.f("uq_newsletter_sends_page_id")),
    )
    op.create_index("ix_newsletter_sends_site_id", "newsletter_sends", ["site_id"])
    op.create_table(
        "newsletter_deliveries",
        sa.Column("send_id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["send_id"],
            ["newsletter_sends.id"],
            name=op.f("fk_newsletter_deliveries_send_id_newsletter_sends"),
            ondelete="CASCADE",
        ),
        _fk("newsletter_deliveries", "subscriber_id", "subscribers"),
        _fk("newsletter_deliveries", "site_id", "sites"),
        sa.PrimaryKeyConstraint("send_id", "subscriber_id", name=op.f("pk_newsletter_deliveries")),
    )
    op.create_index(
        "ix_newsletter_deliveries_site_at", "newsletter_deliveries", ["site_id", "at"]
    )
    op.create_index(
        "ix_newsletter_deliveries_subscriber_id", "newsletter_deliveries", ["subscriber_id"]
    )
    # Posts already visible were written before anyone could subscribe: mark them mailed-out
    # ("skipped") so the first sending run does not mail a site's whole back catalogue.
    op.execute(
        "INSERT INTO newsletter_sends (site_id, page_id, status, total, last_subscriber_id, message, created_at) "
        "SELECT site_id, id, 'skipped', 0, 0, 'published before subscriptions', CURRENT_TIMESTAMP "
        "FROM pages WHERE kind = 'post' AND status = 'published' "
        "AND published_at IS NOT NULL AND published_at <= CURRENT_TIMESTAMP"
    )


def downgrade():
    op.drop_table("newsletter_deliveries")
    op.drop_table("newsletter_sends")
    op.drop_table("newsletter_settings")
    op.drop_table("subscribers")
