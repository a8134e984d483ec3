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
