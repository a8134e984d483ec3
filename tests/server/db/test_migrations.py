"""One migration history, applied and reverted on the database under test."""

from __future__ import annotations

import asyncio

import pytest

from redcore_server.app import create_app
from redcore_server.db import open_database
from redcore_server.db.migrate import current_revision, head_revision, upgrade
from tests import support


async def test_upgrade_downgrade_upgrade(fresh_database_url: str) -> None:
    from alembic import command

    from redcore_server.db.migrate import alembic_config

    await asyncio.to_thread(upgrade, fresh_database_url)
    await asyncio.to_thread(command.downgrade, alembic_config(fresh_database_url), "base")
    async with open_database(fresh_database_url) as db:
        assert await current_revision(db) is None
    await asyncio.to_thread(upgrade, fresh_database_url)
    async with open_database(fresh_database_url) as db:
        assert await current_revision(db) == head_revision()


async def test_app_refuses_to_start_on_an_unmigrated_database(fresh_database_url: str) -> None:
    app = create_app(support.test_settings(fresh_database_url))
    with pytest.raises(RuntimeError, match="redcore-server migrate"):
        async with support.running(app):
            pass


@pytest.mark.filterwarnings("ignore:.*expression-based index")  # SQLite cannot reflect them; PostgreSQL does
async def test_the_migrations_build_exactly_the_tables_the_models_describe(database_url: str) -> None:
    """Alembic's autogenerate finds nothing to change between the migrated database and the models
    (the SQLAlchemy tables every query and the next migration are written against)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    from redcore_server.db.urls import sqlalchemy_url
    from redcore_server.tables import all_tables

    def unmanaged(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
        """Made in raw SQL by the migrations: SQLite FTS5 tables, PostgreSQL trigram indexes."""
        fts = type_ == "table" and (name or "").startswith(("users_fts", "products_fts"))
        return not (fts or (type_ == "index" and (name or "").endswith("_trgm")))

    def diff(connection) -> list:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": unmanaged, "target_metadata": all_tables()}
        )
        return compare_metadata(context, all_tables())

    engine = create_async_engine(sqlalchemy_url(database_url), poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            changes = await connection.run_sync(diff)
    finally:
        await engine.dispose()
    assert changes == []
