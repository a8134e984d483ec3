"""Team memberships through HTTP: idempotent adds and removes, events only for changes, the member
list and ``/v1/users?team=``, cascades, and ``member_count`` exact under concurrency."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.server.teams.test_teams import create_team, events_of
from tests.support import Tenant, walk_list


async def count_rows(tenant: Tenant, team_id: str) -> int:
    db = tenant.app.state.db
    return int(await db.fetchval("SELECT count(*) FROM team_members WHERE team_id = $1", team_id))


async def member_count(tenant: Tenant, team_id: str) -> int:
    response = await tenant.client.get(f"/v1/teams/{team_id}")
    assert response.status_code == 200, response.text
    return int(response.json()["member_count"])


async def test_adds_and_removes_are_idempotent_and_record_only_changes(tenant: Tenant) -> None:
    team = await create_team(tenant, name="Idempotent")
    user = await tenant.create_user()
    path = f"/v1/teams/{team['id']}/members/{user['id']}"
    for _ in range(2):
        response = await tenant.client.put(path)
        assert response.status_code == 204 and response.content == b""
    assert await member_count(tenant, team["id"]) == 1
    added = await events_of(tenant, "team.member_added")
    assert [(e["data"]["team"]["id"], e["data"]["user_id"], e["data"]["team"]["member_count"]) for e in added] == [
        (team["id"], user["id"], 1)
    ]
    for _ in range(2):
        assert (await tenant.client.delete(path)).status_code == 204
    assert await member_count(tenant, team["id"]) == 0
    removed = await events_of(tenant, "team.member_removed")
    assert [(e["data"]["user_id"], e["data"]["team"]["member_count"]) for e in removed] == [(user["id"], 0)]


async def test_members_are_listed_by_cursor_and_filtered_on_users(tenant: Tenant) -> None:
    team = await create_team(tenant, name="Big")
    other = await create_team(tenant, name="Small")
    users = [await tenant.create_user(name=f"Member {i:02}") for i in range(23)]
    outsider = await tenant.create_user(name="Outsider")
    for user in users:
        assert (await tenant.client.put(f"/v1/teams/{team['id']}/members/{user['id']}")).status_code == 204
    await tenant.client.put(f"/v1/teams/{other['id']}/members/{users[0]['id']}")
    await tenant.client.put(f"/v1/teams/{other['id']}/members/{outsider['id']}")
    expected = {u["id"] for u in users}
    for mode in ("cursor", "offset"):
        listed = await walk_list(tenant.client, f"/v1/teams/{team['id']}/members", mode, limit=5)
        assert [u["id"] for u in listed] == [u["id"] for u in reversed(users)]  # newest first
    by_name = await walk_list(
        tenant.client, f"/v1/teams/{team['id']}/members", "cursor", limit=4, sort="name", order="asc"
    )
    assert [u["name"] for u in by_name] == [f"Member {i:02}" for i in range(23)]
    filtered = await walk_list(tenant.client, "/v1/users", "cursor", limit=6, team=team["id"])
    assert {u["id"] for u in filtered} == expected
    small = (await tenant.client.get("/v1/users", params={"team": other["id"], "q": "outs"})).json()
    assert [u["id"] for u in small["data"]] == [outsider["id"]]
    assert (await tenant.client.get("/v1/users", params={"team": "team_missing"})).json()["meta"]["total"] == 0
    assert await member_count(tenant, team["id"]) == 23


async def test_deleting_a_team_or_a_user_removes_memberships_and_the_count_follows(tenant: Tenant) -> None:
    first = await create_team(tenant, name="First")
    second = await create_team(tenant, name="Second")
    leaving, staying = await tenant.create_user(), await tenant.create_user()
    for team in (first, second):
        for user in (leaving, staying):
            await tenant.client.put(f"/v1/teams/{team['id']}/members/{user['id']}")
    assert (await tenant.client.delete(f"/v1/users/{leaving['id']}")).status_code == 204
    for team in (first, second):
        assert await member_count(tenant, team["id"]) == 1 == await count_rows(tenant, team["id"])
        members = (await tenant.client.get(f"/v1/teams/{team['id']}/members")).json()["data"]
        assert [u["id"] for u in members] == [staying["id"]]
    assert (await tenant.client.delete(f"/v1/teams/{first['id']}")).status_code == 204
    assert await count_rows(tenant, first["id"]) == 0
    assert (await tenant.client.get("/v1/users", params={"team": first["id"]})).json()["data"] == []
    assert await member_count(tenant, second["id"]) == 1


async def test_member_count_stays_exact_under_concurrent_adds_and_removes(tenant: Tenant) -> None:
    team = await create_team(tenant, name="Busy")
    users = [await tenant.create_user() for _ in range(10)]
    base = f"/v1/teams/{team['id']}/members"

    async def change(i: int) -> Any:
        user = users[i % len(users)]
        if i % 3 == 2:
            return await tenant.client.delete(f"{base}/{user['id']}")
        return await tenant.client.put(f"{base}/{user['id']}")

    responses = await asyncio.gather(*(change(i) for i in range(50)))
    assert {r.status_code for r in responses} == {204}, [r.text for r in responses if r.status_code != 204]
    rows = await count_rows(tenant, team["id"])
    assert await member_count(tenant, team["id"]) == rows
    added = len(await events_of(tenant, "team.member_added"))
    removed = len(await events_of(tenant, "team.member_removed"))
    assert added - removed == rows
