"""``client.invitations`` and ``client.users``' invitation methods against the real server, with Client
and AsyncClient alike: a user created without a password is invited by email (the test server has no
SMTP, so the email stays in its local mailbox, read with ``redcore-server mail list``), accepts on a
client without a key, then signs in; resending replaces the link, revoking withdraws it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from redcore import Invitation, User
from redcore.exceptions import DuplicateError, NotFoundError, ValidationError
from tests.sdk.helpers import PASSWORD, done, invited, tokens, unique
from tests.sdk.server import ServerProcess


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
    """A client of this test's kind with no API key at all: enough to accept an invitation."""
    return make_client(api_key=None)


async def refused(keyless: Any, token: str) -> ValidationError:
    """The error accepting ``token`` now meets: 400 ``invalid_invitation``."""
    with pytest.raises(ValidationError) as caught:
        await done(keyless.invitations.accept(token=token, password=PASSWORD))
    assert (caught.value.status, caught.value.code) == (400, "invalid_invitation")
    return caught.value


async def test_accept_the_emailed_invitation_then_sign_in(
    api: Any, keyless: Any, server: ServerProcess, organization: str
) -> None:
    user = await invited(api)
    invitation = await done(api.users.get_invitation(user.id))
    assert isinstance(invitation, Invitation)
    assert invitation.id.startswith("inv_")
    assert (invitation.user_id, invitation.email, invitation.status) == (user.id, user.email, "pending")
    assert invitation.accepted_at is None
    assert invitation.expires_at > invitation.created_at

    [token] = tokens(server, user.email)
    with pytest.raises(ValidationError) as short:  # the password is checked like any other
        await done(keyless.invitations.accept(token=token, password="short"))
    assert short.value.code == "validation_error"

    accepted = await done(keyless.invitations.with_raw_response.accept(token=token, password=PASSWORD))
    assert accepted.status_code == 200
    assert "authorization" not in accepted.http_response.request.headers
    active = accepted.parse()
    assert isinstance(active, User)
    assert (active.id, active.status) == (user.id, "active")
    assert (await done(api.users.get(user.id))).status == "active"

    now = await done(api.users.get_invitation(user.id))
    assert (now.id, now.status) == (invitation.id, "accepted")
    assert now.accepted_at is not None

    signed_in = await done(keyless.auth.sign_in(organization=organization, email=user.email, password=PASSWORD))
    assert signed_in.user.id == user.id

    error = await refused(keyless, token)  # a link works once
    assert "already been accepted" in error.message
    await refused(keyless, "rci_not-a-real-token")
    await refused(keyless, "not even the prefix")

    with pytest.raises(DuplicateError) as not_invited:  # an active user gets no invitation
        await done(api.users.resend_invitation(user.id))
    assert (not_invited.value.status, not_invited.value.code) == (409, "not_invited")
    with pytest.raises(NotFoundError):  # nothing left that could be accepted
        await done(api.users.revoke_invitation(user.id))


async def test_resend_replaces_the_link(api: Any, keyless: Any, server: ServerProcess) -> None:
    user = await invited(api)
    first = await done(api.users.get_invitation(user.id))
    [old] = tokens(server, user.email)

    raw = await done(api.users.with_raw_response.resend_invitation(user.id))
    assert raw.status_code == 201
    resent = raw.parse()
    assert isinstance(resent, Invitation)
    assert resent.id != first.id
    assert (resent.user_id, resent.status) == (user.id, "pending")
    assert (await done(api.users.get_invitation(user.id))).id == resent.id
    [new] = set(tokens(server, user.email)) - {old}

    await refused(keyless, old)
    assert (await done(keyless.invitations.accept(token=new, password=PASSWORD))).status == "active"


async def test_revoke_withdraws_the_link(api: Any, keyless: Any, server: ServerProcess) -> None:
    user = await invited(api)
    [token] = tokens(server, user.email)
    assert await done(api.users.revoke_invitation(user.id)) is None

    await refused(keyless, token)
    invitation = await done(api.users.get_invitation(user.id))
    assert invitation.status == "revoked"
    assert (await done(api.users.get(user.id))).status == "pending_invite"  # until invited again
    with pytest.raises(NotFoundError):
        await done(api.users.revoke_invitation(user.id))

    resent = await done(api.users.resend_invitation(user.id))  # a withdrawn invitation can be sent again
    assert resent.status == "pending"
    [new] = set(tokens(server, user.email)) - {token}
    assert (await done(keyless.invitations.accept(token=new, password=PASSWORD))).status == "active"


async def test_a_user_never_invited_has_no_invitation(api: Any) -> None:
    user = await done(api.users.create(email=f"{unique('invite')}@example.com", name="Pat Password", password=PASSWORD))
    with pytest.raises(NotFoundError):
        await done(api.users.get_invitation(user.id))
    with pytest.raises(NotFoundError):
        await done(api.users.revoke_invitation(user.id))
    with pytest.raises(DuplicateError) as not_invited:
        await done(api.users.resend_invitation(user.id))
    assert not_invited.value.code == "not_invited"
    with pytest.raises(NotFoundError):
        await done(api.users.get_invitation("usr_missing"))
