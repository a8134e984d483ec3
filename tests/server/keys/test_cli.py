"""``redcore-server keys`` runs the service the HTTP routes run: the same rules, the same events, and a
revocation every server sees (at once on PostgreSQL, through the notice its commit sends)."""

from __future__ import annotations

import asyncio
import json
import time

from tests import support
from tests.support import Tenant
from tests.support.cli import run_cli
from tests.support.responses import assert_error


async def _cli(url: str, *args: str) -> dict:  # type: ignore[type-arg]
    result = await asyncio.to_thread(run_cli, *args, "--json", url=url)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


async def test_the_cli_makes_rolls_and_revokes_keys_that_the_api_sees(tenant: Tenant, database_url: str) -> None:
    org = tenant.org.id
    made = await _cli(
        database_url,
        "keys",
        "create",
        "--org",
        org,
        "--scopes",
        "users:read",
        "--name",
        "ops",
        "--expires-at",
        "2031-01-01T00:00:00",
    )
    assert made["key"]["expires_at"] == "2031-01-01T00:00:00Z" and "secret" not in made["key"]
    rolled = await _cli(database_url, "keys", "roll", made["key"]["id"], "--org", org, "--grace-period", "0")
    assert rolled["rolled_from"] == made["key"]["id"] and rolled["key"]["name"] == "ops"
    async with (
        support.http_client(tenant.app, made["api_key"]) as old,
        support.http_client(tenant.app, rolled["api_key"]) as new,
    ):
        assert_error(await old.get("/v1/users"), 401, "invalid_api_key")
        assert (await new.get("/v1/users")).status_code == 200  # cached by this server now
        await _cli(database_url, "keys", "revoke", rolled["key"]["id"], "--org", org)
        started = time.monotonic()
        while (await new.get("/v1/users")).status_code == 200:
            assert time.monotonic() - started < 1.1
            await asyncio.sleep(0.01)
        if support.BACKEND == "postgresql":
            assert time.monotonic() - started < 0.5  # the CLI's commit notified this server
    types = [e["type"] for e in (await tenant.client.get("/v1/events")).json()["data"]]
    assert types[:3] == ["api_key.revoked", "api_key.rolled", "api_key.created"]


async def test_the_cli_refuses_what_the_service_refuses(tenant: Tenant, database_url: str) -> None:
    bad = await asyncio.to_thread(
        run_cli, "keys", "roll", "key_missing", "--org", tenant.org.id, url=database_url, check=False
    )
    assert bad.returncode != 0 and "key_missing" in bad.stderr
    scope = await asyncio.to_thread(
        run_cli, "keys", "create", "--org", tenant.org.id, "--scopes", "users:root", url=database_url, check=False
    )
    assert scope.returncode != 0 and "users:root" in scope.stderr
