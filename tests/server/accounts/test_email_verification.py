"""Email verification end to end: an address changed by an administrator is unverified until the
link sent to the new address is used; a stale link (the address changed again) fails; accepting an
invitation verifies; a deleted user's links go with them."""

from __future__ import annotations

import json
import re

from tests.server.accounts.helpers import RESET, VERIFY, confirm, link, post, request_reset, verifications, verify
from tests.support import Tenant
from tests.support.responses import assert_error
from tests.support.sessions import email, member
from tests.support.smtp import Inbox, text_of


async def change_email(tenant: Tenant, user_id: str, address: str) -> dict[str, object]:
    changed = await tenant.client.patch(f"/v1/users/{user_id}", json={"email": address})
    assert changed.status_code == 200, changed.text
    return changed.json()  # type: ignore[no-any-return]


async def test_a_changed_address_is_unverified_until_its_link_is_used(mailing: Tenant, inbox: Inbox) -> None:
    tenant = mailing
    user = await member(tenant)
    new = email()
    changed = await change_email(tenant, user["id"], new)
    assert (changed["email"], changed["email_verified"]) == (new, False)
    [message] = await inbox.wait_for(1)
    assert message["To"] == new and message["Subject"].startswith("Verify your email address")
    assert new in text_of(message)
    token = link(VERIFY, message)
    assert (await tenant.client.get(f"/v1/users/{user['id']}")).json()["email_verified"] is False

    done = await verify(tenant.app, token)
    assert done.status_code == 200, done.text
    assert (done.json()["id"], done.json()["email_verified"]) == (user["id"], True)
    assert (await tenant.client.get(f"/v1/users/{user['id']}")).json()["email_verified"] is True
    assert "already been used" in assert_error(await verify(tenant.app, token), 400, "invalid_token")["message"]

    events = (await tenant.client.get("/v1/events", params={"type": "user.email_verified"})).json()["data"]
    assert [(e["data"]["id"], e["data"]["email_verified"]) for e in events] == [(user["id"], True)]
    assert token not in json.dumps(events)
    assert await tenant.app.state.db.fetchval("SELECT count(*) FROM account_tokens WHERE token_hash = $1", token) == 0

    same = await change_email(tenant, user["id"], new.upper())  # another spelling, not another address
    assert same["email_verified"] is True
    assert_error(await verify(tenant.app, "rcv_made-up"), 400, "invalid_token")
    assert_error(await verify(tenant.app, link(VERIFY, message).replace("rcv_", "rcp_")), 400, "invalid_token")


async def test_a_stale_link_fails_and_an_address_change_kills_reset_links(mailing: Tenant, inbox: Inbox) -> None:
    tenant = mailing
    user = await member(tenant)
    assert (await request_reset(tenant.app, tenant.org.id, user["email"])).status_code == 202
    reset = link(RESET, (await inbox.wait_for(1))[0])

    await change_email(tenant, user["id"], first := email())
    await inbox.wait_for(2)
    await change_email(tenant, user["id"], second := email())
    await inbox.wait_for(3)
    stale, current = (link(VERIFY, m) for m in verifications(inbox))
    assert [m["To"] for m in verifications(inbox)] == [first, second]
    assert_error(await verify(tenant.app, stale), 400, "invalid_token")
    assert_error(await confirm(tenant.app, reset, "a brand new password"), 400, "invalid_token")
    assert (await verify(tenant.app, current)).json()["email_verified"] is True


async def test_accepting_an_invitation_verifies_the_address(mailing: Tenant, inbox: Inbox) -> None:
    tenant = mailing
    user = await tenant.create_user()
    assert user["email_verified"] is False
    [message] = await inbox.wait_for(1)
    token = re.search(r"token=(rci_[\w-]+)", text_of(message)).group(1)  # type: ignore[union-attr]
    accepted = await post(tenant.app, "/v1/invitations/accept", {"token": token, "password": "chosen password"})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["email_verified"] is True
    assert verifications(inbox) == []  # an invitation is not a change of address


async def test_a_deleted_users_links_go_with_them(mailing: Tenant, inbox: Inbox) -> None:
    tenant = mailing
    user = await member(tenant)
    await change_email(tenant, user["id"], email())
    assert (await request_reset(tenant.app, tenant.org.id, user["email"])).status_code == 202
    await inbox.wait_for(1)
    db = tenant.app.state.db
    assert await db.fetchval("SELECT count(*) FROM account_tokens WHERE user_id = $1", user["id"]) >= 1
    assert (await tenant.client.delete(f"/v1/users/{user['id']}")).status_code == 204
    assert await db.fetchval("SELECT count(*) FROM account_tokens WHERE user_id = $1", user["id"]) == 0
