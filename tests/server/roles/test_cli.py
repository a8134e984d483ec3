"""``redcore-server roles list``: the organization's roles, as the API has them."""

from __future__ import annotations

import asyncio
import json

from tests.support import Tenant
from tests.support.cli import run_cli


async def test_the_cli_lists_the_built_in_and_custom_roles(tenant: Tenant, database_url: str) -> None:
    body = {"key": "moderator", "name": "Moderator", "scopes": ["users:read", "users:write"]}
    assert (await tenant.client.post("/v1/roles", json=body)).status_code == 201
    result = await asyncio.to_thread(run_cli, "roles", "list", "--org", tenant.org.id, "--json", url=database_url)
    roles = json.loads(result.stdout)
    assert [r["key"] for r in roles] == ["viewer", "editor", "admin", "moderator"]
    assert roles[-1] | {"created_at": None, "updated_at": None} == body | {
        "built_in": False,
        "created_at": None,
        "updated_at": None,
    }
    text = await asyncio.to_thread(run_cli, "roles", "list", "--org", tenant.org.id, url=database_url)
    assert "moderator  custom" in text.stdout and "admin  built-in" in text.stdout
