"""``client.api_keys`` against the real server, with Client and AsyncClient alike: a key made through
the SDK works at once within its scopes, its secret is shown once, nobody grants what they do not
hold, roll keeps the old secret for its grace period, and a revocation (through the API, or by the
operator's CLI in another process) ends the key.

Keys are made in the session's organization and revoked after each test; the last-manager-key rule is
tried in an organization of its own, whose only key the test revokes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from redcore import ApiKey, Client, NewApiKey
from redcore.exceptions import (
    AuthenticationError,
    DuplicateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from tests.sdk.helpers import collect, done, unique
from tests.sdk.server import ServerProcess

CLI_REVOCATION_DEADLINE = 1.1  # seconds after the CLI returns: credentials are cached at most a second


@pytest.fixture
def cleanup(server: ServerProcess) -> Iterator[Callable[[NewApiKey], NewApiKey]]:
    """Register a key to revoke after the test (with the admin key)."""
    made: list[str] = []

    def register(key: NewApiKey) -> NewApiKey:
        made.append(key.id)
        return key

    yield register
    with Client(api_key=server.api_key, base_url=server.base_url) as client:
        for ident in made:
            with contextlib.suppress(NotFoundError):
                client.api_keys.revoke(ident)


async def refused(client: Any) -> AuthenticationError:
    """The AuthenticationError a request with ``client``'s key gets."""
    with pytest.raises(AuthenticationError) as caught:
        await done(client.users.list(limit=1))
    return caught.value


# --- create, read, list ----------------------------------------------------------------------


async def test_create_shows_the_secret_once_and_the_key_works_at_once_within_its_scopes(
    api: Any, make_client: Callable[..., Any], cleanup: Any
) -> None:
    name = unique("reporting-")
    raw = await done(api.api_keys.with_raw_response.create(name=name, scopes=["users:read"], rate_limit=500))
    assert raw.status_code == 201
    created = cleanup(raw.parse())
    assert isinstance(created, NewApiKey)
    assert raw.headers["location"] == f"/v1/api_keys/{created.id}"
    assert raw.headers["cache-control"] == "no-store"
    assert created.id.startswith("key_")
    assert created.secret.startswith("sk_live_")
    assert created.secret.startswith(created.prefix)
    assert created.secret not in repr(created)
    assert (created.name, created.scopes, created.rate_limit) == (name, ["users:read"], 500)
    assert (created.expires_at, created.revoked_at, created.last_used_at) == (None, None, None)

    fetched = await done(api.api_keys.get(created.id))
    assert type(fetched) is ApiKey
    assert "secret" not in fetched
    assert fetched.to_dict() == {k: v for k, v in created.to_dict().items() if k != "secret"}
    raw_get = await done(api.api_keys.with_raw_response.get(created.id))
    assert "secret" not in raw_get.http_response.json()
    raw_list = await done(api.api_keys.with_raw_response.list(limit=100))
    assert all("secret" not in item for item in raw_list.http_response.json()["data"])
    listed = [k for k in await collect(api.api_keys.iter()) if k.id == created.id]
    assert [type(k) for k in listed] == [ApiKey]

    reporting = make_client(api_key=created.secret)
    page = await done(reporting.users.list(limit=1))  # at once, on the key's first request
    assert page.meta.total == (await done(api.users.list(limit=1))).meta.total
    for call in (lambda: reporting.products.list(), lambda: reporting.api_keys.list()):
        with pytest.raises(PermissionDeniedError) as caught:
            await done(call())
        assert caught.value.code == "insufficient_scope"
    assert (await done(api.api_keys.get(created.id))).last_used_at is not None


async def test_a_key_with_no_scopes_given_has_every_scope(api: Any, cleanup: Any) -> None:
    created = cleanup(await done(api.api_keys.create()))
    assert created.name is None
    assert {"users:read", "users:write", "keys:manage"} <= set(created.scopes)


async def test_unknown_scope_and_past_expiry_are_validation_errors(api: Any) -> None:
    with pytest.raises(ValidationError):
        await done(api.api_keys.create(scopes=["users:root"]))
    with pytest.raises(ValidationError):
        await done(api.api_keys.create(expires_at=datetime.now(UTC) - timedelta(hours=1)))


