"""each account's own time zone

Revision ID: 0002_phone
Revises: 0001

"""

import sqlalchemy as sa
from alembic import op

revision = "0002_phone"
down_revision = "0002_jobs"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("time_zone")
