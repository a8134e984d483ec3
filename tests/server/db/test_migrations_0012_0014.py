"""Migrations 0012 and 0014 give the scopes they add to the keys that held every scope before them
(admin keys), and to no other; 0012 counts an address proved by an accepted invitation as verified."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from alembic import command

from redcore_server.auth.scopes import ALL_SCOPES
from redcore_server.db import open_database
from redcore_server.db.migrate import alembic_config, upgrade

NOW = datetime(2026, 11, 30, tzinfo=UTC)
EVERY_BEFORE_0012 = "users:read users:write products:read products:write keys:manage webhooks:manage events:read"


async def test_admin_keys_gain_the_new_scopes_and_invited_users_are_verified(fresh_database_url: str) -> None:
    url = fresh_database_url
    await asyncio.to_thread(command.upgrade, alembic_config(url), "0011")
    async with open_database(url) as db, db.transaction() as tx:
        await tx.execute(
            "INSERT INTO organizations (id, name, base_currency, created_at, updated_at)"
            " VALUES ('org_a', 'A', 'USD', $1, $1)",
            NOW,
        )
        for ident, scopes in (("key_admin", EVERY_BEFORE_0012), ("key_reader", "users:read")):
            await tx.execute(
                "INSERT INTO api_keys (id, org_id, name, prefix, secret_hash, scopes, created_at)"
                " VALUES ($1, 'org_a', NULL, 'sk_live_x', $2, $3, $4)",
                ident,
                ident.ljust(64, "0"),
                scopes,
                NOW,
            )
        for ident, accepted in (("usr_invited", NOW), ("usr_made", None)):
            await tx.execute(
                "INSERT INTO users (id, org_id, email, email_key, name, role, status, created_at, updated_at)"
                " VALUES ($1, 'org_a', $2, $3, 'Old', 'viewer', 'active', $4, $4)",
                ident,
                f"{ident}@x.test",
                f"{ident}@x.test",
                NOW,
            )
            await tx.execute(
                "INSERT INTO invitations (id, org_id, user_id, token_hash, created_at, expires_at, accepted_at)"
                " VALUES ($1, 'org_a', $2, $3, $4, $5, $6)",
                f"inv_{ident}",
                ident,
                ident.ljust(64, "1"),
                NOW,
                NOW + timedelta(days=7),
                accepted,
            )
    await asyncio.to_thread(upgrade, url)
    async with open_database(url) as db:
        scopes = dict(await db.fetch("SELECT id, scopes FROM api_keys ORDER BY id"))
        assert scopes == {"key_admin": " ".join(ALL_SCOPES), "key_reader": "users:read"}
        verified = dict(await db.fetch("SELECT id, email_verified FROM users ORDER BY id"))
        assert {k: bool(v) for k, v in verified.items()} == {"usr_invited": True, "usr_made": False}
    await asyncio.to_thread(command.downgrade, alembic_config(url), "0011")
    async with open_database(url) as db:
        assert await db.fetchval("SELECT scopes FROM api_keys WHERE id = 'key_admin'") == EVERY_BEFORE_0012
