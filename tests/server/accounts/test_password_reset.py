"""Password reset end to end, through a real SMTP server: the link arrives and works once, signs the
user out everywhere, dies when replaced or expired; unknown addresses and organizations and users
who are not active get the same answer and no email; the limits answer alike for every address."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from redcore_server.accounts.worker import purge_stale_requests
from redcore_server.ids import utcnow
from redcore_server.tokens import hash_secret
from tests import support
from tests.server.accounts.conftest import MakeMailing
from tests.server.accounts.helpers import RESET, confirm, link, request_reset, resets
from tests.support import Tenant
from tests.support.responses import assert_error
from tests.support.sessions import PASSWORD, as_user, member, refresh, sign_in, tokens
from tests.support.smtp import Inbox, text_of

NEW_PASSWORD = "a brand new password"


async def queue_is_empty(tenant: Tenant) -> bool:
    return await tenant.app.state.db.fetchval("SELECT count(*) FROM password_reset_requests") == 0


async def test_a_reset_link_arrives_works_once_and_signs_the_user_out_everywhere(mailing: Tenant, inbox: Inbox) -> None:
    tenant = mailing
    user = await member(tenant, name="Forgetful Person")
    session = await tokens(tenant, user["email"])

    answer = await request_reset(tenant.app, tenant.org.id, user["email"].upper())  # any spelling of it
    assert answer.status_code == 202, answer.text
    [message] = await inbox.wait_for(1)
    assert message["To"] == user["email"] and tenant.org.name in message["Subject"]
    assert "Forgetful Person" in text_of(message) and "UTC" in text_of(message)
    token = link(RESET, message)
    await support.eventually(lambda: queue_is_empty(tenant))  # the address is not kept once resolved

    done = await confirm(tenant.app, token, NEW_PASSWORD)
    assert done.status_code == 200, done.text
    assert (done.json()["id"], done.json()["email_verified"]) == (user["id"], True)  # the link proved the address
    again = await confirm(tenant.app, token, "yet another password")
    assert "already been used" in assert_error(again, 400, "invalid_token")["message"]

    async with as_user(tenant.app, session["access_token"]) as old:
        assert_error(await old.get(f"/v1/users/{user['id']}"), 401, "invalid_api_key")
    assert (await refresh(tenant.app, session["refresh_token"])).status_code == 401
    assert_error(await sign_in(tenant, user["email"], PASSWORD), 401, "invalid_credentials")
    assert (await sign_in(tenant, user["email"], NEW_PASSWORD)).status_code == 200

    events = (await tenant.client.get("/v1/events", params={"type": "user.password_reset"})).json()["data"]
    assert [e["data"]["id"] for e in events] == [user["id"]]
    text = json.dumps(events)
    assert token not in text and NEW_PASSWORD not in text and "password" not in json.dumps(events[0]["data"])

    db = tenant.app.state.db
    assert await db.fetchval("SELECT count(*) FROM account_tokens WHERE token_hash = $1", token) == 0
    assert await db.fetchval("SELECT count(*) FROM account_tokens WHERE token_hash = $1", hash_secret(token)) == 1
    row = await db.fetchrow("SELECT status, transport, body FROM emails WHERE kind = 'password_reset'")
    assert tuple(row) == ("sent", "smtp", None)  # the link is not kept once it has gone


async def test_a_newer_link_kills_the_older_and_a_password_change_kills_both(mailing: Tenant, inbox: Inbox) -> None:
    tenant = mailing
    user = await member(tenant)
    for _ in range(2):
        assert (await request_reset(tenant.app, tenant.org.id, user["email"])).status_code == 202
        await asyncio.sleep(0.05)
    first, second = (link(RESET, m) for m in await inbox.wait_for(2))
    assert "replaced" in assert_error(await confirm(tenant.app, first, NEW_PASSWORD), 400, "invalid_token")["message"]

    changed = await tenant.client.patch(f"/v1/users/{user['id']}", json={"password": "set by an admin"})
    assert changed.status_code == 200, changed.text
    assert_error(await confirm(tenant.app, second, NEW_PASSWORD), 400, "invalid_token")


async def test_an_expired_link_fails(make_mailing: MakeMailing, inbox: Inbox) -> None:
    tenant = await make_mailing(password_reset_ttl=1)
    user = await member(tenant)
    assert (await request_reset(tenant.app, tenant.org.id, user["email"])).status_code == 202
    token = link(RESET, (await inbox.wait_for(1))[0])
    await asyncio.sleep(1.1)
    assert "expired" in assert_error(await confirm(tenant.app, token, NEW_PASSWORD), 400, "invalid_token")["message"]
    assert (await sign_in(tenant, user["email"], PASSWORD)).status_code == 200


async def test_unknown_addresses_and_organizations_get_the_same_answer_and_no_email(
    mailing: Tenant, inbox: Inbox
) -> None:
    tenant = mailing
    user = await member(tenant)
    known = await request_reset(tenant.app, tenant.org.id, user["email"])
    unknown = await request_reset(tenant.app, tenant.org.id, "nobody-here@example.com")
    no_org = await request_reset(tenant.app, "org_doesnotexist", user["email"])
    for answer in (unknown, no_org):
        assert (answer.status_code, answer.content) == (known.status_code, known.content) == (202, known.content)
        assert answer.headers["content-type"] == known.headers["content-type"]
    not_an_address = await request_reset(tenant.app, tenant.org.id, "useratexample.com")
    assert "email" in json.dumps(assert_error(not_an_address, 400, "validation_error")["details"])
    await support.eventually(lambda: queue_is_empty(tenant))
    await asyncio.sleep(0.3)
    assert [m["To"] for m in await inbox.wait_for(1)] == [user["email"]]


async def test_users_who_are_not_active_get_no_email(mailing: Tenant, inbox: Inbox) -> None:
    tenant = mailing
    invited = await tenant.create_user()  # no password: invited, gets the invitation only
    suspended = await member(tenant)
    inactive = await member(tenant)
    for ident, status in ((suspended["id"], "suspended"), (inactive["id"], "inactive")):
        assert (await tenant.client.patch(f"/v1/users/{ident}", json={"status": status})).status_code == 200
    for user in (invited, suspended, inactive):
        assert (await request_reset(tenant.app, tenant.org.id, user["email"])).status_code == 202
    await support.eventually(lambda: queue_is_empty(tenant))
    await inbox.wait_for(1)  # the invitation
    await asyncio.sleep(0.3)
    assert resets(inbox) == []


async def test_a_link_of_a_user_no_longer_active_fails(mailing: Tenant, inbox: Inbox) -> None:
    tenant = mailing
    user = await member(tenant)
    assert (await request_reset(tenant.app, tenant.org.id, user["email"])).status_code == 202
    token = link(RESET, (await inbox.wait_for(1))[0])
    assert (await tenant.client.patch(f"/v1/users/{user['id']}", json={"status": "suspended"})).status_code == 200
    assert_error(await confirm(tenant.app, token, NEW_PASSWORD), 400, "invalid_token")
    assert_error(await confirm(tenant.app, "rcp_made-up", NEW_PASSWORD), 400, "invalid_token")
    assert_error(await confirm(tenant.app, token, "short"), 400, "validation_error")


async def test_limits_answer_alike_for_known_and_unknown_addresses(make_mailing: MakeMailing, inbox: Inbox) -> None:
    tenant = await make_mailing(
        password_reset_address_limit=2, password_reset_client_limit=6, password_reset_account_limit=1
    )
    user = await member(tenant)
    answers = {}
    for email in (user["email"], "ghost@example.com"):
        answers[email] = [await request_reset(tenant.app, tenant.org.id, email) for _ in range(3)]
    for email, (one, two, three) in answers.items():
        assert (one.status_code, two.status_code) == (202, 202), email
        error = assert_error(three, 429, "rate_limit_exceeded")
        assert "password-reset requests" in error["message"]
        assert int(three.headers["retry-after"]) > 0
    known, unknown = answers[user["email"]][2], answers["ghost@example.com"][2]
    assert known.json()["error"]["message"].split(";")[0] == unknown.json()["error"]["message"].split(";")[0]

    # Per client address: the four requests counted so far, two more, then 429 for any address.
    for n in range(2):
        assert (await request_reset(tenant.app, tenant.org.id, f"other{n}@example.com")).status_code == 202
    assert_error(await request_reset(tenant.app, tenant.org.id, "fresh@example.com"), 429, "rate_limit_exceeded")
    other_client = await request_reset(tenant.app, tenant.org.id, "fresh@example.com", **{"X-Forwarded-For": "1"})
    assert other_client.status_code == 429  # an untrusted proxy header changes nothing

    # Per account: the second request was answered 202 like the first, but only one email went out.
    await support.eventually(lambda: queue_is_empty(tenant))
    await asyncio.sleep(0.3)
    assert len(resets(inbox)) == 1


async def test_requests_no_worker_resolved_are_purged(mailing: Tenant) -> None:
    tenant = mailing
    db = tenant.app.state.db
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO password_reset_requests (id, organization, email, status, attempt_count, next_attempt_at,"
            " created_at) VALUES ('prr_old', $1, 'old@example.com', 'pending', 0, $2, $2)",
            tenant.org.id,
            utcnow() + timedelta(days=1),  # not due: no worker takes it
        )
        await tx.execute("UPDATE password_reset_requests SET created_at = $1", utcnow() - timedelta(hours=2))
    assert await purge_stale_requests(db, utcnow(), older_than=3600) == 1
    assert await queue_is_empty(tenant)
