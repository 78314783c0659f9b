"""what readers can do: tags, old slugs, language, social images, blog settings, search

Revision ID: 0002_readers
Revises: 0001

The search index lives in the database, not in the models (services/search.py names it):
PostgreSQL keeps a generated tsvector column with a GIN index; SQLite keeps an FTS5 table
over pages(title, body), in step through triggers. A later migration that rebuilds the
`pages` table on SQLite (batch "recreate") drops those triggers and must create them again.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_readers"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = (
    """CREATE TRIGGER pages_fts_insert AFTER INSERT ON pages BEGIN
         INSERT INTO pages_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
       END""",
    """CREATE TRIGGER pages_fts_delete AFTER DELETE ON pages BEGIN
         INSERT INTO pages_fts(pages_fts, rowid, title, body)
         VALUES ('delete', old.id, old.title, old.body);
       END""",
    """CREATE TRIGGER pages_fts_update AFTER UPDATE OF title, body ON pages BEGIN
         INSERT INTO pages_fts(pages_fts, rowid, title, body)
         VALUES ('delete', old.id, old.title, old.body);
         INSERT INTO pages_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
       END""",
)


def upgrade():
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=35), server_default="en", nullable=False)
        )
        batch_op.add_column(
            sa.Column("posts_per_page", sa.Integer(), server_default="20", nullable=False)
        )
        batch_op.add_column(
            sa.Column("blog_path", sa.String(length=100), server_default="blog", nullable=False)
        )
        batch_op.add_column(sa.Column("social_image", sa.String(length=100), nullable=True))

    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("social_image", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("language", sa.String(length=35), nullable=True))
        batch_op.create_index(
            "ix_pages_site_posts", ["site_id", "kind", "published_at", "id"], unique=False
        )

    op.create_table(
        "page_tags",
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["page_id"], ["pages.id"], name=op.f("fk_page_tags_page_id_pages"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_page_tags_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("page_id", "slug", name=op.f("pk_page_tags")),
    )
    with op.batch_alter_table("page_tags", schema=None) as batch_op:
        batch_op.create_index("ix_page_tags_site_slug", ["site_id", "slug"], unique=False)

    op.create_table(
        "slug_redirects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("old_slug", sa.String(length=100), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["page_id"],
            ["pages.id"],
            name=op.f("fk_slug_redirects_page_id_pages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_slug_redirects_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slug_redirects")),
        sa.UniqueConstraint("site_id", "old_slug", name=op.f("uq_slug_redirects_site_id")),
    )
    with op.batch_alter_table("slug_redirects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_slug_redirects_page_id"), ["page_id"], unique=False
        )

    if op.get_bind().dialect.name == "postgresql":
        # 'simple': no stemming, so every language a site may be written in is indexed alike.
        op.execute(
            """ALTER TABLE pages ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
                 setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A') ||
                 setweight(to_tsvector('simple'::regconfig, coalesce(body, '')), 'B')
               ) STORED"""
        )
        op.execute("CREATE INDEX ix_pages_search_vector ON pages USING gin (search_vector)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE pages_fts USING fts5("
            "title, body, content='pages', content_rowid='id', tokenize='unicode61')"
        )
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
        op.execute("INSERT INTO pages_fts(pages_fts) VALUES ('rebuild')")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_pages_search_vector")
        op.execute("ALTER TABLE pages DROP COLUMN IF EXISTS search_vector")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS pages_fts_{name}")
        op.execute("DROP TABLE IF EXISTS pages_fts")
    with op.batch_alter_table("slug_redirects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slug_redirects_page_id"))
    op.drop_table("slug_redirects")
    with op.batch_alter_table("page_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_page_tags_site_slug")
    op.drop_table("page_tags")
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.drop_index("ix_pages_site_posts")
        batch_op.drop_column("language")
        batch_op.drop_column("social_image")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("social_image")
        batch_op.drop_column("blog_path")
        batch_op.drop_column("posts_per_page")
        batch_op.drop_column("language")
