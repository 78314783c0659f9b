"""background jobs: sent-mail keys and site transfers

Revision ID: 0002_jobs
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_jobs"
down_revision = "0002_readers"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sent_mail",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sent_mail")),
    )
    with op.batch_alter_table("sent_mail", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sent_mail_sent_at"), ["sent_at"], unique=False)

    op.create_table(
        "transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_transfers_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_transfers_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfers")),
    )
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transfers_site_id"), ["site_id"], unique=False)


def downgrade():
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfers_site_id"))
    op.drop_table("transfers")
    with op.batch_alter_table("sent_mail", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sent_mail_sent_at"))
    op.drop_table("sent_mail")
