"""Users' ``external_id``, ``public_metadata`` and ``private_metadata`` through HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from tests.support import Tenant
from tests.support.responses import assert_error
from tests.support.sessions import as_user, member, tokens


def nested(levels: int) -> dict[str, Any]:
    """An object ``levels`` deep: ``nested(1)`` is ``{"k": 1}``."""
    value: Any = 1
    for _ in range(levels):
        value = {"k": value}
    return value  # type: ignore[no-any-return]


def fields_of(error: dict[str, Any]) -> set[str]:
    return {detail["field"] for detail in error.get("details", [])}


async def test_create_stores_the_objects_as_given_without_their_nulls(tenant: Tenant) -> None:
    user = await tenant.create_user(
        external_id="crm-1",
        public_metadata={"plan": "pro", "tags": ["a", {"b": None}], "gone": None},
        private_metadata={"score": 7.5},
    )
    assert user["external_id"] == "crm-1"
    assert user["public_metadata"] == {"plan": "pro", "tags": ["a", {"b": None}]}
    assert user["private_metadata"] == {"score": 7.5}
    fetched = (await tenant.client.get(f"/v1/users/{user['id']}")).json()
    assert fetched == user
    plain = await tenant.create_user()
    assert (plain["external_id"], plain["public_metadata"], plain["private_metadata"]) == (None, {}, {})


async def test_patch_and_put_merge_the_top_level_keys(tenant: Tenant) -> None:
    user = await tenant.create_user(public_metadata={"a": 1, "b": {"x": 1}, "c": 3}, private_metadata={"p": 1})
    url = f"/v1/users/{user['id']}"
    patched = await tenant.client.patch(url, json={"public_metadata": {"a": 10, "b": {"y": 2}, "c": None, "d": 4}})
    assert patched.status_code == 200, patched.text
    # set, replaced (not deep-merged), removed by null, added; untouched objects stay
    assert patched.json()["public_metadata"] == {"a": 10, "b": {"y": 2}, "d": 4}
    assert patched.json()["private_metadata"] == {"p": 1}
    put = await tenant.client.put(url, json={"private_metadata": {"q": [1, 2]}, "name": "Renamed"})
    assert put.status_code == 200, put.text
    assert put.json()["private_metadata"] == {"p": 1, "q": [1, 2]}
    assert put.json()["public_metadata"] == {"a": 10, "b": {"y": 2}, "d": 4}
    assert (await tenant.client.patch(url, json={"public_metadata": {"nothing": None}})).json()["public_metadata"] == {
        "a": 10,
        "b": {"y": 2},
        "d": 4,
    }
    assert (await tenant.client.get(url)).json()["private_metadata"] == {"p": 1, "q": [1, 2]}


async def test_concurrent_patches_of_different_keys_all_survive(tenant: Tenant) -> None:
    user = await tenant.create_user(private_metadata={"base": True})
    url = f"/v1/users/{user['id']}"
    responses = await asyncio.gather(
        *(tenant.client.patch(url, json={"private_metadata": {f"k{i}": i}}) for i in range(12))
    )
    assert [r.status_code for r in responses] == [200] * 12
    stored = (await tenant.client.get(url)).json()["private_metadata"]
    assert stored == {"base": True} | {f"k{i}": i for i in range(12)}


async def test_limits_name_the_field(tenant: Tenant) -> None:
    big = {"blob": "x" * 8200}
    refused = await tenant.client.post(
        "/v1/users", json={"email": "big@example.com", "name": "B", "public_metadata": big}
    )
    assert "public_metadata" in fields_of(assert_error(refused, 400, "validation_error"))
    deep = await tenant.client.post(
        "/v1/users", json={"email": "deep@example.com", "name": "D", "private_metadata": nested(6)}
    )
    assert "private_metadata" in fields_of(assert_error(deep, 400, "validation_error"))
    assert (await tenant.create_user(private_metadata=nested(5)))["private_metadata"] == nested(5)
    deep_list = {"k": [[[[1]]]]}  # arrays count as levels too: 5 deep
    assert (await tenant.create_user(public_metadata=deep_list))["public_metadata"] == deep_list
    too_deep_list = await tenant.client.post(
        "/v1/users", json={"email": "dl@example.com", "name": "L", "public_metadata": {"k": [[[[[1]]]]]}}
    )
    assert "public_metadata" in fields_of(assert_error(too_deep_list, 400, "validation_error"))
    for not_an_object in ([1, 2], "text", 3, None):
        response = await tenant.client.post(
            "/v1/users", json={"email": "n@example.com", "name": "N", "public_metadata": not_an_object}
        )
        assert_error(response, 400, "validation_error")
    for bad_key in ("", "k" * 101, "line\nbreak"):
        response = await tenant.client.post(
            "/v1/users", json={"email": "n@example.com", "name": "N", "public_metadata": {bad_key: 1}}
        )
        assert_error(response, 400, "validation_error")
    nul = await tenant.client.post(
        "/v1/users", json={"email": "n@example.com", "name": "N", "private_metadata": {"k": "a\u0000b"}}
    )
    assert_error(nul, 400, "validation_error")


async def test_the_limits_apply_to_the_merged_result(tenant: Tenant) -> None:
    user = await tenant.create_user(public_metadata={"a": "x" * 5000})
    url = f"/v1/users/{user['id']}"
    over = await tenant.client.patch(url, json={"public_metadata": {"b": "y" * 4000}})
    assert "public_metadata" in fields_of(assert_error(over, 400, "validation_error"))
    assert (await tenant.client.get(url)).json()["public_metadata"] == {"a": "x" * 5000}  # nothing changed
    swapped = await tenant.client.patch(url, json={"public_metadata": {"a": None, "b": "y" * 4000}})
    assert swapped.status_code == 200 and swapped.json()["public_metadata"] == {"b": "y" * 4000}
    assert_error(await tenant.client.patch(url, json={"public_metadata": None}), 400, "validation_error")
    assert_error(await tenant.client.patch(url, json={"public_metadata": []}), 400, "validation_error")
    assert_error(
        await tenant.client.patch("/v1/users/usr_missing", json={"public_metadata": {"a": 1}}), 404, "not_found"
    )


async def test_external_id_is_unique_per_organization_filterable_and_cleared_by_null(
    tenant: Tenant, make_tenant: Callable[[], Awaitable[Tenant]]
) -> None:
    first = await tenant.create_user(external_id="crm-42")
    taken = await tenant.client.post("/v1/users", json={"email": "x@example.com", "name": "X", "external_id": "crm-42"})
    assert_error(taken, 409, "duplicate_external_id")
    other = await tenant.create_user(external_id="CRM-42")  # compared exactly
    moved = await tenant.client.patch(f"/v1/users/{other['id']}", json={"external_id": "crm-42"})
    assert_error(moved, 409, "duplicate_external_id")
    elsewhere = await make_tenant()
    assert (await elsewhere.create_user(external_id="crm-42"))["external_id"] == "crm-42"

    listed = (await tenant.client.get("/v1/users", params={"external_id": "crm-42"})).json()
    assert [u["id"] for u in listed["data"]] == [first["id"]] and listed["meta"]["total"] == 1
    assert (await tenant.client.get("/v1/users", params={"external_id": "nope"})).json()["data"] == []

    cleared = await tenant.client.patch(f"/v1/users/{first['id']}", json={"external_id": None})
    assert cleared.status_code == 200 and cleared.json()["external_id"] is None
    assert (await tenant.client.get("/v1/users", params={"external_id": "crm-42"})).json()["data"] == []
    reused = await tenant.client.patch(f"/v1/users/{other['id']}", json={"external_id": "crm-42"})
    assert reused.status_code == 200, reused.text
    await tenant.create_user()  # many users without an external_id
    for bad in ("", "x" * 256, "two\nlines"):
        response = await tenant.client.post(
            "/v1/users", json={"email": "b@example.com", "name": "B", "external_id": bad}
        )
        assert_error(response, 400, "validation_error")


async def test_concurrent_creates_with_one_external_id_make_one_user(tenant: Tenant) -> None:
    responses = await asyncio.gather(
        *(
            tenant.client.post("/v1/users", json={"email": f"c{i}@example.com", "name": "C", "external_id": "same"})
            for i in range(10)
        )
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 9


async def test_the_etag_follows_metadata_changes_and_if_match_guards_them(tenant: Tenant) -> None:
    created = await tenant.client.post(
        "/v1/users", json={"email": "etag@example.com", "name": "E", "public_metadata": {"a": 1}}
    )
    url, etag = f"/v1/users/{created.json()['id']}", created.headers["etag"]
    changed = await tenant.client.patch(url, json={"public_metadata": {"a": 2}}, headers={"If-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    stale = await tenant.client.patch(url, json={"private_metadata": {"b": 1}}, headers={"If-Match": etag})
    assert_error(stale, 412, "precondition_failed")
    assert (await tenant.client.get(url)).json()["private_metadata"] == {}
    fresh = await tenant.client.patch(url, json={"external_id": "e-1"}, headers={"If-Match": changed.headers["etag"]})
    assert fresh.status_code == 200 and fresh.headers["etag"] != changed.headers["etag"]


async def test_the_user_sees_public_but_never_private_metadata(tenant: Tenant) -> None:
    user = await member(tenant, external_id="me-1", public_metadata={"theme": "dark"}, private_metadata={"risk": 9})
    pair = await tokens(tenant, user["email"])
    assert "private_metadata" not in pair["user"]
    assert pair["user"]["public_metadata"] == {"theme": "dark"}
    async with as_user(tenant.app, pair["access_token"]) as client:
        me = (await client.get("/v1/me")).json()["user"]
        assert me["public_metadata"] == {"theme": "dark"} and me["external_id"] == "me-1"
        assert "private_metadata" not in me
        renamed = (await client.patch("/v1/me", json={"name": "New Name"})).json()["user"]
        assert "private_metadata" not in renamed
        refused = await client.patch("/v1/me", json={"public_metadata": {"theme": "light"}})
        assert_error(refused, 400, "validation_error")  # not the user's to change
    assert (await tenant.client.get(f"/v1/users/{user['id']}")).json()["private_metadata"] == {"risk": 9}


async def test_user_events_carry_the_metadata(tenant: Tenant) -> None:
    user = await tenant.create_user(external_id="ev-1", private_metadata={"a": 1})
    await tenant.client.patch(
        f"/v1/users/{user['id']}", json={"private_metadata": {"b": 2}, "public_metadata": {"c": 3}}
    )
    events = (await tenant.client.get("/v1/events", params={"type": "user.updated"})).json()["data"]
    [event] = [e for e in events if e["data"]["id"] == user["id"]]
    assert event["data"]["private_metadata"] == {"a": 1, "b": 2}
    assert event["data"]["public_metadata"] == {"c": 3}
    assert event["data"]["external_id"] == "ev-1"