async def test_iter_and_list_all_walk_every_key(api: Any, cleanup: Any) -> None:
    tag = unique("walk-")
    made = [cleanup(await done(api.api_keys.create(name=f"{tag}-{i}", scopes=["users:read"]))) for i in range(3)]
    walked = [k.id for k in await collect(api.api_keys.iter(page_size=2))]
    assert len(walked) == len(set(walked))
    assert {k.id for k in made} <= set(walked)
    assert len(walked) == (await done(api.api_keys.list(limit=1))).meta.total

    pages = await collect(api.api_keys.list_all(order="asc", page_size=2))
    oldest_first = [k.id for page in pages for k in page]
    assert sorted(oldest_first) == sorted(walked)
    assert [i for i in oldest_first if i in {k.id for k in made}] == [k.id for k in made]


async def test_update_renames_and_clears_the_name(api: Any, cleanup: Any) -> None:
    key = cleanup(await done(api.api_keys.create(name="before", scopes=["users:read"])))
    renamed = await done(api.api_keys.update(key.id, name="after"))
    assert isinstance(renamed, ApiKey)
    assert (renamed.id, renamed.name, renamed.scopes) == (key.id, "after", ["users:read"])
    assert (await done(api.api_keys.get(key.id))).name == "after"
    assert (await done(api.api_keys.update(key.id, name=None))).name is None
    with pytest.raises(NotFoundError):
        await done(api.api_keys.update("key_doesnotexist", name="x"))


# --- privileges ------------------------------------------------------------------------------


async def test_a_key_cannot_grant_scopes_it_does_not_hold(
    api: Any, make_client: Callable[..., Any], cleanup: Any
) -> None:
    manager = cleanup(await done(api.api_keys.create(scopes=["users:read", "keys:manage"])))
    limited = make_client(api_key=manager.secret)
    for scopes in (["users:write"], ["users:read", "users:write"], None):  # None: every scope
        with pytest.raises(PermissionDeniedError) as caught:
            await done(limited.api_keys.create(scopes=scopes))
        assert caught.value.code == "insufficient_privilege"
    within = cleanup(await done(limited.api_keys.create(scopes=["users:read"])))
    assert within.scopes == ["users:read"]

    wider = cleanup(await done(api.api_keys.create(scopes=["users:read", "users:write"])))
    for call in (
        lambda: limited.api_keys.update(wider.id, name="x"),
        lambda: limited.api_keys.roll(wider.id),
        lambda: limited.api_keys.revoke(wider.id),
    ):
        with pytest.raises(PermissionDeniedError) as caught:
            await done(call())
        assert caught.value.code == "insufficient_privilege"


async def test_an_expiring_key_makes_keys_that_expire_no_later(
    api: Any, make_client: Callable[..., Any], cleanup: Any
) -> None:
    ends = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)
    expiring = cleanup(await done(api.api_keys.create(scopes=["users:read", "keys:manage"], expires_at=ends)))
    assert expiring.expires_at == ends  # a datetime is sent as RFC 3339 with its offset
    caller = make_client(api_key=expiring.secret)
    for later in (ends + timedelta(hours=1), None):
        with pytest.raises(PermissionDeniedError) as caught:
            await done(caller.api_keys.create(scopes=["users:read"], expires_at=later))
        assert caught.value.code == "insufficient_privilege"
    sooner = (ends - timedelta(minutes=30)).isoformat().replace("+00:00", "Z")  # a string is sent as is
    made = cleanup(await done(caller.api_keys.create(scopes=["users:read"], expires_at=sooner)))
    assert made.expires_at == ends - timedelta(minutes=30)

    naive = ends.replace(tzinfo=None) - timedelta(minutes=10)  # a naive datetime is UTC
    made = cleanup(await done(caller.api_keys.create(scopes=["users:read"], expires_at=naive)))
    assert made.expires_at == ends - timedelta(minutes=10)


# --- roll and revoke -------------------------------------------------------------------------


