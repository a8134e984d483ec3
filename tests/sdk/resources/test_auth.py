"""``client.auth`` and ``client.users``' sessions against the real server, with Client and AsyncClient alike:
signing in without a key, acting as the user with the access token, refreshing, signing out, and every
way a session ends.

Each test signs in with accounts of its own (``unique`` emails) and fails a sign-in at most a few times
per account, well under the server's limit of failed sign-ins per account.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from redcore import Session, TokenResponse, User
from redcore.exceptions import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    RedCoreError,
    ValidationError,
)
from redcore.resources.users import SESSIONS
from tests.sdk.helpers import collect, done, unique
from tests.sdk.server import ServerProcess

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def organization(server: ServerProcess) -> str:
    """The ``org_`` id of the organization the admin key belongs to."""
    [org] = [o for o in server.cli("orgs", "list") if o["name"] == "Default"]
    ident: str = org["id"]
    return ident


@pytest.fixture(autouse=True)
def _no_key_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDCORE_API_KEY", raising=False)


@pytest.fixture
def keyless(make_client: Callable[..., Any]) -> Any:
    """A client of this test's kind with no API key at all: enough to sign in and refresh."""
    return make_client(api_key=None)


@pytest.fixture
def sign_in(keyless: Any, organization: str) -> Callable[..., Any]:
    """Sign in as ``user`` (with ``PASSWORD`` unless told otherwise) on the keyless client."""

    async def sign_in(user: User, password: str = PASSWORD) -> TokenResponse:
        tokens: TokenResponse = await done(
            keyless.auth.sign_in(organization=organization, email=user.email, password=password)
        )
        return tokens

    return sign_in


async def member(api: Any, role: str = "viewer", *, invited: bool = False) -> User:
    """A new user of the organization: ``active`` with ``PASSWORD``, or ``pending_invite`` without one."""
    fields = {} if invited else {"password": PASSWORD}
    email = f"{unique('auth')}@example.com"
    user: User = await done(api.users.create(email=email, name="Sam Session", role=role, **fields))
    return user


async def rejected(client: Any) -> AuthenticationError:
    """The AuthenticationError ``client``'s credential now meets."""
    with pytest.raises(AuthenticationError) as caught:
        await done(client.users.list(limit=1))
    assert caught.value.status == 401
    return caught.value


async def test_sign_in_without_a_key_then_act_as_a_viewer(
    api: Any, keyless: Any, make_client: Callable[..., Any], sign_in: Any
) -> None:
    user = await member(api)
    with pytest.raises(RedCoreError, match="REDCORE_API_KEY"):
        await done(keyless.users.list())  # a keyless client can sign in, and nothing else

    tokens = await sign_in(user)
    assert isinstance(tokens, TokenResponse)
    assert tokens.access_token.startswith("rca_")
    assert tokens.refresh_token.startswith("rcr_")
    assert (tokens.token_type, tokens.expires_in, tokens.refresh_expires_in) == ("Bearer", 900, 2_592_000)
    assert isinstance(tokens.session, Session)
    assert tokens.session.id.startswith("ses_")
    assert (tokens.session.user_id, tokens.user.id, tokens.user.email) == (user.id, user.id, user.email)
    assert tokens.session.expires_at > tokens.session.created_at
    assert tokens.access_token not in repr(tokens)

    viewer = make_client(api_key=tokens.access_token)
    assert (await done(viewer.users.get(user.id))).email == user.email
    assert (await done(viewer.users.list(limit=1))).meta.limit == 1
    await done(viewer.products.list(limit=1))
    await done(viewer.events.list(limit=1))
    with pytest.raises(PermissionDeniedError) as denied:
        await done(viewer.users.create(email=f"{unique()}@example.com", name="Not Allowed"))
    assert "users:write" in denied.value.message
    with pytest.raises(PermissionDeniedError):
        await done(viewer.users.revoke_sessions(user.id))
    with pytest.raises(PermissionDeniedError):
        await done(viewer.webhook_endpoints.list())


