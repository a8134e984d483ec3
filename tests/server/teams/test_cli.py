"""``redcore-server teams list``: what the API made, read by the operator."""

from __future__ import annotations

import asyncio
import json

from tests.server.teams.test_teams import create_team
from tests.support import Tenant
from tests.support.cli import run_cli


async def test_teams_list_shows_the_organizations_teams_and_counts(tenant: Tenant, database_url: str) -> None:
    empty = await asyncio.to_thread(run_cli, "teams", "list", "--org", tenant.org.id, url=database_url)
    assert empty.stdout.strip() == "No teams."
    ops = await create_team(tenant, name="Ops")
    dev = await create_team(tenant, name="Dev")
    user = await tenant.create_user()
    await tenant.client.put(f"/v1/teams/{ops['id']}/members/{user['id']}")
    text = await asyncio.to_thread(run_cli, "teams", "list", "--org", tenant.org.id, url=database_url)
    assert text.stdout.splitlines() == [f"{dev['id']}  Dev  0 members", f"{ops['id']}  Ops  1 member"]
    as_json = await asyncio.to_thread(run_cli, "teams", "list", "--org", tenant.org.id, "--json", url=database_url)
    listed = json.loads(as_json.stdout)
    assert [(t["name"], t["member_count"]) for t in listed] == [("Dev", 0), ("Ops", 1)]
    missing = await asyncio.to_thread(run_cli, "teams", "list", "--org", "org_missing", url=database_url, check=False)
    assert missing.returncode != 0
