"""``Idempotency-Key`` through HTTP: what was found on main (four webhook endpoints with four secrets
from one key; a lost-response retry answered 409 for a create that succeeded; the same key with
another body creating a second row) and the contract's semantics on every POST."""

from __future__ import annotations

import asyncio
import inspect
import uuid
from typing import Any

import httpx
import pytest

from redcore_server.idempotency.service import purge_expired_keys
from redcore_server.ids import utcnow
from tests import support
from tests.support import Tenant
from tests.support.responses import assert_error
from tests.support.sessions import PASSWORD, member


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def count(tenant: Tenant, table: str) -> int:
    return int(await tenant.app.state.db.fetchval(f"SELECT count(*) FROM {table} WHERE org_id = $1", tenant.org.id))


def assert_replay_of(replay: httpx.Response, first: httpx.Response) -> None:
    assert replay.status_code == first.status_code
    assert replay.content == first.content  # byte for byte
    assert replay.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    for header in ("location", "etag", "cache-control"):
        assert replay.headers.get(header) == first.headers.get(header)
    assert replay.headers["x-request-id"] != first.headers["x-request-id"]  # a new request, an old answer


async def test_concurrent_webhook_endpoint_creates_with_one_key_make_one_endpoint(tenant: Tenant) -> None:
    headers = key()
    body = {"url": "https://hooks.example.com/redcore", "event_types": ["user.created"]}
    responses = await asyncio.gather(
        *(tenant.client.post("/v1/webhook_endpoints", json=body, headers=headers) for _ in range(3))
    )
    created = [r for r in responses if r.status_code == 201]
    assert created, [r.text for r in responses]
    for response in responses:
        if response.status_code == 409:
            assert_error(response, 409, "idempotency_key_in_use")
            assert response.headers["retry-after"] == "1"
        else:  # answered after the first finished: the same answer, replayed
            assert response.content == created[0].content
    once_more = await tenant.client.post("/v1/webhook_endpoints", json=body, headers=headers)
    first = next(r for r in created if "idempotent-replayed" not in r.headers)
    assert_replay_of(once_more, first)
    assert once_more.json()["secret"].startswith("whsec_")  # the one secret, shown again to this key's holder
    assert await count(tenant, "webhook_endpoints") == 1


async def test_a_request_still_running_gets_409_in_use(tenant: Tenant, make_tenant) -> None:
    """Deterministic: the first request is held inside its transaction (a lock on the users table from
    another connection on PostgreSQL; the writer lock on SQLite) while the same key arrives again."""
    headers = key()
    body = {"email": "held@example.com", "name": "Held"}
    db = tenant.app.state.db
    release = asyncio.Event()
    locked = asyncio.Event()

    async def hold() -> None:
        async with db.transaction() as tx:
            if tx.dialect == "postgresql":
                await tx.execute("LOCK TABLE users IN EXCLUSIVE MODE")
            else:
                await tx.execute("UPDATE users SET name = name WHERE org_id = $1", tenant.org.id)
            locked.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await locked.wait()
    if db.dialect == "sqlite":
        # SQLite's one writer is held: the first request cannot even claim until it is released, so
        # release it once the claim is queued; the claim and then the insert run in order.
        first = asyncio.create_task(tenant.client.post("/v1/users", json=body, headers=headers))
        await asyncio.sleep(0.05)
        release.set()
        await holder
        first_response = await first
        again = await tenant.client.post("/v1/users", json=body, headers=headers)
        assert_replay_of(again, first_response)
        return
    first = asyncio.create_task(tenant.client.post("/v1/users", json=body, headers=headers))
    for _ in range(100):  # until the first has claimed its key and waits on the lock
        if await db.fetchval("SELECT count(*) FROM idempotency_keys WHERE status = 'running'"):
            break
        await asyncio.sleep(0.02)
    while_running = [await tenant.client.post("/v1/users", json=body, headers=headers) for _ in range(2)]
    release.set()
    await holder
    first_response = await first
    assert first_response.status_code == 201, first_response.text
    for response in while_running:
        assert_error(response, 409, "idempotency_key_in_use")
        assert response.headers["retry-after"] == "1"
    assert_replay_of(await tenant.client.post("/v1/users", json=body, headers=headers), first_response)
    assert await count(tenant, "users") == 1


