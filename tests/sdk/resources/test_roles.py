"""``client.roles`` against the real server, with Client and AsyncClient alike: custom roles made,
read, listed with the built-ins, changed and deleted; a user's role is any role of the organization;
a signed-in user's token follows the role's scopes; the refusals and their codes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from redcore import Role, User
from redcore.exceptions import DuplicateError, NotFoundError, PermissionDeniedError, ValidationError
from tests.sdk.helpers import collect, done, unique

PASSWORD = "a role player's password"


def role_key() -> str:
    return f"r{uuid.uuid4().hex[:12]}"


async def test_a_role_is_made_read_listed_changed_and_deleted(api: Any) -> None:
    key = role_key()
    raw = await done(api.roles.with_raw_response.create(key=key, name="Member", scopes=["products:read", "users:read"]))
    assert raw.status_code == 201 and raw.headers["location"] == f"/v1/roles/{key}"
    made = raw.parse()
    assert isinstance(made, Role)
    assert (made.key, made.name, made.scopes, made.built_in) == (key, "Member", ["users:read", "products:read"], False)
    assert (await done(api.roles.get(key))).to_dict() == made.to_dict()
    keys = [r.key for r in await collect(api.roles.iter(page_size=2))]
    assert key in keys and {"admin", "editor", "viewer"} <= set(keys)
    page = await done(api.roles.list(sort="key", order="asc", limit=100))
    assert [r.key for r in page.data] == sorted(r.key for r in page.data)
    changed = await done(api.roles.update(key, name="Members", scopes=["users:read"]))
    assert (changed.name, changed.scopes) == ("Members", ["users:read"])
    await done(api.roles.delete(key))
    with pytest.raises(NotFoundError):
        await done(api.roles.get(key))


async def test_built_ins_are_read_but_never_changed(api: Any) -> None:
    admin = await done(api.roles.get("admin"))
    assert admin.built_in is True and "org:manage" in admin.scopes
    with pytest.raises(DuplicateError) as caught:
        await done(api.roles.update("viewer", name="Watcher"))
    assert caught.value.code == "built_in_role"
    with pytest.raises(DuplicateError) as caught:
        await done(api.roles.delete("editor"))
    assert caught.value.code == "built_in_role"
    with pytest.raises(DuplicateError) as caught:
        await done(api.roles.create(key="admin", name="Admin", scopes=["users:read"]))
    assert caught.value.code == "duplicate_role"
    with pytest.raises(ValidationError):
        await done(api.roles.create(key="Not A Key", name="x", scopes=["users:read"]))


async def test_a_users_role_is_any_role_and_a_role_in_use_stays(api: Any) -> None:
    key = role_key()
    email = f"{unique('moderator-')}@example.com"
    with pytest.raises(ValidationError) as caught:
        await done(api.users.create(email=email, name="Moderator", role=key))
    assert caught.value.details[0]["field"] == "role"
    await done(api.roles.create(key=key, name="Moderator", scopes=["users:read"]))
    user: User = await done(api.users.create(email=email, name="Moderator", role=key, password=PASSWORD))
    assert user.role == key
    assert [u.id for u in await collect(api.users.iter(role=key))] == [user.id]
    with pytest.raises(DuplicateError) as caught:
        await done(api.roles.delete(key))
    assert caught.value.code == "role_in_use"
    await done(api.users.update(user.id, role="viewer"))
    await done(api.roles.delete(key))


async def test_a_users_token_follows_the_roles_scopes(api: Any, make_client: Any) -> None:
    key = role_key()
    await done(api.roles.create(key=key, name="Catalog", scopes=["products:read"]))
    email = f"{unique('catalog-')}@example.com"
    user: User = await done(api.users.create(email=email, name="Catalog", role=key, password=PASSWORD))
    organization = (await done(api.organization.get())).id
    tokens = await done(
        make_client(api_key=None).auth.sign_in(organization=organization, email=email, password=PASSWORD)
    )
    as_user = make_client(api_key=tokens.access_token)
    await done(as_user.products.list(limit=1))
    with pytest.raises(PermissionDeniedError) as caught:
        await done(as_user.users.list(limit=1))
    assert caught.value.code == "insufficient_scope"
    await done(api.roles.update(key, scopes=["products:read", "users:read"]))
    await done(as_user.users.list(limit=1))  # the same token, at its next request
    await done(api.users.delete(user.id))
    await done(api.roles.delete(key))


async def test_a_key_without_org_manage_cannot_make_roles(make_client: Any, readonly_key: str) -> None:
    reader = make_client(api_key=readonly_key)
    assert {"admin", "editor", "viewer"} <= {r.key for r in (await done(reader.roles.list(limit=100))).data}
    with pytest.raises(PermissionDeniedError) as caught:
        await done(reader.roles.create(key=role_key(), name="x", scopes=["users:read"]))
    assert caught.value.code == "insufficient_scope"
