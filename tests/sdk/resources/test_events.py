"""``client.events``: the events that user and product changes made through the SDK record, found
again with every method and filter, with Client and AsyncClient alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from redcore import Client, Event
from redcore._base import Call
from redcore.exceptions import NotFoundError, PermissionDeniedError, ValidationError
from tests.sdk.helpers import collect, done, unique


async def test_user_changes_are_events(api: Any) -> None:
    start = datetime.now(UTC)
    raw = await done(api.users.with_raw_response.create(email=f"{unique()}@example.com", name="Eve Events"))
    user = raw.parse()
    await done(api.users.update(user.id, name="Eve Renamed"))
    mine = [e for e in (await done(api.events.list(created_after=start, limit=100))) if e.data["id"] == user.id]
    assert [e.type for e in mine] == ["user.updated", "user.created"]  # newest first
    created, updated = reversed(mine)
    assert isinstance(created, Event)
    assert created.id.startswith("evt_")
    assert created.data["email"] == user.email
    assert created.data["name"] == "Eve Events"
    assert "password" not in created.data
    assert created.request_id == raw.request_id  # the X-Request-Id of the change's own request
    assert created.credential_id is not None
    assert created.credential_id.startswith("key_")
    assert updated.data["name"] == "Eve Renamed"
    assert start <= created.created_at <= updated.created_at

    # A deletion is an event too; its data (and the user's other events') is erased once delivered.
    await done(api.users.delete(user.id))
    mine = [e for e in (await done(api.events.list(created_after=start, limit=100))) if e.data["id"] == user.id]
    assert [e.type for e in mine] == ["user.deleted", "user.updated", "user.created"]
    assert mine[0].created_at >= updated.created_at

    only_created = await done(api.events.list(type="user.created", created_after=start))
    assert {e.type for e in only_created} == {"user.created"}
    assert created.id in {e.id for e in only_created}


async def test_product_changes_are_events(api: Any) -> None:
    start = datetime.now(UTC)
    product = await done(api.products.create(name="Evented Widget", sku=unique("EVT-"), price=100))
    await done(api.products.update(product.id, price=200))
    await done(api.products.delete(product.id))

    walked = await collect(api.events.iter(created_after=start, order="asc", page_size=1))
    mine = [e for e in walked if e.data["id"] == product.id]
    assert [(e.type, e.data["price"]) for e in mine] == [
        ("product.created", 100),
        ("product.updated", 200),
        ("product.deleted", 200),
    ]
    assert len({e.id for e in walked}) == len(walked)  # the cursor walk repeats nothing

    pages = await collect(api.events.list_all(type="product.updated", created_after=start, page_size=1))
    assert mine[1].id in {e.id for page in pages for e in page}
    assert all(len(page) <= 1 for page in pages)


async def test_get_one_event(api: Any) -> None:
    start = datetime.now(UTC)
    user = await done(api.users.create(email=f"{unique()}@example.com", name="Gina Get"))
    walked = await collect(api.events.iter(type="user.created", created_after=start, page_size=5))
    [listed] = [e for e in walked if e.data["id"] == user.id]
    assert await done(api.events.get(listed.id)) == listed
    raw = await done(api.events.with_raw_response.get(listed.id))
    assert raw.status_code == 200
    assert raw.request_id
    assert raw.parse() == listed
    page = (await done(api.events.with_raw_response.list(limit=1))).parse()
    assert len(page) == 1
    with pytest.raises(NotFoundError):
        await done(api.events.get("evt_00000000000000000000000000"))


async def test_time_filters_take_aware_datetimes_and_strings(api: Any) -> None:
    before = datetime.now(UTC)
    user = await done(api.users.create(email=f"{unique()}@example.com", name="Tim Time"))
    after = datetime.now(UTC)
    [event] = [e for e in await done(api.events.list(created_after=before)) if e.data["id"] == user.id]

    def ids(page: Any) -> set[str]:
        return {e.id for e in page}

    assert event.id in ids(await done(api.events.list(created_after=before, created_before=after)))
    assert event.id in ids(await done(api.events.list(created_after=event.created_at)))  # inclusive
    assert event.id not in ids(await done(api.events.list(created_before=event.created_at)))  # exclusive
    assert event.id not in ids(await done(api.events.list(created_before=before)))
    assert event.id not in ids(await done(api.events.list(created_after=after)))

    tokyo = timezone(timedelta(hours=9))  # the same instants, written in another offset
    assert event.id in ids(
        await done(api.events.list(created_after=before.astimezone(tokyo), created_before=after.astimezone(tokyo)))
    )
    naive_utc = before.replace(tzinfo=None)  # taken as UTC, as the server takes it
    assert event.id in ids(await done(api.events.list(created_after=naive_utc)))
    as_text = before.astimezone(tokyo).isoformat()  # "...+09:00": a string is sent as is
    assert event.id in ids(await done(api.events.list(created_after=as_text)))
    assert event.id not in ids(await done(api.events.list(created_after=after.isoformat())))

    with pytest.raises(ValidationError):
        await done(api.events.list(created_after="not a time"))


async def test_events_need_the_events_read_scope(make_client: Any, readonly_key: str) -> None:
    client = make_client(api_key=readonly_key)
    with pytest.raises(PermissionDeniedError) as denied:
        await done(client.events.list())
    assert "events:read" in denied.value.message


def test_datetimes_are_sent_as_rfc_3339_utc() -> None:
    client = Client(api_key="sk_test", base_url="http://127.0.0.1:9/v1")
    params = {
        "aware": datetime(2026, 4, 1, 16, 22, 0, 500, tzinfo=timezone(timedelta(hours=2))),
        "naive": datetime(2026, 4, 1, 14, 22),
        "text": "2026-04-01T14:22:00+02:00",
        "flag": True,
        "absent": None,
    }
    request = client._build_request(Call("GET", "/events", Event, params=params), None)
    assert dict(request.url.params) == {
        "aware": "2026-04-01T14:22:00.000500Z",
        "naive": "2026-04-01T14:22:00Z",
        "text": "2026-04-01T14:22:00+02:00",
        "flag": "true",
    }
    assert "%2B02%3A00" in str(request.url)  # "+" survives as itself, not as a space
    client.close()


def test_events_are_read_only() -> None:
    with Client(api_key="sk_test", base_url="http://127.0.0.1:9/v1") as client:
        for name in ("create", "update", "delete"):
            assert not hasattr(client.events, name)
            assert not hasattr(client.events.with_raw_response, name)