async def test_roll_keeps_the_old_secret_for_the_grace_period(
    api: Any, make_client: Callable[..., Any], cleanup: Any
) -> None:
    old = cleanup(await done(api.api_keys.create(name=unique("roll-"), scopes=["users:read"], rate_limit=700)))
    old_client = make_client(api_key=old.secret)
    await done(old_client.users.list(limit=1))

    raw = await done(api.api_keys.with_raw_response.roll(old.id, grace_period=3600))
    assert raw.status_code == 201
    new = cleanup(raw.parse())
    assert isinstance(new, NewApiKey)
    assert raw.headers["location"] == f"/v1/api_keys/{new.id}"
    assert new.id != old.id
    assert new.secret.startswith("sk_live_")
    assert new.secret != old.secret
    assert (new.name, new.scopes, new.rate_limit, new.expires_at) == (old.name, old.scopes, 700, None)

    new_client = make_client(api_key=new.secret)
    await done(new_client.users.list(limit=1))
    await done(old_client.users.list(limit=1))  # still working: the grace period
    old_now = await done(api.api_keys.get(old.id))
    assert old_now.expires_at is not None
    assert timedelta(minutes=59) < old_now.expires_at - datetime.now(UTC) <= timedelta(hours=1)

    newest = cleanup(await done(api.api_keys.roll(new.id, grace_period=0)))
    await refused(new_client)  # no grace: the rolled key stops at once
    await done(make_client(api_key=newest.secret).users.list(limit=1))
    with pytest.raises(DuplicateError) as caught:
        await done(api.api_keys.roll(new.id))
    assert caught.value.code == "api_key_inactive"


async def test_roll_with_the_default_grace_period(api: Any, make_client: Callable[..., Any], cleanup: Any) -> None:
    old = cleanup(await done(api.api_keys.create(scopes=["users:read"])))
    new = cleanup(await done(api.api_keys.roll(old.id)))
    await done(make_client(api_key=old.secret).users.list(limit=1))
    await done(make_client(api_key=new.secret).users.list(limit=1))
    expires_at = (await done(api.api_keys.get(old.id))).expires_at
    assert timedelta(hours=23, minutes=59) < expires_at - datetime.now(UTC) <= timedelta(days=1)


async def test_revoke_ends_the_key(api: Any, make_client: Callable[..., Any], cleanup: Any) -> None:
    key = cleanup(await done(api.api_keys.create(scopes=["users:read"])))
    client = make_client(api_key=key.secret)
    await done(client.users.list(limit=1))

    raw = await done(api.api_keys.with_raw_response.revoke(key.id))
    assert (raw.status_code, raw.parse()) == (204, None)
    error = await refused(client)
    assert error.status == 401
    revoked = await done(api.api_keys.get(key.id))
    assert revoked.revoked_at is not None
    assert key.id in {k.id for k in await collect(api.api_keys.iter())}  # kept, and listed
    assert await done(api.api_keys.revoke(key.id)) is None  # again: nothing changes
    assert (await done(api.api_keys.get(key.id))).revoked_at == revoked.revoked_at

    other = cleanup(await done(api.api_keys.create(scopes=["users:read"])))
    assert await done(api.api_keys.delete(other.id)) is None  # delete: the same call
    await refused(make_client(api_key=other.secret))
    with pytest.raises(NotFoundError):
        await done(api.api_keys.revoke("key_doesnotexist"))


async def test_a_key_revoked_by_the_cli_in_another_process_is_refused_within_a_second(
    api: Any, server: ServerProcess, make_client: Callable[..., Any], cleanup: Any
) -> None:
    key = cleanup(await done(api.api_keys.create(scopes=["users:read"])))
    client = make_client(api_key=key.secret)
    await done(client.users.list(limit=1))  # the server now holds the credential in its cache

    server.cli("keys", "revoke", key.id, "--org", "Default")
    deadline = time.monotonic() + CLI_REVOCATION_DEADLINE
    while True:
        try:
            await done(client.users.list(limit=1))
        except AuthenticationError:
            break
        assert time.monotonic() < deadline, f"still accepted {CLI_REVOCATION_DEADLINE}s after the CLI revoked it"
        await asyncio.sleep(0.05)
    assert (await done(api.api_keys.get(key.id))).revoked_at is not None


async def test_the_last_manager_key_revokes_itself_only_with_force(
    server: ServerProcess, make_client: Callable[..., Any]
) -> None:
    org = server.cli("orgs", "create", unique("Last manager "))
    made = server.cli("keys", "create", "--org", org["id"], "--name", "only manager")
    own = make_client(api_key=made["api_key"])
    [listed] = await collect(own.api_keys.iter())  # the new organization's only key
    assert listed.id == made["key"]["id"]

    with pytest.raises(DuplicateError) as caught:
        await done(own.api_keys.revoke(listed.id))
    assert (caught.value.status, caught.value.code) == (409, "last_manager_key")
    await done(own.users.list(limit=1))  # still working

    await done(own.api_keys.revoke(listed.id, force=True))
    await refused(own)
