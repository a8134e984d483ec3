"""Running Alembic from code, and refusing to serve a database that is not at the head revision."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from redcore_server.db.database import Database

MIGRATIONS = Path(__file__).with_name("migrations")


class NotMigrated(RuntimeError):
    """The database schema is not at this release's head revision."""


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("redcore.database_url", database_url)
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite:///unused.db")).get_current_head()
    assert head is not None
    return head


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (runs its own event loop: call from sync code)."""
    command.upgrade(alembic_config(database_url), revision)


async def current_revision(db: Database) -> str | None:
    if db.dialect == "postgresql":
        exists = await db.fetchval("SELECT to_regclass('alembic_version') IS NOT NULL")
    else:
        exists = await db.fetchval(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        )
    if not exists:
        return None
    value = await db.fetchval("SELECT version_num FROM alembic_version")
    return None if value is None else str(value)


async def ensure_migrated(db: Database) -> None:
    """Raise :class:`NotMigrated` with a message that says what to run."""
    current, head = await current_revision(db), head_revision()
    if current != head:
        state = "has no schema yet" if current is None else f"is at revision {current}, not {head}"
        raise NotMigrated(
            f"The database {state}. Run `redcore-server migrate` (same REDCORE_DATABASE_URL) "
            "before starting the server."
        )
