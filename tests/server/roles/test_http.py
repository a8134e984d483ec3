"""Custom roles through HTTP: the routes and their codes, the built-ins, the privilege rule, and a
user's role as any role key of the organization (seeds 002 and 003: `member`, `moderator`)."""

from __future__ import annotations

from typing import Any

import httpx

from redcore_server.auth.scopes import ALL_SCOPES, KEYS_MANAGE, ORG_MANAGE, USERS_READ, USERS_WRITE
from tests.support import Tenant
from tests.support.responses import assert_error
from tests.support.sessions import as_user, member, tokens

ROLE_FIELDS = {"key", "name", "scopes", "built_in", "created_at", "updated_at"}
MEMBER = {"key": "member", "name": "Member", "scopes": ["users:read", "products:read"]}


async def create_role(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post("/v1/roles", json=MEMBER | fields)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_a_role_is_created_read_listed_changed_and_deleted(tenant: Tenant) -> None:
    made = await tenant.client.post("/v1/roles", json=MEMBER | {"scopes": ["products:read", "users:read"]})
    assert made.status_code == 201, made.text
    assert made.headers["location"] == "/v1/roles/member"
    role = made.json()
    assert set(role) == ROLE_FIELDS
    assert role["scopes"] == ["users:read", "products:read"]  # the contract's order
    assert role["built_in"] is False
    assert (await tenant.client.get("/v1/roles/member")).json() == role
    changed = await tenant.client.patch("/v1/roles/member", json={"name": "Members", "scopes": ["users:read"]})
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "Members" and changed.json()["scopes"] == ["users:read"]
    assert (await tenant.client.delete("/v1/roles/member")).status_code == 204
    assert_error(await tenant.client.get("/v1/roles/member"), 404, "not_found")
    types = [e["type"] for e in (await tenant.client.get("/v1/events", params={"limit": 100})).json()["data"]]
    assert [t for t in types if t.startswith("role.")] == ["role.deleted", "role.updated", "role.created"]


async def test_built_ins_are_listed_and_read_but_never_changed(tenant: Tenant) -> None:
    await create_role(tenant.client)
    listed = (await tenant.client.get("/v1/roles", params={"sort": "key", "order": "asc"})).json()
    assert [r["key"] for r in listed["data"]] == ["admin", "editor", "member", "viewer"]
    assert listed["meta"]["total"] == 4
    admin = (await tenant.client.get("/v1/roles/admin")).json()
    assert admin["built_in"] is True and admin["scopes"] == list(ALL_SCOPES)
    viewer = (await tenant.client.get("/v1/roles/viewer")).json()
    assert viewer["scopes"] == ["users:read", "products:read", "events:read", "teams:read"]
    assert_error(await tenant.client.patch("/v1/roles/admin", json={"name": "Boss"}), 409, "built_in_role")
    assert_error(await tenant.client.delete("/v1/roles/viewer"), 409, "built_in_role")
    assert_error(await tenant.client.post("/v1/roles", json=MEMBER | {"key": "editor"}), 409, "duplicate_role")
    assert_error(await tenant.client.post("/v1/roles", json=MEMBER), 409, "duplicate_role")


async def test_the_list_pages_by_offset_and_by_cursor(tenant: Tenant) -> None:
    for i in range(5):
        await create_role(tenant.client, key=f"role{i}", name=f"Role {i}")
    whole = [r["key"] for r in (await tenant.client.get("/v1/roles", params={"limit": 100})).json()["data"]]
    assert whole[:5] == ["role4", "role3", "role2", "role1", "role0"]  # newest first, built-ins last
    assert sorted(whole[5:]) == ["admin", "editor", "viewer"]
    walked, params = [], {"limit": 3}
    while True:
        page = (await tenant.client.get("/v1/roles", params=params)).json()
        walked += [r["key"] for r in page["data"]]
        if not page["meta"]["has_more"]:
            break
        params = {"limit": 3, "starting_after": page["meta"]["next_cursor"]}
    assert walked == whole
    second = (await tenant.client.get("/v1/roles", params={"limit": 3, "page": 2})).json()
    assert [r["key"] for r in second["data"]] == whole[3:6]
    assert_error(await tenant.client.get("/v1/roles", params={"sort": "scopes"}), 400, "validation_error")


async def test_bad_bodies_are_400(tenant: Tenant) -> None:
    for body, field in (
        (MEMBER | {"key": "Member"}, "key"),
        (MEMBER | {"key": "1st"}, "key"),
        (MEMBER | {"key": "a" * 33}, "key"),
        (MEMBER | {"scopes": []}, "scopes"),
        (MEMBER | {"scopes": ["users:delete"]}, "scopes[0]"),
        (MEMBER | {"name": " "}, "name"),
        (MEMBER | {"built_in": True}, "built_in"),
    ):
        error = assert_error(await tenant.client.post("/v1/roles", json=body), 400, "validation_error")
        assert field in [d["field"] for d in error["details"]], (body, error)
    await create_role(tenant.client)
    assert_error(await tenant.client.patch("/v1/roles/member", json={"key": "other"}), 400, "validation_error")


async def test_a_users_role_is_any_role_of_the_organization(tenant: Tenant) -> None:
    """Seeds 002 and 003: `member` and `moderator` are refused until the organization has them."""
    for role in ("member", "moderator"):
        body = {"email": f"{role}@example.com", "name": role.title(), "role": role}
        error = assert_error(await tenant.client.post("/v1/users", json=body), 400, "validation_error")
        assert error["details"][0]["field"] == "role"
        await create_role(tenant.client, key=role, name=role.title())
        made = await tenant.client.post("/v1/users", json=body)
        assert made.status_code == 201, made.text
        assert made.json()["role"] == role
    listed = (await tenant.client.get("/v1/users", params={"role": "moderator"})).json()["data"]
    assert [u["email"] for u in listed] == ["moderator@example.com"]
    assert (await tenant.client.get("/v1/users", params={"role": "nobody"})).json()["data"] == []
    user = await tenant.create_user()
    error = assert_error(
        await tenant.client.patch(f"/v1/users/{user['id']}", json={"role": "ghost"}), 400, "validation_error"
    )
    assert error["details"][0]["field"] == "role"


async def test_roles_belong_to_one_organization(tenant: Tenant, make_tenant) -> None:
    other = await make_tenant()
    await create_role(other.client, key="moderator")
    assert_error(await tenant.client.get("/v1/roles/moderator"), 404, "not_found")
    assert_error(await tenant.client.patch("/v1/roles/moderator", json={"name": "x"}), 404, "not_found")
    assert_error(await tenant.client.delete("/v1/roles/moderator"), 404, "not_found")
    body = {"email": "m@example.com", "name": "M", "role": "moderator"}
    assert_error(await tenant.client.post("/v1/users", json=body), 400, "validation_error")
    assert "moderator" not in [r["key"] for r in (await tenant.client.get("/v1/roles")).json()["data"]]
    await create_role(tenant.client, key="moderator")  # the same key in another organization is fine


async def test_reading_needs_users_read_and_writing_org_manage(tenant: Tenant) -> None:
    reader = await tenant.client_with(USERS_READ)
    assert (await reader.get("/v1/roles")).status_code == 200
    assert (await reader.get("/v1/roles/admin")).status_code == 200
    assert_error(await reader.post("/v1/roles", json=MEMBER), 403, "insufficient_scope")
    nobody = await tenant.client_with("products:read")
    assert_error(await nobody.get("/v1/roles"), 403, "insufficient_scope")
    writer = await tenant.client_with(USERS_READ, USERS_WRITE)  # no org:manage
    assert_error(await writer.post("/v1/roles", json=MEMBER), 403, "insufficient_scope")


async def test_nobody_creates_or_widens_a_role_beyond_what_they_hold(tenant: Tenant) -> None:
    manager = await tenant.client_with(ORG_MANAGE, USERS_READ, USERS_WRITE, "products:read")
    error = assert_error(
        await manager.post("/v1/roles", json=MEMBER | {"scopes": ["users:read", KEYS_MANAGE]}),
        403,
        "insufficient_privilege",
    )
    assert "keys:manage" in error["message"]
    await create_role(manager)  # within what it holds
    widen = await manager.patch("/v1/roles/member", json={"scopes": ["users:read", KEYS_MANAGE]})
    assert_error(widen, 403, "insufficient_privilege")
    await create_role(tenant.client, key="auditor", scopes=["events:read"])
    assert_error(await manager.patch("/v1/roles/auditor", json={"name": "x"}), 403, "insufficient_privilege")
    assert_error(await manager.delete("/v1/roles/auditor"), 403, "insufficient_privilege")
    assert (await tenant.client.get("/v1/roles/member")).json()["scopes"] == MEMBER["scopes"]  # nothing changed


async def test_an_editor_cannot_create_roles_nor_give_admin(tenant: Tenant) -> None:
    editor = await member(tenant, role="editor")
    async with as_user(tenant.app, (await tokens(tenant, editor["email"]))["access_token"]) as client:
        assert_error(await client.post("/v1/roles", json=MEMBER), 403, "insufficient_scope")
        user = await tenant.create_user()
        refused = await client.patch(f"/v1/users/{user['id']}", json={"role": "admin"})
        assert_error(refused, 403, "insufficient_privilege")
        await create_role(tenant.client, key="keeper", scopes=[USERS_READ, KEYS_MANAGE])
        refused = await client.patch(f"/v1/users/{user['id']}", json={"role": "keeper"})
        assert_error(refused, 403, "insufficient_privilege")
        await create_role(tenant.client, key="reader", scopes=[USERS_READ])
        given = await client.patch(f"/v1/users/{user['id']}", json={"role": "reader"})
        assert given.status_code == 200, given.text


async def test_deleting_a_role_in_use_is_refused_until_nobody_holds_it(tenant: Tenant) -> None:
    await create_role(tenant.client)
    user = await tenant.create_user(role="member")
    assert_error(await tenant.client.delete("/v1/roles/member"), 409, "role_in_use")
    await tenant.client.patch(f"/v1/users/{user['id']}", json={"role": "viewer"})
    assert (await tenant.client.delete("/v1/roles/member")).status_code == 204
