"""``client.users``: every method against the real server, with Client and AsyncClient alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from redcore import User
from redcore.exceptions import DuplicateError, NotFoundError, PreconditionFailedError, ValidationError
from tests.sdk.helpers import collect, done, unique


async def test_create_get_update_delete(api: Any) -> None:
    email = f"{unique()}@example.com"
    created = await done(api.users.create(email=email, name="Ada Lovelace", role="editor"))
    assert isinstance(created, User)
    assert created.id.startswith("usr_")
    assert (created.email, created.name, created.role, created.status) == (
        email,
        "Ada Lovelace",
        "editor",
        "pending_invite",
    )
    assert isinstance(created.created_at, datetime)
    assert created.created_at.tzinfo is not None
    assert created.avatar is None
    assert created.last_login is None

    fetched = await done(api.users.get(created.id))
    assert fetched == created
    assert fetched["email"] == fetched.email == email

    updated = await done(api.users.update(created.id, role="admin", name="Ada King"))
    assert (updated.role, updated.name, updated.email) == ("admin", "Ada King", email)  # others unchanged
    assert updated.updated_at >= created.updated_at

    assert await done(api.users.delete(created.id)) is None
    with pytest.raises(NotFoundError):
        await done(api.users.get(created.id))
    with pytest.raises(NotFoundError):
        await done(api.users.delete(created.id))
    with pytest.raises(NotFoundError):
        await done(api.users.update(created.id, name="Nobody"))


async def test_create_with_password_and_avatar_then_clear_the_avatar(api: Any) -> None:
    user = await done(
        api.users.create(
            email=f"{unique()}@example.com",
            name="Grace Hopper",
            password="correct horse battery",
            avatar="https://example.com/grace.png",
        )
    )
    assert user.status == "active"  # a password makes the user active rather than invited
    assert user.role == "viewer"  # the default
    assert user.avatar == "https://example.com/grace.png"
    assert "password" not in user.to_dict()

    cleared = await done(api.users.update(user.id, avatar=None, status="suspended"))
    assert cleared.avatar is None
    assert cleared.status == "suspended"


async def test_list_filters_sort_and_positions(api: Any) -> None:
    tag = unique("lst")
    for i, role in enumerate(["admin", "editor", "editor", "viewer"]):
        await done(api.users.create(email=f"{tag}-{i}@example.com", name=f"{tag} {3 - i}", role=role))

    page = await done(api.users.list(q=tag))
    assert page.meta.total == 4
    assert {u.email for u in page} == {f"{tag}-{i}@example.com" for i in range(4)}
    assert [u.created_at for u in page] == sorted((u.created_at for u in page), reverse=True)  # newest first

    editors = await done(api.users.list(q=tag, role="editor"))
    assert {u.email for u in editors} == {f"{tag}-1@example.com", f"{tag}-2@example.com"}
    assert (await done(api.users.list(search=tag.upper(), status="pending_invite"))).meta.total == 4
    assert (await done(api.users.list(q=tag, status="active"))).meta.total == 0

    by_name = await done(api.users.list(q=tag, sort="name", order="asc"))
    assert [u.name for u in by_name] == sorted(u.name for u in by_name)

    second = await done(api.users.list(q=tag, limit=2, page=2, sort="email", order="asc"))
    assert [u.email for u in second] == [f"{tag}-2@example.com", f"{tag}-3@example.com"]
    assert (second.meta.page, second.meta.pages, second.meta.offset) == (2, 2, 2)
    skipped = await done(api.users.list(q=tag, limit=3, offset=3, sort="email", order="asc"))
    assert [u.email for u in skipped] == [f"{tag}-3@example.com"]
    assert skipped.meta.has_more is False


async def test_list_all_and_iter_take_filters(api: Any) -> None:
    tag = unique("flt")
    for i in range(3):
        await done(api.users.create(email=f"{tag}-{i}@example.com", name="Filter Me", role="editor"))
    await done(api.users.create(email=f"{tag}-x@example.com", name="Filter Me", role="viewer"))

    pages = await collect(api.users.list_all(q=tag, role="editor", page_size=2))
    assert [len(p) for p in pages] == [2, 1]
    users = await collect(api.users.iter(q=tag, sort="email", order="desc"))
    assert [u.email for u in users] == sorted((u.email for u in users), reverse=True)
    assert len(users) == 4


async def test_update_with_if_match(api: Any) -> None:
    user = await done(api.users.create(email=f"{unique()}@example.com", name="Versioned"))
    etag = (await done(api.users.with_raw_response.get(user.id))).etag
    assert etag

    changed = await done(api.users.update(user.id, name="First writer", if_match=etag))
    assert changed.name == "First writer"
    with pytest.raises(PreconditionFailedError) as caught:  # the ETag is stale now
        await done(api.users.update(user.id, name="Second writer", if_match=etag))
    assert caught.value.status == 412
    assert caught.value.code == "precondition_failed"
    with pytest.raises(PreconditionFailedError):
        await done(api.users.delete(user.id, if_match=etag))
    assert (await done(api.users.get(user.id))).name == "First writer"

    fresh = (await done(api.users.with_raw_response.get(user.id))).etag
    await done(api.users.delete(user.id, if_match=fresh))


async def test_create_errors(api: Any) -> None:
    email = f"{unique()}@example.com"
    await done(api.users.create(email=email, name="Once"))
    with pytest.raises(DuplicateError) as dup:
        await done(api.users.create(email=email.upper(), name="Twice"))  # unique case-insensitively
    assert dup.value.code == "duplicate_email"
    assert dup.value.status == 409

    with pytest.raises(ValidationError) as invalid:
        await done(api.users.create(email=f"{unique()}@example.com", name="Bad role", role="owner"))
    assert invalid.value.status == 400
    assert invalid.value.code == "validation_error"
    assert invalid.value.details[0]["field"] == "role"

    with pytest.raises(ValidationError) as short:
        await done(api.users.create(email=f"{unique()}@example.com", name="Short", password="short"))
    assert short.value.details[0]["field"] == "password"


async def test_ids_are_path_segments(api: Any) -> None:
    with pytest.raises(ValueError, match="resource id"):
        await done(api.users.get(""))  # never a request to the list
    with pytest.raises(NotFoundError):
        await done(api.users.get("usr_x/../../users"))  # quoted: one segment, not a path
    with pytest.raises(NotFoundError):
        await done(api.users.get("prod_0123"))  # another type's id