async def test_an_editor_writes_users_and_products_but_no_more(
    api: Any, make_client: Callable[..., Any], sign_in: Any
) -> None:
    editor = make_client(api_key=(await sign_in(await member(api, "editor"))).access_token)
    made = await done(editor.users.create(email=f"{unique()}@example.com", name="Made By Editor"))
    assert (await done(api.users.get(made.id))).name == "Made By Editor"
    await done(editor.users.delete(made.id))
    product = await done(editor.products.create(name="Editor's", sku=unique("ED-"), price=100))
    await done(editor.products.delete(product.id))
    with pytest.raises(PermissionDeniedError) as denied:
        await done(editor.webhook_endpoints.list())
    assert "webhooks:manage" in denied.value.message


async def test_a_client_with_a_key_signs_in_too_and_sends_no_key(
    api: Any, organization: str, make_client: Callable[..., Any]
) -> None:
    user = await member(api, "admin")
    raw = await done(api.auth.with_raw_response.sign_in(organization=organization, email=user.email, password=PASSWORD))
    assert raw.status_code == 200
    assert "authorization" not in raw.http_response.request.headers
    admin = make_client(api_key=raw.parse().access_token)
    webhooks = await done(admin.webhook_endpoints.list(limit=1))  # an admin's token has every scope
    assert webhooks.meta.limit == 1


async def test_refresh_rotates_and_a_reused_refresh_token_ends_the_session(
    api: Any, keyless: Any, make_client: Callable[..., Any], sign_in: Any
) -> None:
    first = await sign_in(await member(api))
    second = await done(keyless.auth.refresh(first.refresh_token))
    assert isinstance(second, TokenResponse)
    assert second.session.id == first.session.id
    assert second.access_token not in (first.access_token, second.refresh_token)
    assert second.refresh_token != first.refresh_token
    current = make_client(api_key=second.access_token)
    assert (await done(current.users.list(limit=1))).meta.limit == 1

    with pytest.raises(AuthenticationError) as reused:  # the spent token: it leaked, so the session ends
        await done(keyless.auth.refresh(first.refresh_token))
    assert reused.value.code == "invalid_refresh_token"
    await rejected(current)
    with pytest.raises(AuthenticationError) as after:
        await done(keyless.auth.refresh(second.refresh_token))
    assert after.value.code == "invalid_refresh_token"
    with pytest.raises(AuthenticationError) as unknown:
        await done(keyless.auth.refresh("rcr_" + "x" * 43))
    assert unknown.value.code == "invalid_refresh_token"


async def test_logout_ends_the_session(api: Any, keyless: Any, make_client: Callable[..., Any], sign_in: Any) -> None:
    tokens = await sign_in(await member(api))
    as_user = make_client(api_key=tokens.access_token)
    raw = await done(as_user.auth.with_raw_response.logout())
    assert (raw.status_code, raw.parse()) == (204, None)
    await rejected(as_user)
    with pytest.raises(AuthenticationError) as refused:
        await done(keyless.auth.refresh(tokens.refresh_token))
    assert refused.value.code == "invalid_refresh_token"
    with pytest.raises(AuthenticationError):
        await done(as_user.auth.logout())  # already ended
    with pytest.raises(ValidationError):
        await done(api.auth.logout())  # an API key is no session


async def test_every_failed_sign_in_looks_the_same(api: Any, keyless: Any, organization: str, sign_in: Any) -> None:
    active = await member(api)
    suspended, inactive = await member(api), await member(api)
    await done(api.users.update(suspended.id, status="suspended"))
    await done(api.users.update(inactive.id, status="inactive"))
    invited = await member(api, invited=True)

    sign_in_as = partial(keyless.auth.sign_in, organization=organization, password=PASSWORD)
    failures = [
        partial(sign_in_as, email=active.email, password="wrong password"),
        partial(sign_in_as, email=f"{unique()}@example.com"),
        partial(sign_in_as, email=active.email, organization="org_" + "0" * 26),
        partial(sign_in_as, email=suspended.email),
        partial(sign_in_as, email=inactive.email),
        partial(sign_in_as, email=invited.email),
    ]
    messages = set()
    for failure in failures:
        with pytest.raises(AuthenticationError) as refused:
            await done(failure())
        assert (refused.value.status, refused.value.code) == (401, "invalid_credentials")
        messages.add(refused.value.message)
    assert len(messages) == 1

    assert (await sign_in(active)).user.id == active.id  # its failures did not lock it out
    with pytest.raises(ValidationError) as malformed:  # a body of the wrong shape is refused before any check
        await done(keyless.auth.sign_in(organization=organization, email=active.email, password=""))
    assert malformed.value.details[0]["field"] == "password"


