"""The schema only ever comes from migrations, and they match the models exactly."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from sitemaker.extensions import db
from sitemaker.services.search import SCHEMA_ONLY


def _modelled(obj, name, type_, reflected, compare_to) -> bool:
    """The search index is the database's own (a generated column, an FTS5 table and its
    shadow tables), created by the migration and absent from the models on purpose."""
    return name not in SCHEMA_ONLY


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={"compare_type": True, "render_as_batch": True, "include_object": _modelled},
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_migrations_reach_a_single_head(app):
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate

    with app.app_context():
        migrate = app.extensions["migrate"].migrate
        assert isinstance(migrate, Migrate)
        heads = ScriptDirectory.from_config(migrate.get_config()).get_heads()
    assert len(heads) == 1
