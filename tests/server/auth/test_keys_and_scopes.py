"""API keys, scopes and tenant isolation."""

from __future__ import annotations

import asyncio

import pytest

from redcore_server.auth.scopes import ALL_SCOPES
from redcore_server.ids import utcnow
from redcore_server.keys import repository as keys_repository
from redcore_server.keys import service as keys_service
from redcore_server.tokens import hash_secret
from tests.support import Tenant, http_client
from tests.support.responses import assert_error


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer sk_live_wrong", "Bearer not-a-key", "sk_live_x"],
)
async def test_missing_or_bad_credentials_are_401_with_www_authenticate(tenant: Tenant, authorization) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    async with http_client(tenant.app) as anonymous:
        for method, path in (("GET", "/v1/users"), ("POST", "/v1/users"), ("DELETE", "/v1/users/usr_x")):
            response = await anonymous.request(method, path, headers=headers)
            assert_error(response, 401, "invalid_api_key")
            assert response.headers["www-authenticate"].startswith("Bearer")


async def test_unauthenticated_request_is_401_before_body_checks(tenant: Tenant) -> None:
    async with http_client(tenant.app) as anonymous:
        response = await anonymous.post("/v1/users", content=b"{not json", headers={"content-type": "text/plain"})
    assert_error(response, 401, "invalid_api_key")


async def test_read_only_key_gets_403_on_every_write(tenant: Tenant) -> None:
    user = await tenant.create_user()
    reader = await tenant.client_with("users:read")
    assert (await reader.get("/v1/users")).status_code == 200
    assert (await reader.get(f"/v1/users/{user['id']}")).status_code == 200
    for response in (
        await reader.post("/v1/users", json={"email": "w@example.com", "name": "W"}),
        await reader.patch(f"/v1/users/{user['id']}", json={"name": "W"}),
        await reader.put(f"/v1/users/{user['id']}", json={"name": "W"}),
        await reader.delete(f"/v1/users/{user['id']}"),
    ):
        error = assert_error(response, 403, "insufficient_scope")
        assert "users:write" in error["message"]
    assert (await tenant.client.get(f"/v1/users/{user['id']}")).json() == user


async def test_write_does_not_imply_read(tenant: Tenant) -> None:
    # Everything of a viewer but users:read: it may write users it could grant, never read them.
    writer = await tenant.client_with("users:write", "products:read", "events:read")
    user = await tenant.create_user()
    patched = await writer.patch(f"/v1/users/{user['id']}", json={"name": "Renamed"})
    assert patched.status_code == 403  # a viewer's role holds users:read, which this key lacks
    products = await tenant.client_with("products:write")
    created = await products.post("/v1/products", json={"name": "Lamp", "sku": "LAMP-1", "price": 100})
    assert created.status_code == 201
    for response in (await products.get("/v1/products"), await products.get(f"/v1/products/{created.json()['id']}")):
        error = assert_error(response, 403, "insufficient_scope")
        assert "products:read" in error["message"]
    for response in (await writer.get("/v1/users"), await writer.get(f"/v1/users/{user['id']}")):
        error = assert_error(response, 403, "insufficient_scope")
        assert "users:read" in error["message"]


async def test_a_key_without_user_scopes_can_do_nothing_with_users(tenant: Tenant) -> None:
    products_only = await tenant.client_with("products:read", "products:write")
    assert_error(await products_only.get("/v1/users"), 403, "insufficient_scope")


async def test_other_organizations_users_are_404_everywhere(tenant: Tenant, make_tenant) -> None:
    """BOLA: a foreign id answers exactly as a missing one does, for every method."""
    other = await make_tenant()
    theirs = await other.create_user(email="theirs@example.com")
    mine = await tenant.create_user(email="mine@example.com")
    for response in (
        await tenant.client.get(f"/v1/users/{theirs['id']}"),
        await tenant.client.patch(f"/v1/users/{theirs['id']}", json={"name": "Hijacked"}),
        await tenant.client.put(f"/v1/users/{theirs['id']}", json={"role": "admin"}),
        await tenant.client.delete(f"/v1/users/{theirs['id']}"),
    ):
        error = assert_error(response, 404, "not_found")
        assert theirs["email"] not in response.text
        assert error["message"] == f"No user with id {theirs['id']!r}."
    listed = (await tenant.client.get("/v1/users", params={"q": "theirs"})).json()
    assert listed["data"] == []
    assert [u["id"] for u in (await tenant.client.get("/v1/users")).json()["data"]] == [mine["id"]]
    assert (await other.client.get(f"/v1/users/{theirs['id']}")).json() == theirs


async def test_revoked_key_stops_working_within_a_second(tenant: Tenant) -> None:
    assert (await tenant.client.get("/v1/users")).status_code == 200
    db = tenant.app.state.db
    key = (await keys_repository.list_for_org(db, tenant.org.id))[0]
    async with db.transaction() as tx:  # straight to the table: no notice, so only the cache's life bounds it
        await keys_repository.revoke(tx, tenant.org.id, key.id, utcnow())
    await asyncio.sleep(1.05)
    assert_error(await tenant.client.get("/v1/users"), 401, "invalid_api_key")


async def test_last_used_at_is_recorded(tenant: Tenant) -> None:
    db = tenant.app.state.db
    assert (await keys_repository.list_for_org(db, tenant.org.id))[0].last_used_at is None
    await tenant.client.get("/v1/users")
    await tenant.app.state.authenticator.drain()
    assert (await keys_repository.list_for_org(db, tenant.org.id))[0].last_used_at is not None


async def test_keys_are_stored_only_as_a_hash(tenant: Tenant) -> None:
    db = tenant.app.state.db
    rows = await db.fetch("SELECT prefix, secret_hash, scopes FROM api_keys WHERE org_id = $1", tenant.org.id)
    assert len(rows) == 1
    prefix, secret_hash, scopes = rows[0]
    assert tenant.key.startswith(prefix)
    assert len(prefix) < len(tenant.key) - 20
    assert secret_hash == hash_secret(tenant.key)
    assert tenant.key not in secret_hash
    assert scopes.split() == list(ALL_SCOPES)  # made with no scopes: every one


def test_generated_keys_look_like_sk_live_and_are_unique() -> None:
    secrets = {keys_service.generate_secret() for _ in range(1000)}
    assert len(secrets) == 1000
    assert all(s.startswith("sk_live_") and len(s) == 40 and s[8:].isalnum() for s in secrets)


async def test_expired_key_is_401_token_expired(tenant: Tenant) -> None:
    from datetime import UTC, datetime, timedelta

    reader = await tenant.client_with("users:read")
    db = tenant.app.state.db
    key = next(k for k in await keys_repository.list_for_org(db, tenant.org.id) if k.name == "test")
    await db.execute(
        "UPDATE api_keys SET expires_at = $2 WHERE id = $1", key.id, datetime.now(UTC) - timedelta(seconds=1)
    )
    tenant.app.state.authenticator.forget_all()
    response = await reader.get("/v1/users")
    assert_error(response, 401, "token_expired")
    assert response.headers["www-authenticate"].startswith("Bearer")
