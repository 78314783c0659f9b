"""accounts: custom domains reserved only once verified, two-factor sign-in

Revision ID: 0002_accounts
Revises: 0001
Create Date: 2026-12-03 14:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0002_accounts"
down_revision = "0002_phone"
branch_labels = None
depends_on = None

VERIFIED = sa.text("domain_verified_at IS NOT NULL")


def upgrade():
    # An unverified claim no longer reserves a domain: uniqueness covers verified ones only.
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_constraint("uq_sites_custom_domain", type_="unique")
        batch_op.create_index("ix_sites_custom_domain", ["custom_domain"], unique=False)
        batch_op.create_index(
            "uq_sites_verified_custom_domain",
            ["custom_domain"],
            unique=True,
            postgresql_where=VERIFIED,
            sqlite_where=VERIFIED,
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_enabled_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_recovery_codes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
    )
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recovery_codes_user_id"), ["user_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_codes_user_id"))
    op.drop_table("recovery_codes")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_enabled_at")
        batch_op.drop_column("totp_secret")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_index("uq_sites_verified_custom_domain")
        batch_op.drop_index("ix_sites_custom_domain")
        batch_op.create_unique_constraint("uq_sites_custom_domain", ["custom_domain"])
