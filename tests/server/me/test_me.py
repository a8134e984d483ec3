"""``GET /v1/me`` for an API key and for a user's access token, and ``PATCH /v1/me``: a signed-in user
(a viewer included) changes their own name, avatar and email (the email only with their current
password), never their role or status; an API key has no user to change."""

from __future__ import annotations

from typing import Any

import httpx

from redcore_server.auth.scopes import ALL_SCOPES, EVENTS_READ, USERS_READ, VIEWER_SCOPES
from tests.support import Tenant
from tests.support.responses import assert_error
from tests.support.sessions import PASSWORD, as_user, email, member, sign_in, tokens

KEY_FIELDS = {"id", "name", "prefix", "scopes", "rate_limit", "created_at", "last_used_at", "expires_at", "revoked_at"}


async def signed_in(tenant: Tenant, role: str = "viewer") -> tuple[dict[str, Any], dict[str, Any], httpx.AsyncClient]:
    """A new user of ``role`` with ``PASSWORD``, their tokens, and a client acting as them."""
    user = await member(tenant, role=role)
    pair = await tokens(tenant, user["email"])
    return user, pair, as_user(tenant.app, pair["access_token"])


async def test_me_for_an_api_key(tenant: Tenant) -> None:
    response = await tenant.client.get("/v1/me")
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"type", "organization", "scopes", "api_key"}
    assert body["type"] == "api_key"
    assert body["organization"]["id"] == tenant.org.id and body["organization"]["name"] == tenant.org.name
    assert body["scopes"] == list(ALL_SCOPES)  # the contract's order
    key = body["api_key"]
    assert set(key) == KEY_FIELDS
    assert key["id"].startswith("key_") and key["name"] == "admin" and key["scopes"] == list(ALL_SCOPES)
    assert tenant.key.startswith(key["prefix"]) and tenant.key not in response.text  # never the secret
    assert key["revoked_at"] is None and key["rate_limit"] is None

    narrow = await tenant.client_with(EVENTS_READ, USERS_READ)  # given out of order
    body = (await narrow.get("/v1/me")).json()
    assert body["scopes"] == [USERS_READ, EVENTS_READ] == body["api_key"]["scopes"]


async def test_me_for_a_users_access_token(tenant: Tenant) -> None:
    user, pair, client = await signed_in(tenant, "viewer")
    async with client:
        response = await client.get("/v1/me")
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"type", "organization", "scopes", "user", "session_id"}
    assert body["type"] == "user"
    assert body["organization"]["id"] == tenant.org.id
    assert body["scopes"] == list(VIEWER_SCOPES)
    assert body["user"]["id"] == user["id"] and body["user"]["role"] == "viewer"
    assert body["session_id"] == pair["session"]["id"]
    assert "password" not in response.text and pair["access_token"] not in response.text


async def test_a_viewer_changes_their_own_name_and_avatar(tenant: Tenant) -> None:
    user, pair, client = await signed_in(tenant, "viewer")
    async with client:
        changed = await client.patch("/v1/me", json={"name": "  Vera Viewer ", "avatar": "https://img.example/v.png"})
        assert changed.status_code == 200, changed.text
        body = changed.json()
        assert body["type"] == "user" and body["session_id"] == pair["session"]["id"]
        assert (body["user"]["name"], body["user"]["avatar"]) == ("Vera Viewer", "https://img.example/v.png")
        assert (await client.patch("/v1/me", json={"avatar": None})).json()["user"]["avatar"] is None
    stored = (await tenant.client.get(f"/v1/users/{user['id']}")).json()
    assert (stored["name"], stored["avatar"], stored["role"]) == ("Vera Viewer", None, "viewer")
    events = (await tenant.client.get("/v1/events", params={"type": "user.updated"})).json()["data"]
    assert [e["data"]["name"] for e in events][:2] == ["Vera Viewer", "Vera Viewer"]
    assert events[0]["credential_id"] == pair["session"]["id"]


