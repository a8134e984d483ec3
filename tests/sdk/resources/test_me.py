"""``client.me`` against the real server, with Client and AsyncClient alike: who an API key and a user's
access token are, and a viewer changing their own name and password."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from redcore import ApiKey, Me, Organization, User
from redcore.exceptions import AuthenticationError, PermissionDeniedError, ValidationError
from tests.sdk.helpers import done, unique
from tests.sdk.server import ServerProcess

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture(scope="module")
def organization(server: ServerProcess) -> str:
    [org] = [o for o in server.cli("orgs", "list") if o["name"] == "Default"]
    ident: str = org["id"]
    return ident


async def viewer(api: Any) -> User:
    email = f"{unique('me')}@example.com"
    user: User = await done(api.users.create(email=email, name="Vic Viewer", role="viewer", password=PASSWORD))
    return user


async def test_me_for_an_api_key(api: Any, make_client: Callable[..., Any], readonly_key: str) -> None:
    me = await done(api.me.get())
    assert isinstance(me, Me) and isinstance(me.organization, Organization) and isinstance(me.api_key, ApiKey)
    assert me.type == "api_key" and me.user is None and me.session_id is None
    assert "org:manage" in me.scopes and me.api_key.id.startswith("key_") and me.api_key.prefix
    readonly = await done(make_client(api_key=readonly_key).me.get())
    assert readonly.scopes == ["users:read"] == readonly.api_key.scopes
    with pytest.raises(PermissionDeniedError) as refused:
        await done(api.me.update(name="A key has no user"))
    assert refused.value.code == "user_token_required"
    with pytest.raises(PermissionDeniedError):
        await done(api.me.change_password(current_password=PASSWORD, new_password=NEW_PASSWORD))


async def test_a_viewer_changes_their_name_and_password(
    api: Any, make_client: Callable[..., Any], organization: str
) -> None:
    user = await viewer(api)
    keyless = make_client(api_key=None)
    first = await done(keyless.auth.sign_in(organization=organization, email=user.email, password=PASSWORD))
    second = await done(keyless.auth.sign_in(organization=organization, email=user.email, password=PASSWORD))
    as_user, elsewhere = make_client(api_key=second.access_token), make_client(api_key=first.access_token)

    me = await done(as_user.me.get())
    assert (me.type, me.user.id, me.session_id, me.organization.id) == (
        "user",
        user.id,
        second.session.id,
        organization,
    )
    assert me.scopes == ["users:read", "products:read", "events:read", "teams:read"]

    updated = await done(as_user.me.update(name="Victoria Viewer", avatar="https://img.example/v.png"))
    assert (updated.user.name, updated.user.avatar, updated.user.role) == (
        "Victoria Viewer",
        "https://img.example/v.png",
        "viewer",
    )
    with pytest.raises(ValidationError) as missing:
        await done(as_user.me.update(email=f"{unique('moved')}@example.com"))
    assert missing.value.details[0]["field"] == "current_password"
    with pytest.raises(ValidationError) as wrong:
        await done(as_user.me.change_password(current_password="not the one", new_password=NEW_PASSWORD))
    assert wrong.value.code == "invalid_current_password"

    assert await done(as_user.me.change_password(current_password=PASSWORD, new_password=NEW_PASSWORD)) is None
    assert (await done(as_user.me.get())).user.name == "Victoria Viewer"  # this session lives
    with pytest.raises(AuthenticationError):
        await done(elsewhere.me.get())  # the other one ended
    again = await done(keyless.auth.sign_in(organization=organization, email=user.email, password=NEW_PASSWORD))
    assert again.user.id == user.id


async def test_an_email_change_with_the_current_password(
    api: Any, make_client: Callable[..., Any], organization: str
) -> None:
    user = await viewer(api)
    tokens = await done(
        make_client(api_key=None).auth.sign_in(organization=organization, email=user.email, password=PASSWORD)
    )
    new = f"{unique('moved')}@example.com"
    me = await done(make_client(api_key=tokens.access_token).me.update(email=new, current_password=PASSWORD))
    assert (me.user.email, me.user.email_verified) == (new, False)