async def test_a_lost_response_retry_gets_the_stored_201_not_409(tenant: Tenant) -> None:
    headers = key()
    body = {"email": "carol@example.com", "name": "Carol", "role": "editor"}
    first = await tenant.client.post("/v1/users", json=body, headers=headers)
    assert first.status_code == 201
    retry = await tenant.client.post("/v1/users", json=body, headers=headers)
    assert_replay_of(retry, first)
    assert retry.headers["location"] == f"/v1/users/{first.json()['id']}"
    assert await count(tenant, "users") == 1
    assert await count(tenant, "events") == 1  # one user.created, not two
    assert await count(tenant, "emails") == 1  # one invitation sent
    # Without a key the same body is a new request: the email is taken.
    assert_error(await tenant.client.post("/v1/users", json=body), 409, "duplicate_email")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/users", {"email": "dave@example.com", "name": "Dave"}),
        ("POST", "/v1/users", {"email": "eve@example.com", "name": "Dave"}),
        ("POST", "/v1/products", {"name": "Dave", "sku": "DAVE-1", "price": 1}),
        ("POST", "/v1/users?x=1", {"email": "dave@example.com", "name": "Dave"}),
    ],
)
async def test_the_same_key_with_another_request_is_400_and_creates_nothing(
    tenant: Tenant, method: str, path: str, body: dict[str, Any]
) -> None:
    headers = key()
    first = await tenant.client.post("/v1/users", json={"email": "dave@example.com", "name": "Dave"}, headers=headers)
    assert first.status_code == 201
    other = await tenant.client.request(method, path, json=body, headers=headers)
    if path == "/v1/users" and body == {"email": "dave@example.com", "name": "Dave"}:
        assert_replay_of(other, first)
    else:
        assert_error(other, 400, "idempotency_key_reused")
    assert await count(tenant, "users") == 1
    assert await count(tenant, "products") == 0


