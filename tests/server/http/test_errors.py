"""Errors from every layer share one shape and carry the request id; request ids everywhere."""

from __future__ import annotations

import pytest

from redcore_server.users import repository as users_repository
from tests.support import Tenant, http_client
from tests.support.responses import assert_error


async def test_every_response_has_a_request_id(tenant: Tenant) -> None:
    seen = set()
    async with http_client(tenant.app) as anonymous:
        for response in (
            await tenant.client.get("/v1/users"),
            await tenant.client.post("/v1/users", json={"email": "r@example.com", "name": "R"}),
            await anonymous.get("/health"),
            await anonymous.get("/openapi.json"),
            await anonymous.get("/v1/users"),
            await anonymous.get("/no/such/route"),
        ):
            rid = response.headers["x-request-id"]
            assert rid.startswith("req_")
            assert len(rid) == 28
            seen.add(rid)
    assert len(seen) == 6


async def test_unknown_route_is_404_in_contract_shape(tenant: Tenant) -> None:
    assert_error(await tenant.client.get("/v1/nothing-here"), 404, "not_found")
    assert_error(await tenant.client.get("/nothing"), 404, "not_found")


async def test_wrong_method_is_405(tenant: Tenant) -> None:
    assert_error(await tenant.client.post("/v1/users/usr_x", json={}), 405, "method_not_allowed")
    assert_error(await tenant.client.delete("/v1/users"), 405, "method_not_allowed")


@pytest.mark.parametrize(
    "body", [b"{not json", b'{"email": "a@b.co", "name": "x",}', b"\xff\xfe", b'{"email": "a@b.co"', b"   "]
)
async def test_malformed_json_is_400_invalid_json(tenant: Tenant, body: bytes) -> None:
    response = await tenant.client.post("/v1/users", content=body, headers={"content-type": "application/json"})
    assert_error(response, 400, "invalid_json")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", None]
)
async def test_non_json_content_type_on_writes_is_415(tenant: Tenant, content_type) -> None:
    headers = {"content-type": content_type} if content_type else {}
    body = b'{"email": "m@example.com", "name": "M"}'
    assert_error(await tenant.client.post("/v1/users", content=body, headers=headers), 415, "unsupported_media_type")
    user = await tenant.create_user()
    response = await tenant.client.patch(f"/v1/users/{user['id']}", content=b'{"name": "N"}', headers=headers)
    assert_error(response, 415, "unsupported_media_type")


async def test_json_content_type_with_charset_is_accepted(tenant: Tenant) -> None:
    response = await tenant.client.post(
        "/v1/users",
        content=b'{"email": "c@example.com", "name": "C"}',
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 201


async def test_oversized_body_is_413(tenant: Tenant) -> None:
    big = b'{"email": "big@example.com", "name": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    response = await tenant.client.post("/v1/users", content=big, headers={"content-type": "application/json"})
    assert_error(response, 413, "payload_too_large")
    assert (await tenant.client.get("/v1/users")).json()["meta"]["total"] == 0


async def test_crash_is_500_internal_error_without_internals(tenant: Tenant, monkeypatch, caplog) -> None:
    async def broken(*args, **kwargs):
        raise RuntimeError("SELECT password_hash FROM users -- secret internals")

    monkeypatch.setattr(users_repository.USERS, "get", broken)
    response = await tenant.client.get("/v1/users/usr_anything")
    error = assert_error(response, 500, "internal_error")
    assert "SELECT" not in response.text
    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text
    assert error["request_id"] in caplog.text  # the log ties the crash to the request id


async def test_failed_write_rolls_back_the_whole_transaction(tenant: Tenant, monkeypatch) -> None:
    """An error after the insert (inside the same request) leaves nothing behind."""
    from redcore_server.users import service

    original = users_repository.USERS.insert

    async def insert_then_fail(*args, **kwargs):
        await original(*args, **kwargs)
        raise RuntimeError("boom after insert")

    monkeypatch.setattr(users_repository.USERS, "insert", insert_then_fail)
    response = await tenant.client.post("/v1/users", json={"email": "ghost@example.com", "name": "Ghost"})
    assert_error(response, 500, "internal_error")
    monkeypatch.undo()
    assert service is not None
    assert (await tenant.client.get("/v1/users", params={"q": "ghost"})).json()["meta"]["total"] == 0
    await tenant.create_user(email="ghost@example.com")


async def test_health_needs_no_key(tenant: Tenant) -> None:
    async with http_client(tenant.app) as anonymous:
        response = await anonymous.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
