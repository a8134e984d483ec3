"""Alembic environment: one migration history for SQLite and PostgreSQL, run through SQLAlchemy's
async engine with the same drivers the server uses (aiosqlite, asyncpg)."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from redcore_server.db.urls import sqlalchemy_url
from redcore_server.tables import all_tables

config = context.config
target_metadata = all_tables()

# Objects managed by raw SQL in migrations (SQLite FTS5 shadow tables), invisible to autogenerate.
_UNMANAGED_PREFIXES = ("users_fts", "products_fts")


def _include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    return not (type_ == "table" and name is not None and name.startswith(_UNMANAGED_PREFIXES))


def _url() -> str:
    url = config.get_main_option("redcore.database_url")
    if not url:
        raise RuntimeError("set redcore.database_url on the Alembic config (redcore-server migrate does)")
    return sqlalchemy_url(url)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_async_engine(_url(), poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