async def test_sessions_are_listed_and_revoked_one_or_all(
    api: Any, make_client: Callable[..., Any], sign_in: Any
) -> None:
    user = await member(api)
    first, second = await sign_in(user), await sign_in(user)
    as_first, as_second = make_client(api_key=first.access_token), make_client(api_key=second.access_token)

    page = await done(api.users.list_sessions(user.id))
    assert [s.id for s in page] == [second.session.id, first.session.id]  # newest first
    assert page.meta.total == 2
    session = page.data[1]
    assert isinstance(session, Session)
    assert (session.user_id, session.created_at, session.expires_at) == (
        user.id,
        first.session.created_at,
        first.session.expires_at,
    )
    assert session.ip == "127.0.0.1"
    assert (session.user_agent or "").startswith("redcore-python/")
    walked = await collect(api.users.iter_sessions(user.id, page_size=1, order="asc"))
    assert [s.id for s in walked] == [first.session.id, second.session.id]
    one = await done(api.users.with_raw_response.list_sessions(user.id, limit=1, offset=1))
    assert (one.status_code, [s.id for s in one.parse()]) == (200, [first.session.id])
    assert len(await done(as_first.users.list_sessions(user.id))) == 2  # a viewer may read them

    assert await done(api.users.revoke_session(user.id, first.session.id)) is None
    await rejected(as_first)
    assert (await done(as_second.users.get(user.id))).id == user.id  # the other session lives on
    assert [s.id for s in await done(api.users.list_sessions(user.id))] == [second.session.id]
    with pytest.raises(NotFoundError):
        await done(api.users.revoke_session(user.id, first.session.id))

    raw = await done(api.users.with_raw_response.revoke_sessions(user.id))
    assert raw.status_code == 204
    await rejected(as_second)
    assert (await done(api.users.list_sessions(user.id))).meta.total == 0
    third = make_client(api_key=(await sign_in(user)).access_token)  # signing in again still works
    assert (await done(third.users.get(user.id))).id == user.id


async def test_sessions_of_a_missing_user(api: Any) -> None:
    missing = "usr_00000000000000000000000000"
    with pytest.raises(NotFoundError):
        await done(api.users.list_sessions(missing))
    with pytest.raises(NotFoundError):
        await done(api.users.revoke_sessions(missing))
    with pytest.raises(NotFoundError):
        await done(api.users.revoke_session(missing, "ses_00000000000000000000000000"))


@pytest.mark.parametrize("change", ["delete", "suspend", "deactivate", "new password"])
async def test_changing_the_user_ends_its_sessions(
    api: Any, make_client: Callable[..., Any], sign_in: Any, change: str
) -> None:
    user = await member(api)
    as_user = make_client(api_key=(await sign_in(user)).access_token)
    assert (await done(as_user.users.get(user.id))).id == user.id
    if change == "delete":
        await done(api.users.delete(user.id))
    else:
        fields = {"suspend": {"status": "suspended"}, "deactivate": {"status": "inactive"}}
        await done(api.users.update(user.id, **fields.get(change, {"password": "another good password"})))
    await rejected(as_user)


async def test_a_users_own_password_change_keeps_the_session_that_made_it(
    api: Any, make_client: Callable[..., Any], sign_in: Any
) -> None:
    user = await member(api, "editor")
    mine, elsewhere = await sign_in(user), await sign_in(user)
    as_me, as_elsewhere = make_client(api_key=mine.access_token), make_client(api_key=elsewhere.access_token)
    await done(as_me.users.update(user.id, password="a brand new password"))
    assert (await done(as_me.users.get(user.id))).id == user.id
    await rejected(as_elsewhere)
    assert (await sign_in(user, "a brand new password")).user.id == user.id


def test_a_users_sessions_path_is_under_the_user() -> None:
    assert SESSIONS.of("usr_1").list({}).path == "/users/usr_1/sessions"
    assert SESSIONS.of("usr_1").delete("ses_2", None).path == "/users/usr_1/sessions/ses_2"
    call = SESSIONS.of("usr_1").delete_all()
    assert (call.method, call.path) == ("DELETE", "/users/usr_1/sessions")
