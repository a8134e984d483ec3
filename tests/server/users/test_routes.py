"""The Users API through HTTP: every route's success and error paths."""

from __future__ import annotations

import pytest

from tests.support import Tenant
from tests.support.responses import RFC3339_Z, assert_error

USER_FIELDS = {
    "id",
    "email",
    "email_verified",
    "name",
    "role",
    "status",
    "avatar",
    "last_login",
    "created_at",
    "updated_at",
    "external_id",
    "public_metadata",
    "private_metadata",
}


async def test_create_returns_201_location_and_the_contract_fields(tenant: Tenant) -> None:
    response = await tenant.client.post(
        "/v1/users", json={"email": "bob@example.com", "name": "Bob Smith", "role": "editor"}
    )
    assert response.status_code == 201
    user = response.json()
    assert set(user) == USER_FIELDS
    assert user["id"].startswith("usr_")
    assert response.headers["location"] == f"/v1/users/{user['id']}"
    assert (user["email"], user["name"], user["role"]) == ("bob@example.com", "Bob Smith", "editor")
    assert user["status"] == "pending_invite"  # no password: invited
    assert user["avatar"] is None and user["last_login"] is None
    assert RFC3339_Z.match(user["created_at"]) and user["created_at"] == user["updated_at"]

    fetched = await tenant.client.get(response.headers["location"])
    assert fetched.status_code == 200
    assert fetched.json() == user


async def test_role_defaults_to_viewer_and_password_makes_the_user_active(tenant: Tenant) -> None:
    user = await tenant.create_user(password="correct horse battery", avatar="https://cdn.example.com/a.png")
    assert user["role"] == "viewer"
    assert user["status"] == "active"
    assert user["avatar"] == "https://cdn.example.com/a.png"


async def test_password_never_appears_in_any_response(tenant: Tenant) -> None:
    secret = "s3cret-Pa55word-xyz"
    created = await tenant.client.post("/v1/users", json={"email": "p@example.com", "name": "P", "password": secret})
    user_id = created.json()["id"]
    responses = [
        created,
        await tenant.client.get(f"/v1/users/{user_id}"),
        await tenant.client.get("/v1/users"),
        await tenant.client.patch(f"/v1/users/{user_id}", json={"password": secret + "2"}),
        await tenant.client.post("/v1/users", json={"email": "p@example.com", "name": "P", "password": secret}),
        await tenant.client.post("/v1/users", json={"email": "q@example.com", "name": "Q", "password": "short"}),
    ]
    for response in responses:
        assert secret not in response.text
        assert "password" not in response.json() if isinstance(response.json(), dict) else True
        assert "argon2" not in response.text


async def test_duplicate_email_is_409_case_insensitively(tenant: Tenant) -> None:
    await tenant.create_user(email="Alice@Example.com")
    response = await tenant.client.post("/v1/users", json={"email": "alice@example.COM", "name": "Other"})
    assert_error(response, 409, "duplicate_email")


async def test_same_email_is_fine_in_two_organizations(tenant: Tenant, make_tenant) -> None:
    other = await make_tenant()
    await tenant.create_user(email="shared@example.com")
    await other.create_user(email="shared@example.com")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "No Email"}, "email"),
        ({"email": "x@example.com"}, "name"),
        ({"email": "not-an-email", "name": "X"}, "email"),
        ({"email": "x@example.com", "name": "   "}, "name"),
        ({"email": "x@example.com", "name": "X", "role": "owner"}, "role"),
        ({"email": "x@example.com", "name": "X", "password": "short"}, "password"),
        ({"email": "x@example.com", "name": "X", "password": "x" * 129}, "password"),
        ({"email": "x@example.com", "name": "X", "avatar": "javascript:alert(1)"}, "avatar"),
        ({"email": "x@example.com", "name": "X", "id": "usr_mine"}, "id"),
        ({"email": "x@example.com", "name": "X", "created_at": "2020-01-01T00:00:00Z"}, "created_at"),
        ({"email": "x@example.com", "name": "X", "status": "active"}, "status"),
        ({"email": 42, "name": "X"}, "email"),
        ({"email": "x@example.com", "name": ["X"]}, "name"),
    ],
)
async def test_invalid_create_bodies_are_400_with_details(tenant: Tenant, body: dict, field: str) -> None:
    response = await tenant.client.post("/v1/users", json=body)
    error = assert_error(response, 400, "validation_error")
    assert any(d["field"] == field and d["issue"] for d in error["details"]), error
    assert error["message"].startswith(field)
    listed = await tenant.client.get("/v1/users")
    assert listed.json()["meta"]["total"] == 0  # nothing half-written


async def test_body_that_is_not_an_object_is_a_validation_error(tenant: Tenant) -> None:
    response = await tenant.client.post("/v1/users", json=[{"email": "x@example.com", "name": "X"}])
    assert_error(response, 400, "validation_error")


async def test_get_unknown_and_malformed_ids_are_404(tenant: Tenant) -> None:
    for user_id in ("usr_doesnotexist", "42", "prod_123"):
        assert_error(await tenant.client.get(f"/v1/users/{user_id}"), 404, "not_found")


