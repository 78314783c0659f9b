"""The schema only ever comes from migrations, and they match the models exactly."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from sitemaker.extensions import db


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True}
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
