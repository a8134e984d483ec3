"""The Teams API through HTTP: CRUD, names unique in any case, scopes, isolation and events."""

from __future__ import annotations

import re
from typing import Any

from redcore_server.auth.scopes import TEAMS_READ, TEAMS_WRITE, USERS_READ
from tests.support import Tenant, make_tenant
from tests.support.responses import assert_error
from tests.support.sessions import as_user, member, tokens

TEAM_FIELDS = {"id", "name", "description", "member_count", "created_at", "updated_at"}


async def create_team(tenant: Tenant, **fields: Any) -> dict[str, Any]:
    response = await tenant.client.post("/v1/teams", json={"name": "Team"} | fields)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def events_of(tenant: Tenant, type_: str) -> list[dict[str, Any]]:
    response = await tenant.client.get("/v1/events", params={"type": type_, "limit": 100})
    assert response.status_code == 200, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


async def test_create_read_update_delete(tenant: Tenant) -> None:
    response = await tenant.client.post("/v1/teams", json={"name": " Platform ", "description": "Line one\nline two"})
    assert response.status_code == 201, response.text
    team = response.json()
    assert set(team) == TEAM_FIELDS
    assert re.fullmatch(r"team_\w+", team["id"])
    assert (team["name"], team["description"], team["member_count"]) == ("Platform", "Line one\nline two", 0)
    assert response.headers["location"] == f"/v1/teams/{team['id']}"
    etag = response.headers["etag"]

    fetched = await tenant.client.get(f"/v1/teams/{team['id']}")
    assert fetched.json() == team and fetched.headers["etag"] == etag

    changed = await tenant.client.patch(
        f"/v1/teams/{team['id']}", json={"description": None}, headers={"If-Match": etag}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["description"] is None and changed.json()["name"] == "Platform"
    stale = await tenant.client.put(f"/v1/teams/{team['id']}", json={"name": "Core"}, headers={"If-Match": etag})
    assert_error(stale, 412, "precondition_failed")
    assert (await tenant.client.put(f"/v1/teams/{team['id']}", json={"name": "Core"})).json()["name"] == "Core"
    assert_error(
        await tenant.client.patch(f"/v1/teams/{team['id']}", json={"member_count": 3}), 400, "validation_error"
    )

    listed = (await tenant.client.get("/v1/teams", params={"q": "cor", "sort": "name", "order": "asc"})).json()
    assert [t["id"] for t in listed["data"]] == [team["id"]]
    assert (await tenant.client.delete(f"/v1/teams/{team['id']}")).status_code == 204
    assert_error(await tenant.client.get(f"/v1/teams/{team['id']}"), 404, "not_found")
    assert_error(await tenant.client.delete(f"/v1/teams/{team['id']}"), 404, "not_found")

    assert [e["data"]["id"] for e in await events_of(tenant, "team.created")] == [team["id"]]
    assert len(await events_of(tenant, "team.updated")) == 2
    assert [e["data"]["name"] for e in await events_of(tenant, "team.deleted")] == ["Core"]


async def test_names_are_unique_in_any_case_and_bounded(tenant: Tenant) -> None:
    first = await create_team(tenant, name="Straße")
    assert_error(await tenant.client.post("/v1/teams", json={"name": "STRASSE"}), 409, "duplicate_team")
    other = await create_team(tenant, name="Other")
    assert_error(await tenant.client.patch(f"/v1/teams/{other['id']}", json={"name": "strasse"}), 409, "duplicate_team")
    assert (await tenant.client.patch(f"/v1/teams/{first['id']}", json={"name": "STRASSE"})).status_code == 200
    for body in ({"name": ""}, {"name": "x" * 201}, {"name": "a\nb"}, {"name": "ok", "description": "x" * 2001}):
        assert_error(await tenant.client.post("/v1/teams", json=body), 400, "validation_error")
    assert_error(await tenant.client.post("/v1/teams", json={"name": "n", "member_count": 1}), 400, "validation_error")
    # another organization may use the same name
    elsewhere = await make_tenant(tenant.app)
    try:
        assert (await elsewhere.client.post("/v1/teams", json={"name": "Straße"})).status_code == 201
    finally:
        await elsewhere.close()


async def test_scopes_and_role_tokens(tenant: Tenant) -> None:
    team = await create_team(tenant, name="Scoped")
    user = await tenant.create_user()
    reader = await tenant.client_with(TEAMS_READ)
    assert (await reader.get(f"/v1/teams/{team['id']}")).status_code == 200
    assert_error(await reader.post("/v1/teams", json={"name": "No"}), 403, "insufficient_scope")
    assert_error(await reader.put(f"/v1/teams/{team['id']}/members/{user['id']}"), 403, "insufficient_scope")
    # the member list shows users: it needs users:read too
    denied = assert_error(await reader.get(f"/v1/teams/{team['id']}/members"), 403, "insufficient_scope")
    assert "users:read" in denied["message"]
    both = await tenant.client_with(TEAMS_READ, USERS_READ)
    assert (await both.get(f"/v1/teams/{team['id']}/members")).status_code == 200
    writer = await tenant.client_with(TEAMS_WRITE)
    assert_error(await writer.get("/v1/teams"), 403, "insufficient_scope")
    assert (await writer.put(f"/v1/teams/{team['id']}/members/{user['id']}")).status_code == 204

    viewer = as_user(tenant.app, (await tokens(tenant, (await member(tenant, "viewer"))["email"]))["access_token"])
    editor = as_user(tenant.app, (await tokens(tenant, (await member(tenant, "editor"))["email"]))["access_token"])
    admin = await member(tenant, "admin")
    try:
        assert (await viewer.get(f"/v1/teams/{team['id']}/members")).json()["meta"]["total"] == 1
        assert_error(await viewer.post("/v1/teams", json={"name": "Viewer's"}), 403, "insufficient_scope")
        assert (await editor.post("/v1/teams", json={"name": "Editor's"})).status_code == 201
        # teams grant nothing: an editor may put an admin in a team
        assert (await editor.put(f"/v1/teams/{team['id']}/members/{admin['id']}")).status_code == 204
    finally:
        await viewer.aclose()
        await editor.aclose()


async def test_another_organizations_team_or_user_is_not_found(tenant: Tenant) -> None:
    team = await create_team(tenant, name="Mine")
    user = await tenant.create_user()
    other = await make_tenant(tenant.app)
    try:
        their_team = (await other.client.post("/v1/teams", json={"name": "Theirs"})).json()
        their_user = await other.create_user()
        assert_error(await tenant.client.get(f"/v1/teams/{their_team['id']}"), 404, "not_found")
        assert_error(await tenant.client.patch(f"/v1/teams/{their_team['id']}", json={"name": "x"}), 404, "not_found")
        assert_error(await tenant.client.delete(f"/v1/teams/{their_team['id']}"), 404, "not_found")
        assert_error(await tenant.client.get(f"/v1/teams/{their_team['id']}/members"), 404, "not_found")
        for path in (
            f"/v1/teams/{their_team['id']}/members/{user['id']}",
            f"/v1/teams/{team['id']}/members/{their_user['id']}",
            f"/v1/teams/{team['id']}/members/usr_missing",
            f"/v1/teams/team_missing/members/{user['id']}",
            f"/v1/teams/{team['id']}/members/{team['id']}",
        ):
            assert_error(await tenant.client.put(path), 404, "not_found")
            assert_error(await tenant.client.delete(path), 404, "not_found")
        assert (await tenant.client.get("/v1/users", params={"team": their_team["id"]})).json()["data"] == []
    finally:
        await other.close()
