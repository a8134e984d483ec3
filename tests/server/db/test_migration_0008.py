"""Migration 0008 keys existing emails and SKUs (``users.email_key``, ``products.sku_key``) the way
the server computes them, and stops, changing nothing, when two users of one organization turn
out to share an address."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from redcore_server.app import create_app
from redcore_server.db import open_database
from redcore_server.db.migrate import alembic_config, current_revision, head_revision, upgrade
from redcore_server.keys import service as keys_service
from tests import support
from tests.support.responses import assert_error

NOW = datetime(2026, 11, 30, tzinfo=UTC)


async def _at_0007_with(url: str, emails: dict[str, str], skus: list[str]) -> None:
    from alembic import command

    await asyncio.to_thread(command.upgrade, alembic_config(url), "0007")
    async with open_database(url) as db, db.transaction() as tx:
        for org in ("org_a", "org_b"):
            await tx.execute(
                "INSERT INTO organizations (id, name, base_currency, created_at, updated_at)"
                " VALUES ($1, $2, 'USD', $3, $3)",
                org,
                org,
                NOW,
            )
        for ident, address in emails.items():
            org = "org_b" if ident.endswith("b") else "org_a"
            await tx.execute(
                "INSERT INTO users (id, org_id, email, name, role, status, password_hash, created_at, updated_at)"
                " VALUES ($1, $2, $3, 'Old', 'viewer', 'active', NULL, $4, $4)",
                ident,
                org,
                address,
                NOW,
            )
        for i, sku in enumerate(skus):
            await tx.execute(
                "INSERT INTO products (id, org_id, name, sku, price, currency, stock, status, created_at, updated_at)"
                " VALUES ($1, 'org_a', 'Old', $2, 1, 'USD', 0, 'available', $3, $3)",
                f"prod_{i}",
                sku,
                NOW,
            )


async def test_colliding_addresses_stop_the_migration_naming_them(fresh_database_url: str) -> None:
    emails = {"usr_1": "ren\u00e9@x.test", "usr_2": "RENE\u0301@X.TEST", "usr_3b": "ren\u00e9@x.test"}
    await _at_0007_with(fresh_database_url, emails, [])
    with pytest.raises(RuntimeError, match=r"nothing changed.*organization org_a: usr_1, usr_2") as caught:
        await asyncio.to_thread(upgrade, fresh_database_url)
    assert "usr_3b" not in str(caught.value)  # the same address in another organization is fine
    async with open_database(fresh_database_url) as db:
        assert await current_revision(db) == "0007"
        assert await db.fetchval("SELECT count(*) FROM users") == 3
        await db.execute("DELETE FROM users WHERE id = 'usr_2'")  # what the message asks for
    await asyncio.to_thread(upgrade, fresh_database_url)
    async with open_database(fresh_database_url) as db:
        assert await current_revision(db) == head_revision()


async def test_existing_rows_are_keyed_as_the_server_keys_them(fresh_database_url: str) -> None:
    emails = {"usr_1": "\u00c9milie@X.test", "usr_2": "<legacy>@x.com"}  # the second is no longer valid
    await _at_0007_with(fresh_database_url, emails, ["Abc-1"])
    await asyncio.to_thread(upgrade, fresh_database_url)
    async with support.running(create_app(support.test_settings(fresh_database_url))) as app:
        async with app.state.db.transaction() as tx:
            key = (await keys_service.create(tx, "org_a", name="admin")).secret
        async with support.http_client(app, key) as client:
            for address in ("e\u0301milie@x.test", "EMILIE@X.TEST".replace("E", "\u00c9", 1)):
                response = await client.post("/v1/users", json={"email": address, "name": "Twin"})
                assert_error(response, 409, "duplicate_email")
            response = await client.post("/v1/products", json={"name": "Twin", "sku": "aBC-1", "price": 1})
            assert_error(response, 409, "duplicate_sku")
            stored = (await client.get("/v1/users/usr_1")).json()
            assert stored["email"] == "\u00c9milie@X.test"  # stored emails are not rewritten
            legacy = await client.patch("/v1/users/usr_2", json={"name": "Still here"})
            assert legacy.status_code == 200, legacy.text