async def test_a_request_refused_before_it_ran_stores_nothing(tenant: Tenant) -> None:
    headers = key()
    body = {"email": "frank@example.com", "name": "Frank", "role": "admin"}
    # 400 (validation), 403 (scope; privilege), 401: each leaves the key free for the real request.
    assert_error(
        await tenant.client.post("/v1/users", json={**body, "role": "owner"}, headers=headers), 400, "validation_error"
    )
    reader = await tenant.client_with("users:read")
    assert_error(await reader.post("/v1/users", json=body, headers=headers), 403, "insufficient_scope")
    editor_key = await tenant.client_with("users:read", "users:write", "products:read", "events:read")
    assert_error(await editor_key.post("/v1/users", json=body, headers=headers), 403, "insufficient_privilege")
    async with support.http_client(tenant.app, "sk_live_nope") as stranger:
        assert_error(await stranger.post("/v1/users", json=body, headers=headers), 401, "invalid_api_key")
    created = await tenant.client.post("/v1/users", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert_replay_of(await tenant.client.post("/v1/users", json=body, headers=headers), created)
    assert await tenant.app.state.db.fetchval("SELECT count(*) FROM idempotency_keys WHERE status = 'running'") == 0


async def test_a_business_error_is_not_stored_and_its_retry_runs_again(tenant: Tenant) -> None:
    await tenant.create_user(email="gina@example.com")
    headers = key()
    body = {"email": "gina@example.com", "name": "Gina"}
    assert_error(await tenant.client.post("/v1/users", json=body, headers=headers), 409, "duplicate_email")
    gina = (await tenant.client.get("/v1/users", params={"q": "gina"})).json()["data"][0]
    assert (await tenant.client.delete(f"/v1/users/{gina['id']}")).status_code == 204
    retried = await tenant.client.post("/v1/users", json=body, headers=headers)
    assert retried.status_code == 201 and "idempotent-replayed" not in retried.headers


async def test_keys_belong_to_one_organization(tenant: Tenant, make_tenant) -> None:
    other = await make_tenant()
    headers = key()
    body = {"name": "Lamp", "sku": "LAMP-1", "price": 1500}
    mine = await tenant.client.post("/v1/products", json=body, headers=headers)
    theirs = await other.client.post("/v1/products", json=body, headers=headers)
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert "idempotent-replayed" not in theirs.headers


@pytest.mark.parametrize("bad", ["", "x" * 256, "clé", "tab\there"])
async def test_a_malformed_key_is_400_naming_the_header(tenant: Tenant, bad: str) -> None:
    response = await tenant.client.post(
        "/v1/products",
        json={"name": "Lamp", "sku": "LAMP-2", "price": 1},
        headers={"Idempotency-Key": bad.encode()},
    )
    error = assert_error(response, 400, "validation_error")
    assert error["details"][0]["field"] == "Idempotency-Key"
    assert await count(tenant, "products") == 0


async def test_every_post_route_honours_the_key(tenant: Tenant) -> None:
    """Each POST answers its retry with the stored response and does its work once."""
    user = await member(tenant, role="editor")
    invited = await tenant.create_user()
    endpoint = (await tenant.client.post("/v1/webhook_endpoints", json={"url": "https://h.example.com/x"})).json()
    sign_in = {"organization": tenant.org.id, "email": user["email"], "password": PASSWORD}
    cases: list[tuple[str, dict[str, Any] | None, httpx.AsyncClient]] = [
        ("/v1/auth/token", sign_in, support.http_client(tenant.app)),
        (f"/v1/users/{invited['id']}/invitation", None, tenant.client),
        (f"/v1/webhook_endpoints/{endpoint['id']}/rotate_secret", {"grace_period": 0}, tenant.client),
    ]
    for path, body, client in cases:
        headers = key()
        first = (
            await client.post(path, json=body, headers=headers) if body else await client.post(path, headers=headers)
        )
        assert first.status_code in (200, 201), first.text
        again = (
            await client.post(path, json=body, headers=headers) if body else await client.post(path, headers=headers)
        )
        assert_replay_of(again, first)
    assert await tenant.app.state.db.fetchval("SELECT count(*) FROM sessions WHERE user_id = $1", user["id"]) == 1
    assert await tenant.app.state.db.fetchval("SELECT count(*) FROM invitations WHERE user_id = $1", invited["id"]) == 2
    await cases[0][2].aclose()


async def test_every_post_route_goes_through_the_boundary_that_handles_keys_and_documents_them(tenant: Tenant) -> None:
    posts = [
        (route.path, handler)
        for route in tenant.app.routes
        for handler in getattr(route, "route_handlers", [])
        if "POST" in getattr(handler, "http_methods", ())
    ]
    assert len(posts) >= 8
    for path, handler in posts:
        assert "uow" in inspect.signature(handler.fn).parameters, path
    async with support.http_client(tenant.app) as anonymous:
        doc = (await anonymous.get("/openapi.json")).json()
    for path, item in doc["paths"].items():
        if "post" in item:
            names = [p["name"] for p in item["post"]["parameters"]]
            assert names.count("Idempotency-Key") == 1, path
            assert "idempotency_key_in_use" in item["post"]["responses"]["409"]["description"], path


async def test_a_refresh_and_its_lost_answer_retried_do_not_revoke_the_session(tenant: Tenant) -> None:
    """Without a key a refresh token sent twice looks stolen and ends the session; with one the retry
    gets the same new tokens, which keep working."""
    user = await member(tenant)
    async with support.http_client(tenant.app) as anonymous:
        signed = await anonymous.post(
            "/v1/auth/token", json={"organization": tenant.org.id, "email": user["email"], "password": PASSWORD}
        )
        headers = key()
        body = {"refresh_token": signed.json()["refresh_token"]}
        first = await anonymous.post("/v1/auth/refresh", json=body, headers=headers)
        retry = await anonymous.post("/v1/auth/refresh", json=body, headers=headers)
    assert first.status_code == 200
    assert_replay_of(retry, first)
    async with support.http_client(tenant.app, retry.json()["access_token"]) as client:
        assert (await client.get("/v1/users")).status_code == 200


async def test_stored_responses_hold_no_secret_or_personal_data_in_clear(tenant: Tenant) -> None:
    created = await tenant.client.post("/v1/webhook_endpoints", json={"url": "https://h.example.com/y"}, headers=key())
    user = await tenant.client.post(
        "/v1/users", json={"email": "private.person@example.com", "name": "Zed"}, headers=key()
    )
    rows = await tenant.app.state.db.fetch("SELECT key_hash, request_hash, response FROM idempotency_keys")
    text = " ".join(" ".join(str(v) for v in row) for row in rows)
    secret = created.json()["secret"]
    for clear in (secret, secret.removeprefix("whsec_"), "private.person", user.json()["id"]):
        assert clear not in text


async def test_expired_keys_are_reused_and_purged(tenant: Tenant) -> None:
    db = tenant.app.state.db
    headers = key()
    body = {"name": "Old", "sku": "OLD-1", "price": 1}
    first = await tenant.client.post("/v1/products", json=body, headers=headers)
    assert first.status_code == 201
    await db.execute("UPDATE idempotency_keys SET expires_at = created_at WHERE scope = $1", tenant.org.id)
    again = await tenant.client.post("/v1/products", json=body, headers=headers)
    assert_error(again, 409, "duplicate_sku")  # 24 hours on, the key is new again: the request ran
    kept = await tenant.client.post("/v1/products", json={**body, "sku": "OLD-2"}, headers=key())
    assert kept.status_code == 201
    expired = await tenant.client.post("/v1/products", json={**body, "sku": "OLD-3"}, headers=key())
    assert expired.status_code == 201
    await db.execute(
        "UPDATE idempotency_keys SET expires_at = created_at WHERE scope = $1 AND created_at = "
        "(SELECT max(created_at) FROM idempotency_keys WHERE scope = $1)",
        tenant.org.id,
    )
    await purge_expired_keys(db, utcnow())  # (the housekeeping runner of the test app may beat it to it)
    left = await db.fetchval("SELECT count(*) FROM idempotency_keys WHERE scope = $1", tenant.org.id)
    assert left == 1  # the unexpired one
    assert await db.fetchval("SELECT count(*) FROM idempotency_keys WHERE expires_at <= created_at") == 0
