"""The privilege rule through HTTP: nobody grants what they do not hold.

The matrix below sends every write that touches a user (the user, their role and status, email and
password, their sessions and their invitation) from every built-in role's access token and from keys
with several scope sets, against users of every built-in role, and checks each answer against the
contract's rule — the route's scope first, then the scopes of the target's current role and of any
role given, and nobody changing their own role or status — and that a refused write changed nothing.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from redcore_server.auth.scopes import ALL_SCOPES, EDITOR_SCOPES, ROLE_SCOPES, VIEWER_SCOPES
from tests.support import Tenant
from tests.support.responses import assert_error
from tests.support.sessions import PASSWORD, as_user, member, sign_in, tokens

ROLES = ("viewer", "editor", "admin")
KEYS: dict[str, frozenset[str]] = {
    "users:write key": frozenset({"users:write"}),
    "users key": frozenset({"users:read", "users:write"}),
    "viewer+users:write key": frozenset({*VIEWER_SCOPES, "users:write"}),
    "editor key": frozenset(EDITOR_SCOPES),
    "admin key": frozenset(ALL_SCOPES),
}
CALLERS = [f"{role} token" for role in ROLES] + list(KEYS)


@dataclass
class Caller:
    client: httpx.AsyncClient
    scopes: frozenset[str]
    user_id: str | None  # the signed-in user, for a token


@dataclass(frozen=True)
class Op:
    """One write. ``target``: what kind of user it needs (None: none, it creates one)."""

    name: str
    success: int
    send: Callable[[httpx.AsyncClient, dict[str, Any], dict[str, Any]], Awaitable[httpx.Response]]
    target: str | None = "pending"  # "pending" (invited), "active" (signed in once) or None
    new_role: str | None = None
    touches_own_role_or_status: bool = False


def _patch(body: dict[str, Any], method: str = "PATCH") -> Callable[..., Awaitable[httpx.Response]]:
    async def send(client: httpx.AsyncClient, target: dict[str, Any], _: dict[str, Any]) -> httpx.Response:
        fresh = {k: v.format(uuid.uuid4().hex[:8]) if isinstance(v, str) else v for k, v in body.items()}
        return await client.request(method, f"/v1/users/{target['id']}", json=fresh)

    return send


async def _create(role: str, client: httpx.AsyncClient) -> httpx.Response:
    return await client.post(
        "/v1/users", json={"email": f"{uuid.uuid4().hex[:10]}@example.com", "name": "N", "role": role}
    )


OPS: list[Op] = [
    *(Op(f"create {role}", 201, lambda c, _t, _x, r=role: _create(r, c), target=None, new_role=role) for role in ROLES),
    Op("rename", 200, _patch({"name": "Renamed"})),
    Op("rename by PUT", 200, _patch({"name": "Renamed"}, "PUT")),
    *(
        Op(f"make {role}", 200, _patch({"role": role}), new_role=role, touches_own_role_or_status=True)
        for role in ROLES
    ),
    Op("suspend", 200, _patch({"status": "suspended"}), target="active", touches_own_role_or_status=True),
    Op("change email", 200, _patch({"email": "changed-{}@example.com"})),
    Op("set password", 200, _patch({"password": "another long password"}), target="active"),
    Op("delete", 204, lambda c, t, _x: c.delete(f"/v1/users/{t['id']}")),
    Op("revoke sessions", 204, lambda c, t, _x: c.delete(f"/v1/users/{t['id']}/sessions"), target="active"),
    Op(
        "revoke a session",
        204,
        lambda c, t, x: c.delete(f"/v1/users/{t['id']}/sessions/{x['session']['id']}"),
        target="active",
    ),
    Op("resend invitation", 201, lambda c, t, _x: c.post(f"/v1/users/{t['id']}/invitation")),
    Op("withdraw invitation", 204, lambda c, t, _x: c.delete(f"/v1/users/{t['id']}/invitation")),
]


def expected(op: Op, caller: Caller, target_role: str | None, own: bool) -> tuple[int, str | None]:
    """What the contract says this caller gets: (status, error code or None)."""
    if "users:write" not in caller.scopes:
        return 403, "insufficient_scope"
    if own and op.touches_own_role_or_status:
        return 403, "insufficient_privilege"
    needed = set(ROLE_SCOPES[target_role]) if target_role else set()
    if op.new_role is not None:
        needed |= ROLE_SCOPES[op.new_role]
    if not needed <= caller.scopes:
        return 403, "insufficient_privilege"
    return op.success, None


async def _caller(tenant: Tenant, name: str) -> Caller:
    if name in KEYS:
        return Caller(await tenant.client_with(*sorted(KEYS[name])), KEYS[name], None)
    role = name.removesuffix(" token")
    user = await member(tenant, role=role)
    client = as_user(tenant.app, (await tokens(tenant, user["email"]))["access_token"])
    tenant._clients.append(client)
    return Caller(client, ROLE_SCOPES[role], user["id"])


async def _target(tenant: Tenant, kind: str, role: str) -> tuple[dict[str, Any], dict[str, Any]]:
    if kind == "pending":
        return await tenant.create_user(role=role), {}
    user = await member(tenant, role=role)
    return user, await tokens(tenant, user["email"])


async def _state(tenant: Tenant, user_id: str) -> tuple[Any, ...]:
    """Everything a refused write must leave as it was."""
    db = tenant.app.state.db
    row = await db.fetchrow(
        "SELECT email, name, role, status, password_hash, updated_at FROM users WHERE id = $1", user_id
    )
    sessions = await db.fetchval("SELECT count(*) FROM sessions WHERE user_id = $1", user_id)
    invitations = await db.fetch("SELECT id, revoked_at FROM invitations WHERE user_id = $1 ORDER BY id", user_id)
    return (tuple(row) if row else None, sessions, [tuple(i) for i in invitations])


@pytest.mark.parametrize("caller_name", CALLERS)
async def test_every_user_write_from_every_caller_follows_the_privilege_rule(tenant: Tenant, caller_name: str) -> None:
    caller = await _caller(tenant, caller_name)
    checked = 0
    for op, target_role in itertools.product(OPS, ROLES):
        if op.target is None and target_role != ROLES[0]:
            continue  # creating needs no target: once is enough
        target, extra = (None, {}) if op.target is None else await _target(tenant, op.target, target_role)
        before = await _state(tenant, target["id"]) if target else None
        response = await op.send(caller.client, target or {}, extra)
        status, code = expected(op, caller, target_role if target else None, own=False)
        what = f"{caller_name}: {op.name} on a {target_role if target else 'new user'}"
        assert response.status_code == status, f"{what}: {response.text}"
        if code is not None:
            assert_error(response, status, code)
            if target is not None:
                assert await _state(tenant, target["id"]) == before, f"{what} changed something"
        checked += 1
    assert checked == 3 + (len(OPS) - 3) * len(ROLES)


@pytest.mark.parametrize("role", ROLES)
async def test_nobody_changes_their_own_role_or_status(tenant: Tenant, role: str) -> None:
    user = await member(tenant, role=role)
    caller = Caller(
        as_user(tenant.app, (await tokens(tenant, user["email"]))["access_token"]), ROLE_SCOPES[role], user["id"]
    )
    tenant._clients.append(caller.client)
    own = {"id": user["id"]}
    for op in OPS:
        if not op.name.startswith(("make", "suspend", "rename")):
            continue
        before = await _state(tenant, user["id"])
        response = await op.send(caller.client, own, {})
        status, code = expected(op, caller, role, own=True)
        assert response.status_code == status, f"{role}: {op.name} on themselves: {response.text}"
        if code is not None:
            assert_error(response, status, code)
            assert await _state(tenant, user["id"]) == before


async def test_the_editor_escalation_found_on_main_is_closed(tenant: Tenant) -> None:
    """An editor signed in: PATCH their own role to admin (was 200), then manage webhooks; create an
    admin; change an admin's password or email. Each is 403 now, and nothing changed."""
    editor = await member(tenant, role="editor")
    admin = await member(tenant, role="admin")
    async with as_user(tenant.app, (await tokens(tenant, editor["email"]))["access_token"]) as client:
        raised = await client.patch(f"/v1/users/{editor['id']}", json={"role": "admin"})
        error = assert_error(raised, 403, "insufficient_privilege")
        assert "own" in error["message"]
        assert_error(await client.get("/v1/webhook_endpoints"), 403, "insufficient_scope")
        created = await client.post("/v1/users", json={"email": "boss@example.com", "name": "B", "role": "admin"})
        error = assert_error(created, 403, "insufficient_privilege")
        assert "`keys:manage`" in error["message"] and "`webhooks:manage`" in error["message"]
        for body in ({"password": "taken over, finally"}, {"email": "mine@example.com"}, {"name": "x"}):
            assert_error(await client.patch(f"/v1/users/{admin['id']}", json=body), 403, "insufficient_privilege")
        assert_error(await client.delete(f"/v1/users/{admin['id']}/sessions"), 403, "insufficient_privilege")
        assert_error(await client.delete(f"/v1/users/{admin['id']}"), 403, "insufficient_privilege")
        # What an editor may do still works: make and manage editors and viewers.
        made = await client.post("/v1/users", json={"email": "new@example.com", "name": "New", "role": "editor"})
        assert made.status_code == 201, made.text
        assert (await client.patch(f"/v1/users/{made.json()['id']}", json={"role": "viewer"})).status_code == 200
    assert (await tenant.client.get(f"/v1/users/{editor['id']}")).json()["role"] == "editor"
    after = (await tenant.client.get(f"/v1/users/{admin['id']}")).json()
    assert (after["email"], after["name"], after["role"]) == (admin["email"], admin["name"], "admin")
    signed_in = await tenant.app.state.db.fetchval("SELECT count(*) FROM sessions WHERE user_id = $1", admin["id"])
    assert signed_in == 0  # the admin never signed in; their password still is the original one
    assert (await sign_in(tenant, admin["email"], PASSWORD)).status_code == 200


