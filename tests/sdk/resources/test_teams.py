"""``client.teams`` (and ``client.users.list(team=…)``): every method against the real server, with
Client and AsyncClient alike. Names carry a unique marker: the organization is shared by the SDK tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from redcore import Page, Team, User
from redcore.exceptions import (
    DuplicateError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    ValidationError,
)
from tests.sdk.helpers import collect, done, unique
from tests.sdk.server import ServerProcess


async def new_user(api: Any, name: str = "Team Member") -> User:
    user: User = await done(api.users.create(email=f"{unique('team')}@example.com", name=name, password="s3cret-pass!"))
    return user


async def test_create_get_update_delete(api: Any) -> None:
    name = unique("Platform ")
    created = await done(api.teams.create(name=name, description="Runs the platform.\nOn call weekly."))
    assert isinstance(created, Team)
    assert created.id.startswith("team_")
    assert (created.name, created.description, created.member_count) == (
        name,
        "Runs the platform.\nOn call weekly.",
        0,
    )
    assert await done(api.teams.get(created.id)) == created

    renamed = await done(api.teams.update(created.id, name=name + " Ops", description=None))
    assert (renamed.name, renamed.description) == (name + " Ops", None)
    assert renamed.updated_at >= created.updated_at

    raw = await done(api.teams.with_raw_response.get(created.id))
    assert raw.status_code == 200 and raw.etag
    await done(api.teams.update(created.id, description="changed"))
    with pytest.raises(PreconditionFailedError):
        await done(api.teams.update(created.id, name="Too late", if_match=raw.etag))
    with pytest.raises(PreconditionFailedError):
        await done(api.teams.delete(created.id, if_match=raw.etag))

    await done(api.teams.delete(created.id))
    with pytest.raises(NotFoundError):
        await done(api.teams.get(created.id))
    with pytest.raises(NotFoundError):
        await done(api.teams.delete(created.id))


async def test_duplicate_names_in_any_case_and_invalid_fields(api: Any) -> None:
    name = unique("Design ")
    team = await done(api.teams.create(name=name))
    with pytest.raises(DuplicateError) as dup:
        await done(api.teams.create(name=name.upper()))
    assert (dup.value.status, dup.value.code) == (409, "duplicate_team")
    other = await done(api.teams.create(name=unique("Other ")))
    with pytest.raises(DuplicateError) as renamed:
        await done(api.teams.update(other.id, name=name.lower()))
    assert renamed.value.code == "duplicate_team"
    assert (await done(api.teams.get(team.id))).name == name

    with pytest.raises(ValidationError) as invalid:
        await done(api.teams.create(name="x" * 201))
    assert invalid.value.details[0]["field"] == "name"


async def test_list_search_sort_and_walk(api: Any) -> None:
    tag = unique("squad")
    made = [await done(api.teams.create(name=f"{tag} {letter}")) for letter in "cab"]
    page = await done(api.teams.list(q=tag, sort="name", order="asc"))
    assert isinstance(page, Page)
    assert [t.name for t in page] == [f"{tag} a", f"{tag} b", f"{tag} c"]
    assert page.meta.total == 3
    newest_first = await done(api.teams.list(q=tag.upper()))
    assert [t.id for t in newest_first] == [t.id for t in reversed(made)]
    pages = await collect(api.teams.list_all(q=tag, sort="name", order="asc", page_size=2))
    assert [[t.name for t in pg] for pg in pages] == [[f"{tag} a", f"{tag} b"], [f"{tag} c"]]
    assert {t.id for t in await collect(api.teams.iter(q=tag, page_size=1))} == {t.id for t in made}


async def test_members_are_added_and_removed_idempotently_and_counted(api: Any) -> None:
    team = await done(api.teams.create(name=unique("Support ")))
    alice, bob = await new_user(api, "Alice"), await new_user(api, "Bob")
    for _ in range(2):
        assert await done(api.teams.add_member(team.id, alice.id)) is None
    await done(api.teams.add_member(team.id, bob.id))
    assert (await done(api.teams.get(team.id))).member_count == 2

    raw = await done(api.teams.with_raw_response.add_member(team.id, alice.id))
    assert (raw.status_code, raw.parse()) == (204, None)

    for _ in range(2):
        assert await done(api.teams.remove_member(team.id, alice.id)) is None
    assert (await done(api.teams.get(team.id))).member_count == 1
    assert [u.id for u in await done(api.teams.list_members(team.id))] == [bob.id]

    await done(api.users.delete(bob.id))  # a deleted user leaves their teams, and the count follows
    after = await done(api.teams.get(team.id))
    assert after.member_count == 0
    assert (await done(api.teams.list_members(team.id))).meta.total == 0


async def test_members_walk_pages_by_cursor_and_users_filter_by_team(api: Any) -> None:
    team = await done(api.teams.create(name=unique("Big ")))
    other = await done(api.teams.create(name=unique("Small ")))
    tag = unique("mem")
    members = [await new_user(api, f"{tag} {i:02}") for i in range(7)]
    outsider = await new_user(api, f"{tag} outsider")
    for user in members:
        await done(api.teams.add_member(team.id, user.id))
    await done(api.teams.add_member(other.id, outsider.id))
    await done(api.teams.add_member(other.id, members[0].id))

    first = await done(api.teams.list_members(team.id, limit=3))
    assert isinstance(first, Page) and all(isinstance(u, User) for u in first)
    assert (first.meta.total, first.has_more) == (7, True)
    second = await done(api.teams.list_members(team.id, limit=3, starting_after=first.meta.next_cursor))
    assert [u.id for u in second] == [u.id for u in reversed(members)][3:6]

    walked = await collect(api.teams.iter_members(team.id, page_size=2))
    assert [u.id for u in walked] == [u.id for u in reversed(members)]  # newest first, none repeated
    by_name = await collect(api.teams.iter_members(team.id, page_size=3, sort="name", order="asc", q=tag))
    assert [u.name for u in by_name] == [f"{tag} {i:02}" for i in range(7)]

    filtered = await done(api.users.list(team=team.id, limit=100))
    assert {u.id for u in filtered} == {u.id for u in members}
    assert {u.id for u in await collect(api.users.iter(team=other.id, page_size=1))} == {outsider.id, members[0].id}
    pages = await collect(api.users.list_all(team=other.id, q="outsider", page_size=1))
    assert [[u.id for u in pg] for pg in pages] == [[outsider.id]]
    assert (await done(api.teams.get(team.id))).member_count == 7

    await done(api.teams.delete(team.id))  # ends the memberships, not the users
    assert (await done(api.users.list(team=team.id))).meta.total == 0
    assert (await done(api.users.get(members[0].id))).id == members[0].id


async def test_unknown_teams_and_users_are_404(
    api: Any, server: ServerProcess, make_client: Callable[..., Any]
) -> None:
    team = await done(api.teams.create(name=unique("Real ")))
    user = await new_user(api)
    for call in (
        lambda: api.teams.get("team_missing"),
        lambda: api.teams.update("team_missing", name="x"),
        lambda: api.teams.add_member("team_missing", user.id),
        lambda: api.teams.remove_member("team_missing", user.id),
        lambda: api.teams.list_members("team_missing"),
        lambda: api.teams.add_member(team.id, "usr_missing"),
        lambda: api.teams.remove_member(team.id, "usr_missing"),
    ):
        with pytest.raises(NotFoundError):
            await done(call())

    org = server.cli("orgs", "create", unique("Teams elsewhere "))
    elsewhere = make_client(api_key=server.cli("keys", "create", "--org", org["id"], "--name", "teams")["api_key"])
    with pytest.raises(NotFoundError):
        await done(elsewhere.teams.get(team.id))
    with pytest.raises(NotFoundError):
        await done(elsewhere.teams.list_members(team.id))
    their_team = await done(elsewhere.teams.create(name=team.name))  # names are unique per organization only
    with pytest.raises(NotFoundError):
        await done(elsewhere.teams.add_member(their_team.id, user.id))
    assert (await done(api.teams.get(team.id))).member_count == 0


async def test_scopes(api: Any, server: ServerProcess, make_client: Callable[..., Any], readonly_key: str) -> None:
    team = await done(api.teams.create(name=unique("Scoped ")))
    user = await new_user(api)
    with pytest.raises(PermissionDeniedError) as denied:
        await done(make_client(api_key=readonly_key).teams.list())  # users:read only
    assert denied.value.code == "insufficient_scope"

    made = server.cli("keys", "create", "--org", "Default", "--scopes", "teams:read", "--name", "sdk-teams-read")
    reader = make_client(api_key=made["api_key"])
    assert (await done(reader.teams.get(team.id))).id == team.id
    with pytest.raises(PermissionDeniedError):
        await done(reader.teams.list_members(team.id))  # members are users: users:read too
    with pytest.raises(PermissionDeniedError):
        await done(reader.teams.add_member(team.id, user.id))
    with pytest.raises(PermissionDeniedError):
        await done(reader.teams.create(name=unique("Nope ")))
