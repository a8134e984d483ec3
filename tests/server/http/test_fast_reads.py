"""``GET /v1/{collection}/{id}`` answers the same on the lean path and through the Litestar route."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar import Litestar

from redcore_server.app import create_app
from redcore_server.keys import service as keys_service
from redcore_server.users import repository as users_repository
from tests import support
from tests.support import Tenant, http_client
from tests.support.responses import assert_error


@pytest.fixture(scope="session")
async def framework_app(database_url: str) -> AsyncIterator[Litestar]:
    """The same database served with fast reads off: every read goes through Litestar."""
    settings = support.test_settings(database_url, fast_reads=False)
    async with support.running(create_app(settings)) as running_app:
        yield running_app


@pytest.fixture(params=["fast", "framework"])
async def reader(request: pytest.FixtureRequest, tenant: Tenant, framework_app: Litestar):
    app = tenant.app if request.param == "fast" else framework_app
    async with http_client(app, tenant.key) as client:
        yield client


@pytest.mark.parametrize("collection", ["users", "products"])
async def test_read_answers_identically_on_both_paths(tenant: Tenant, framework_app: Litestar, collection: str) -> None:
    if collection == "users":
        resource = await tenant.create_user(avatar="https://x.example/a.png")
    else:
        created = await tenant.client.post("/v1/products", json={"name": "Widget", "sku": "W-1", "price": 4999})
        resource = created.json()
    async with http_client(framework_app, tenant.key) as slow:
        fast_response = await tenant.client.get(f"/v1/{collection}/{resource['id']}")
        slow_response = await slow.get(f"/v1/{collection}/{resource['id']}")
    assert fast_response.status_code == slow_response.status_code == 200
    assert fast_response.content == slow_response.content
    for header in ("content-type", "etag", "content-length"):
        assert fast_response.headers[header] == slow_response.headers[header], header
    assert sorted(fast_response.headers.keys()) == sorted(slow_response.headers.keys())  # X-Request-Id too
    assert fast_response.headers["x-request-id"] != slow_response.headers["x-request-id"]
    assert fast_response.json() == resource


async def test_each_collection_checks_its_own_scope_on_both_paths(tenant: Tenant, framework_app: Litestar) -> None:
    product = (await tenant.client.post("/v1/products", json={"name": "W", "sku": "W-2", "price": 1})).json()
    user = await tenant.create_user()
    async with tenant.app.state.db.transaction() as tx:
        users_only = (await keys_service.create(tx, tenant.org.id, scopes=["users:read"])).secret
    for app in (tenant.app, framework_app):
        async with http_client(app, users_only) as client:
            assert (await client.get(f"/v1/users/{user['id']}")).status_code == 200
            error = assert_error(await client.get(f"/v1/products/{product['id']}"), 403, "insufficient_scope")
            assert "products:read" in error["message"]


async def test_read_success(reader, tenant: Tenant) -> None:
    user = await tenant.create_user()
    response = await reader.get(f"/v1/users/{user['id']}")
    assert response.status_code == 200
    assert response.json() == user
    assert response.headers["x-request-id"].startswith("req_")
    assert response.headers["etag"].startswith('"')


async def test_read_errors(reader, tenant: Tenant, make_tenant) -> None:
    other = await make_tenant()
    theirs = await other.create_user()
    assert_error(await reader.get(f"/v1/users/{theirs['id']}"), 404, "not_found")
    assert_error(await reader.get("/v1/users/usr_missing"), 404, "not_found")
    response = await reader.get("/v1/users/usr_x", headers={"Authorization": "Bearer sk_live_nope"})
    assert_error(response, 401, "invalid_api_key")
    assert response.headers["www-authenticate"].startswith("Bearer")
    writer = await tenant.client_with("users:write")
    error = assert_error(await writer.get(f"/v1/users/{theirs['id']}"), 403, "insufficient_scope")
    assert "users:read" in error["message"]


async def test_read_crash_is_a_clean_500(reader, monkeypatch) -> None:
    async def broken(*args, **kwargs):
        raise RuntimeError("SELECT secret")

    monkeypatch.setattr(users_repository.USERS, "get", broken)
    response = await reader.get("/v1/users/usr_anything")
    assert_error(response, 500, "internal_error")
    assert "SELECT" not in response.text


async def test_other_shapes_still_reach_the_framework(tenant: Tenant) -> None:
    user = await tenant.create_user()
    trailing = await tenant.client.get(f"/v1/users/{user['id']}/")  # the framework's route, same answer
    assert trailing.status_code == 200
    assert trailing.json() == user
    sessions = await tenant.client.get(f"/v1/users/{user['id']}/sessions")  # a deeper path: the framework's
    assert sessions.status_code == 200 and sessions.json()["data"] == []
    assert_error(await tenant.client.get(f"/v1/users/{user['id']}/nothing"), 404, "not_found")
    assert_error(await tenant.client.post(f"/v1/users/{user['id']}", json={}), 405, "method_not_allowed")
    assert (await tenant.client.get("/v1/users", params={"limit": 1})).status_code == 200