# The writes that grant nothing (no role, no scope): the route's scope alone decides.
SCOPED_WRITES: list[tuple[str, str, str, dict[str, Any] | None, str, int]] = [
    ("create product", "POST", "/v1/products", {"name": "Lamp", "sku": "LAMP-{}", "price": 100}, "products:write", 201),
    ("subscribe a URL", "POST", "/v1/webhook_endpoints", {"url": "https://h.example.com/{}"}, "webhooks:manage", 201),
]


@pytest.mark.parametrize("caller_name", CALLERS)
async def test_writes_that_grant_nothing_need_their_scope_only(tenant: Tenant, caller_name: str) -> None:
    caller = await _caller(tenant, caller_name)
    product = (
        await tenant.client.post("/v1/products", json={"name": "P", "sku": uuid.uuid4().hex[:8], "price": 1})
    ).json()
    endpoint = (await tenant.client.post("/v1/webhook_endpoints", json={"url": "https://h.example.com/x"})).json()
    writes = [
        *SCOPED_WRITES,
        ("rename product", "PATCH", f"/v1/products/{product['id']}", {"name": "Q"}, "products:write", 200),
        (
            "rotate a secret",
            "POST",
            f"/v1/webhook_endpoints/{endpoint['id']}/rotate_secret",
            None,
            "webhooks:manage",
            200,
        ),
        ("delete product", "DELETE", f"/v1/products/{product['id']}", None, "products:write", 204),
        ("delete endpoint", "DELETE", f"/v1/webhook_endpoints/{endpoint['id']}", None, "webhooks:manage", 204),
    ]
    for name, method, path, body, scope, success in writes:
        sent = {k: v.format(uuid.uuid4().hex[:8]) if isinstance(v, str) else v for k, v in (body or {}).items()}
        response = await caller.client.request(method, path, json=sent if body is not None else None)
        if scope in caller.scopes:
            assert response.status_code == success, f"{caller_name}: {name}: {response.text}"
        else:
            assert_error(response, 403, "insufficient_scope")
