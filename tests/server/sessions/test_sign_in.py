"""Signing in through HTTP: tokens whose scopes follow the role, refresh rotation with reuse
detection, sign-out, and the same answer for every kind of failed sign-in."""

from __future__ import annotations

from redcore_server.app import create_app
from tests import support
from tests.support import Tenant
from tests.support.responses import assert_error
from tests.support.sessions import PASSWORD, as_user, email, member, refresh, sign_in, tokens


async def test_sign_in_answers_tokens_a_session_and_the_user(tenant: Tenant) -> None:
    user = await member(tenant, email="Mixed.Case@Example.com")
    response = await sign_in(tenant, "mixed.case@example.com", **{"user-agent": "pytest-agent/1"})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["access_token"].startswith("rca_") and body["refresh_token"].startswith("rcr_")
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 900)
    assert 2_591_000 < body["refresh_expires_in"] <= 2_592_000
    assert body["user"]["id"] == user["id"] and body["user"]["last_login"] is not None
    session = body["session"]
    assert session["id"].startswith("ses_") and session["user_id"] == user["id"]
    assert session["user_agent"] == "pytest-agent/1"
    events = (await tenant.client.get("/v1/events", params={"type": "user.updated"})).json()["data"]
    assert events == []  # signing in is not a change to the user
    stored = await tenant.app.state.db.fetchval(
        "SELECT count(*) FROM sessions WHERE access_hash = $1", body["access_token"]
    )
    assert stored == 0  # only hashes are stored


async def test_access_token_scopes_follow_the_role(tenant: Tenant) -> None:
    user = await member(tenant, role="viewer")
    pair = await tokens(tenant, user["email"])
    async with as_user(tenant.app, pair["access_token"]) as viewer:
        assert (await viewer.get("/v1/users")).status_code == 200
        assert (await viewer.get("/v1/products")).status_code == 200
        assert_error(await viewer.post("/v1/users", json={"email": email(), "name": "X"}), 403, "insufficient_scope")
        assert_error(await viewer.get("/v1/webhook_endpoints"), 403, "insufficient_scope")

        await tenant.client.patch(f"/v1/users/{user['id']}", json={"role": "editor"})
        created = await viewer.post("/v1/users", json={"email": email(), "name": "Made by an editor"})
        assert created.status_code == 201, created.text  # the next request already has the new scopes
        assert_error(await viewer.get("/v1/webhook_endpoints"), 403, "insufficient_scope")
        event = (await tenant.client.get("/v1/events", params={"type": "user.created", "limit": 1})).json()["data"][0]
        assert event["credential_id"] == pair["session"]["id"]  # changes name the session that made them

        await tenant.client.patch(f"/v1/users/{user['id']}", json={"role": "admin"})
        assert (await viewer.get("/v1/webhook_endpoints")).status_code == 200


async def test_every_failed_sign_in_gets_the_same_answer(tenant: Tenant, make_tenant) -> None:
    active = await member(tenant)
    suspended = await member(tenant)
    await tenant.client.patch(f"/v1/users/{suspended['id']}", json={"status": "suspended"})
    invited = await tenant.create_user(email=email())  # pending_invite: no password yet
    other = await make_tenant()
    failures = [
        await sign_in(tenant, active["email"], "wrong password!"),
        await sign_in(tenant, "nobody@example.com"),
        await sign_in(tenant, suspended["email"]),
        await sign_in(tenant, invited["email"]),
        await sign_in(other, active["email"]),  # the right password, in another organization
    ]
    bodies = []
    for response in failures:
        error = assert_error(response, 401, "invalid_credentials")
        assert response.headers["www-authenticate"].startswith("Bearer")
        bodies.append({k: v for k, v in error.items() if k != "request_id"})
    assert all(b == bodies[0] for b in bodies)
    assert_error(
        await support.http_client(tenant.app).post("/v1/auth/token", json={"email": "x@example.com"}),
        400,
        "validation_error",
    )


async def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_session(tenant: Tenant) -> None:
    user = await member(tenant)
    first = await tokens(tenant, user["email"])
    rotated = await refresh(tenant.app, first["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()
    assert second["session"]["id"] == first["session"]["id"]
    assert {second["access_token"], second["refresh_token"]}.isdisjoint({first["access_token"], first["refresh_token"]})
    async with as_user(tenant.app, first["access_token"]) as old, as_user(tenant.app, second["access_token"]) as new:
        assert_error(await old.get("/v1/users"), 401, "invalid_api_key")  # replaced
        assert (await new.get("/v1/users")).status_code == 200

        reused = await refresh(tenant.app, first["refresh_token"])  # the spent one, again: it leaked
        error = assert_error(reused, 401, "invalid_refresh_token")
        assert "revoked" in error["message"]
        assert_error(await new.get("/v1/users"), 401, "invalid_api_key")  # the whole session is gone
        assert_error(await refresh(tenant.app, second["refresh_token"]), 401, "invalid_refresh_token")
    assert_error(await refresh(tenant.app, "rcr_made-up"), 401, "invalid_refresh_token")
    assert_error(await refresh(tenant.app, tenant.key), 401, "invalid_refresh_token")


async def test_logout_ends_the_session(tenant: Tenant) -> None:
    user = await member(tenant)
    pair = await tokens(tenant, user["email"])
    async with as_user(tenant.app, pair["access_token"]) as client:
        assert (await client.post("/v1/auth/logout")).status_code == 204
        assert_error(await client.get("/v1/users"), 401, "invalid_api_key")
    assert_error(await refresh(tenant.app, pair["refresh_token"]), 401, "invalid_refresh_token")
    assert_error(await tenant.client.post("/v1/auth/logout"), 400, "validation_error")  # an API key is no session
    assert_error(await support.http_client(tenant.app).post("/v1/auth/logout"), 401, "invalid_api_key")


async def test_an_expired_access_token_says_so(tenant: Tenant) -> None:
    user = await member(tenant)
    pair = await tokens(tenant, user["email"])
    async with tenant.app.state.db.transaction() as tx:
        await tx.execute("UPDATE sessions SET access_expires_at = created_at WHERE id = $1", pair["session"]["id"])
    tenant.app.state.authenticator.forget_all()
    async with as_user(tenant.app, pair["access_token"]) as client:
        assert_error(await client.get("/v1/users"), 401, "token_expired")
    assert (await refresh(tenant.app, pair["refresh_token"])).status_code == 200


async def test_sign_in_rehashes_a_password_made_with_older_parameters(tenant: Tenant, database_url: str) -> None:
    user = await member(tenant)
    before = await tenant.app.state.db.fetchval("SELECT password_hash FROM users WHERE id = $1", user["id"])
    assert "t=2" in before
    stronger = support.test_settings(database_url, argon2_time_cost=3, embedded_worker=False)
    app = create_app(stronger)
    async with support.running(app), support.http_client(app) as anonymous:
        body = {"organization": tenant.org.id, "email": user["email"], "password": PASSWORD}
        assert (await anonymous.post("/v1/auth/token", json=body)).status_code == 200
        after = await app.state.db.fetchval("SELECT password_hash FROM users WHERE id = $1", user["id"])
        assert "t=3" in after and after != before
        assert (await anonymous.post("/v1/auth/token", json=body)).status_code == 200  # the new hash verifies