async def test_patch_changes_only_given_fields(tenant: Tenant) -> None:
    user = await tenant.create_user(name="Before", role="viewer", avatar="https://x.example/a.png")
    response = await tenant.client.patch(f"/v1/users/{user['id']}", json={"role": "admin"})
    assert response.status_code == 200
    updated = response.json()
    assert updated["role"] == "admin"
    assert updated["name"] == "Before" and updated["email"] == user["email"]
    assert updated["avatar"] == "https://x.example/a.png"
    assert updated["updated_at"] > user["updated_at"]
    assert updated["created_at"] == user["created_at"]
    assert (await tenant.client.get(f"/v1/users/{user['id']}")).json() == updated


async def test_patch_every_field_and_clear_avatar(tenant: Tenant) -> None:
    user = await tenant.create_user(avatar="https://x.example/a.png")
    body = {
        "name": "New Name",
        "email": "new@example.com",
        "role": "editor",
        "status": "suspended",
        "avatar": None,
        "password": "a new password",
    }
    updated = (await tenant.client.patch(f"/v1/users/{user['id']}", json=body)).json()
    assert {k: updated[k] for k in ("name", "email", "role", "status", "avatar")} == {
        k: v for k, v in body.items() if k != "password"
    }


async def test_put_has_the_same_partial_semantics(tenant: Tenant) -> None:
    user = await tenant.create_user(name="Keep Me")
    response = await tenant.client.put(f"/v1/users/{user['id']}", json={"role": "editor"})
    assert response.status_code == 200
    assert response.json()["role"] == "editor"
    assert response.json()["name"] == "Keep Me"


async def test_empty_patch_returns_the_user_unchanged(tenant: Tenant) -> None:
    user = await tenant.create_user()
    response = await tenant.client.patch(f"/v1/users/{user['id']}", json={})
    assert response.status_code == 200
    assert response.json() == user


@pytest.mark.parametrize(
    "body",
    [
        {"id": "usr_x"},
        {"name": None},
        {"status": "pending_invite"},
        {"role": "root"},
        {"email": "nope"},
        {"password": "short"},
        {"updated_at": "2020-01-01T00:00:00Z"},
    ],
)
async def test_invalid_patches_are_400_and_change_nothing(tenant: Tenant, body: dict) -> None:
    user = await tenant.create_user()
    assert_error(await tenant.client.patch(f"/v1/users/{user['id']}", json=body), 400, "validation_error")
    assert (await tenant.client.get(f"/v1/users/{user['id']}")).json() == user


async def test_patch_to_a_taken_email_is_409(tenant: Tenant) -> None:
    await tenant.create_user(email="taken@example.com")
    user = await tenant.create_user()
    response = await tenant.client.patch(f"/v1/users/{user['id']}", json={"email": "TAKEN@example.com"})
    assert_error(response, 409, "duplicate_email")
    assert (await tenant.client.get(f"/v1/users/{user['id']}")).json()["email"] == user["email"]


async def test_patch_unknown_user_is_404(tenant: Tenant) -> None:
    assert_error(await tenant.client.patch("/v1/users/usr_missing", json={"name": "X"}), 404, "not_found")


async def test_delete_is_204_without_body_then_404(tenant: Tenant) -> None:
    user = await tenant.create_user()
    response = await tenant.client.delete(f"/v1/users/{user['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert "x-request-id" in response.headers
    assert_error(await tenant.client.get(f"/v1/users/{user['id']}"), 404, "not_found")
    assert_error(await tenant.client.delete(f"/v1/users/{user['id']}"), 404, "not_found")


async def test_email_is_freed_by_delete(tenant: Tenant) -> None:
    user = await tenant.create_user(email="reuse@example.com")
    await tenant.client.delete(f"/v1/users/{user['id']}")
    await tenant.create_user(email="reuse@example.com")


async def test_etag_and_if_match_give_optimistic_concurrency(tenant: Tenant) -> None:
    created = await tenant.client.post("/v1/users", json={"email": "e@example.com", "name": "E"})
    user = created.json()
    etag = created.headers["etag"]
    fetched = await tenant.client.get(f"/v1/users/{user['id']}")
    assert fetched.headers["etag"] == etag

    first = await tenant.client.patch(f"/v1/users/{user['id']}", json={"name": "First"}, headers={"If-Match": etag})
    assert first.status_code == 200
    assert first.headers["etag"] != etag
    stale = await tenant.client.patch(f"/v1/users/{user['id']}", json={"name": "Second"}, headers={"If-Match": etag})
    assert_error(stale, 412, "precondition_failed")
    assert (await tenant.client.get(f"/v1/users/{user['id']}")).json()["name"] == "First"
    assert_error(
        await tenant.client.delete(f"/v1/users/{user['id']}", headers={"If-Match": etag}), 412, "precondition_failed"
    )
    anything = await tenant.client.put(f"/v1/users/{user['id']}", json={"role": "admin"}, headers={"If-Match": "*"})
    assert anything.status_code == 200
    current = anything.headers["etag"]
    deleted = await tenant.client.delete(f"/v1/users/{user['id']}", headers={"If-Match": f'"zzz", W/{current}'})
    assert deleted.status_code == 204
    assert_error(
        await tenant.client.patch(f"/v1/users/{user['id']}", json={}, headers={"If-Match": current}), 404, "not_found"
    )
