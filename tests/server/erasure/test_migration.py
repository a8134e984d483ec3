"""Upgrading to the release that erases deleted users' data also erases the data of users deleted
before it: the migration fills in whose data each event and email holds from what was stored, and
queues an erasure for every user deleted earlier."""

from __future__ import annotations

import asyncio

from alembic import command

from redcore_server.app import create_app
from redcore_server.db import Database
from redcore_server.db.migrate import alembic_config, upgrade
from tests import support
from tests.support import eventually
from tests.support.erasure import holding, no_trace, person
from tests.support.webhooks import api_without_worker


async def test_users_deleted_before_the_upgrade_are_erased_after_it(fresh_database_url: str) -> None:
    url = fresh_database_url
    (gone_email, gone_name), (kept_email, kept_name) = person(), person()
    async with api_without_worker(url) as tenant:
        gone = await tenant.create_user(email=gone_email, name=gone_name)
        kept = await tenant.create_user(email=kept_email, name=kept_name)
        db: Database = tenant.app.state.db
        async with db.transaction() as tx:  # both invitations went out before the upgrade
            await tx.execute("UPDATE emails SET status = 'sent', sent_at = created_at")
        await tenant.client.patch(f"/v1/users/{gone['id']}", json={"email": f"new-{gone_email}"})
        assert (await tenant.client.delete(f"/v1/users/{gone['id']}")).status_code == 204

    # As the database was before this release: no subject ids, no user ids on emails, no erasures.
    await asyncio.to_thread(command.downgrade, alembic_config(url), "0007")
    await asyncio.to_thread(upgrade, url)

    settings = support.test_settings(url)
    async with support.running(create_app(settings)) as app:
        db = app.state.db
        subjects = await db.fetch("SELECT type, subject_id FROM events ORDER BY seq")
        assert [tuple(r) for r in subjects] == [
            ("user.created", gone["id"]),
            ("user.created", kept["id"]),
            ("user.updated", gone["id"]),
            ("user.deleted", gone["id"]),
        ]
        owners = await db.fetch("SELECT to_address, user_id FROM emails ORDER BY seq")
        # The invitations, and gone's again to the address it was given before deletion.
        assert [r[1] for r in owners] == [gone["id"], kept["id"], gone["id"]]

        await eventually(lambda: no_trace(db, gone_email, gone_name))
        assert await holding(db, kept_email) == ["events", "emails"]
        assert await holding(db, kept_name) == ["events", "emails"]
        assert await db.fetchval("SELECT count(*) FROM erasures") == 0
