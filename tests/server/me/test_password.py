"""``POST /v1/me/password``: a signed-in user (a viewer included) changes their password with the
current one; every other session ends, the current one lives. Wrong current passwords are counted
per user and refused past the limit; events carry no secret."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from redcore_server.app import create_app
from tests import support
from tests.support import Tenant
from tests.support.responses import assert_error
from tests.support.sessions import PASSWORD, as_user, member, refresh, sign_in, tokens

NEW_PASSWORD = "a brand new passphrase"


async def test_a_viewer_changes_their_password_and_only_the_current_session_lives(tenant: Tenant) -> None:
    viewer = await member(tenant, role="viewer")
    elsewhere, here = await tokens(tenant, viewer["email"]), await tokens(tenant, viewer["email"])
    async with (
        as_user(tenant.app, here["access_token"]) as client,
        as_user(tenant.app, elsewhere["access_token"]) as other,
    ):
        body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
        response = await client.post("/v1/me/password", json=body)
        assert response.status_code == 204, response.text
        assert response.content == b""

        assert (await client.get("/v1/me")).status_code == 200  # the current session lives
        assert_error(await other.get("/v1/me"), 401, "invalid_api_key")  # the other one ended
    assert_error(await refresh(tenant.app, elsewhere["refresh_token"]), 401, "invalid_refresh_token")
    assert (await refresh(tenant.app, here["refresh_token"])).status_code == 200
    assert_error(await sign_in(tenant, viewer["email"]), 401, "invalid_credentials")  # the old password
    assert (await sign_in(tenant, viewer["email"], NEW_PASSWORD)).status_code == 200

    stored = await tenant.app.state.db.fetchval("SELECT password_hash FROM users WHERE id = $1", viewer["id"])
    assert stored.startswith("$argon2id$") and NEW_PASSWORD not in stored

    [event] = (await tenant.client.get("/v1/events", params={"type": "user.password_changed"})).json()["data"]
    assert event["data"]["id"] == viewer["id"] and event["credential_id"] == here["session"]["id"]
    for secret in (PASSWORD, NEW_PASSWORD, stored, here["access_token"], here["refresh_token"]):
        assert secret not in str(event)


async def test_a_wrong_or_missing_current_password_changes_nothing(tenant: Tenant) -> None:
    user = await member(tenant)
    pair = await tokens(tenant, user["email"])
    async with as_user(tenant.app, pair["access_token"]) as client:
        wrong = await client.post(
            "/v1/me/password", json={"current_password": "wrong one", "new_password": NEW_PASSWORD}
        )
        error = assert_error(wrong, 400, "invalid_current_password")
        assert error["details"] == [{"field": "current_password", "issue": "is not the user's password"}]
        for body in (
            {"new_password": NEW_PASSWORD},
            {"current_password": PASSWORD},
            {"current_password": PASSWORD, "new_password": "short"},
            {"current_password": PASSWORD, "new_password": "x" * 129},
            {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "role": "admin"},
        ):
            assert_error(await client.post("/v1/me/password", json=body), 400, "validation_error")
    assert (await sign_in(tenant, user["email"])).status_code == 200
    assert (await tenant.client.get("/v1/events", params={"type": "user.password_changed"})).json()["data"] == []


@asynccontextmanager
async def limited(database_url: str, limit: int) -> AsyncIterator[tuple[Tenant, dict[str, Any]]]:
    """An app allowing ``limit`` wrong passwords per user, a tenant, and one of its users signed in."""
    settings = support.test_settings(database_url, embedded_worker=False, signin_failure_limit=limit)
    async with support.running(create_app(settings)) as app:
        tenant = await support.make_tenant(app)
        try:
            user = await member(tenant)
            yield tenant, await tokens(tenant, user["email"])
        finally:
            await tenant.close()


async def test_wrong_current_passwords_are_limited_per_user(database_url: str) -> None:
    async with limited(database_url, 3) as (tenant, pair):
        async with as_user(tenant.app, pair["access_token"]) as client:
            attempts = [
                client.post("/v1/me/password", json={"current_password": "guess 1", "new_password": NEW_PASSWORD}),
                client.patch("/v1/me", json={"email": "moved@example.com", "current_password": "guess 2"}),
                client.post("/v1/me/password", json={"current_password": "guess 3", "new_password": NEW_PASSWORD}),
            ]
            for attempt in attempts:
                assert_error(await attempt, 400, "invalid_current_password")
            for right in (
                client.post("/v1/me/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
                client.patch("/v1/me", json={"email": "moved@example.com", "current_password": PASSWORD}),
            ):
                refused = await right  # past the limit even the right password is not checked
                assert_error(refused, 429, "rate_limit_exceeded")
                assert 1 <= int(refused.headers["retry-after"]) <= 900
            assert (await client.patch("/v1/me", json={"name": "No password needed"})).status_code == 200
            me = (await client.get("/v1/me")).json()["user"]
        assert me["email"] != "moved@example.com"
        assert (await sign_in(tenant, me["email"])).status_code == 200  # unchanged, and sign-in is its own count


async def test_a_right_password_takes_its_attempt_back(database_url: str) -> None:
    """Right passwords use none of the budget; wrong ones stay counted, as for sign-ins."""
    async with limited(database_url, 2) as (tenant, pair), as_user(tenant.app, pair["access_token"]) as client:
        wrong = {"current_password": "nope", "new_password": NEW_PASSWORD}
        assert_error(await client.post("/v1/me/password", json=wrong), 400, "invalid_current_password")
        password = PASSWORD
        for round_ in range(3):
            new = f"{NEW_PASSWORD} {round_}"
            right = await client.post("/v1/me/password", json={"current_password": password, "new_password": new})
            assert right.status_code == 204, right.text
            password = new
        assert_error(await client.post("/v1/me/password", json=wrong), 400, "invalid_current_password")
        last = await client.post("/v1/me/password", json={"current_password": password, "new_password": "x" * 8})
        assert_error(last, 429, "rate_limit_exceeded")


async def test_user_signed_in_is_recorded_without_a_secret(tenant: Tenant) -> None:
    user = await member(tenant)
    pair = await tokens(tenant, user["email"])
    events = (await tenant.client.get("/v1/events", params={"type": "user.signed_in"})).json()["data"]
    [event] = events
    assert event["data"]["id"] == user["id"] and event["data"]["email"] == user["email"]
    assert event["data"]["last_login"] is not None
    assert event["credential_id"] == pair["session"]["id"] and event["request_id"].startswith("req_")
    assert set(event["data"]) == set(user)  # the user, nothing more
    for secret in (PASSWORD, pair["access_token"], pair["refresh_token"]):
        assert secret not in str(event)
    assert_error(await sign_in(tenant, user["email"], "wrong password"), 401, "invalid_credentials")
    assert len((await tenant.client.get("/v1/events", params={"type": "user.signed_in"})).json()["data"]) == 1