async def test_role_status_and_unknown_fields_are_refused(tenant: Tenant) -> None:
    user, _, client = await signed_in(tenant, "viewer")
    async with client:
        for body in ({"role": "admin"}, {"status": "active"}, {"name": "X", "role": "viewer"}, {"id": "usr_x"}):
            error = assert_error(await client.patch("/v1/me", json=body), 400, "validation_error")
            assert next(iter(set(body) - {"name"})) in error["message"]
        # Nor through /v1/users: the privilege rule refuses anyone their own role and status.
        own = await client.patch(f"/v1/users/{user['id']}", json={"role": "admin"})
        assert_error(own, 403, "insufficient_scope")  # a viewer cannot write users at all
    editor, _, as_editor = await signed_in(tenant, "editor")
    async with as_editor:
        for body in ({"role": "viewer"}, {"status": "inactive"}):
            assert_error(await as_editor.patch(f"/v1/users/{editor['id']}", json=body), 403, "insufficient_privilege")
    for who in (user, editor):
        stored = (await tenant.client.get(f"/v1/users/{who['id']}")).json()
        assert (stored["role"], stored["status"], stored["name"]) == (who["role"], "active", who["name"])


async def test_an_api_key_has_no_user_to_change(tenant: Tenant) -> None:
    for body in ({"name": "Key"}, {"role": "admin"}):
        error = assert_error(await tenant.client.patch("/v1/me", json=body), 403, "user_token_required")
        assert "access token" in error["message"]
    body = {"current_password": PASSWORD, "new_password": "another long one"}
    assert_error(await tenant.client.post("/v1/me/password", json=body), 403, "user_token_required")
    viewer_key = await tenant.client_with(USERS_READ)
    assert_error(await viewer_key.patch("/v1/me", json={"name": "K"}), 403, "user_token_required")


async def test_an_email_change_needs_the_current_password_and_is_unverified(tenant: Tenant) -> None:
    user, _, client = await signed_in(tenant, "viewer")
    await tenant.app.state.db.execute("UPDATE users SET email_verified = $2 WHERE id = $1", user["id"], True)
    new = email()
    async with client:
        error = assert_error(await client.patch("/v1/me", json={"email": new}), 400, "validation_error")
        assert error["details"] == [{"field": "current_password", "issue": "is required to change the email address"}]
        wrong = await client.patch("/v1/me", json={"email": new, "current_password": "not it at all"})
        assert assert_error(wrong, 400, "invalid_current_password")["details"][0]["field"] == "current_password"
        assert (await client.get("/v1/me")).json()["user"]["email_verified"] is True  # nothing changed

        changed = await client.patch("/v1/me", json={"email": new.upper(), "current_password": PASSWORD})
        assert changed.status_code == 200, changed.text
        assert changed.json()["user"]["email"] == new.upper().split("@")[0] + "@" + new.split("@")[1]
        assert changed.json()["user"]["email_verified"] is False
    assert (await sign_in(tenant, new)).status_code == 200  # the new address signs in
    assert_error(await sign_in(tenant, user["email"]), 401, "invalid_credentials")


async def test_an_email_taken_in_the_organization_is_a_conflict(tenant: Tenant) -> None:
    other = await member(tenant)
    _, _, client = await signed_in(tenant)
    async with client:
        taken = await client.patch("/v1/me", json={"email": other["email"], "current_password": PASSWORD})
        assert_error(taken, 409, "duplicate_email")
        bad = await client.patch("/v1/me", json={"email": "nope", "current_password": PASSWORD})
        assert_error(bad, 400, "validation_error")


async def test_a_revoked_session_cannot_read_me(tenant: Tenant) -> None:
    user, _, client = await signed_in(tenant)
    await tenant.client.delete(f"/v1/users/{user['id']}/sessions")
    async with client:
        assert_error(await client.get("/v1/me"), 401, "invalid_api_key")
