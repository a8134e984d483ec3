"""Invitations end to end: a user made without a password is emailed through a real SMTP server
(aiosmtpd on a free port), the link's token activates the user once, and expired, replaced or
withdrawn links fail; without SMTP the message waits in the local mailbox the CLI shows."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from email.message import Message
from typing import Any

import pytest
from litestar import Litestar

from redcore_server.app import create_app
from redcore_server.db.migrate import upgrade
from tests import support
from tests.support import Tenant, free_port
from tests.support.cli import run_cli
from tests.support.responses import assert_error
from tests.support.smtp import Inbox, running_inbox

TOKEN = re.compile(r"\?token=(rci_[\w-]+)")


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with running_inbox() as box:
        yield box


@pytest.fixture
async def mailing(fresh_database_url: str, inbox: Inbox) -> AsyncIterator[Tenant]:
    """The API with its embedded workers sending through the test SMTP server, on its own database."""
    await asyncio.to_thread(upgrade, fresh_database_url)
    settings = support.test_settings(fresh_database_url, smtp_url=f"smtp://127.0.0.1:{inbox.port}?starttls=false")
    async with support.running(create_app(settings)) as app:
        tenant = await support.make_tenant(app)
        yield tenant
        await tenant.close()


def token_in(message: Message) -> str:
    found = TOKEN.search(message.get_payload(decode=True).decode())  # type: ignore[union-attr]
    assert found, message.get_payload()
    return found.group(1)


async def accept(app: Litestar, token: str, password: str = "chosen password 1") -> Any:
    async with support.http_client(app) as anonymous:
        return await anonymous.post("/v1/invitations/accept", json={"token": token, "password": password})


async def test_the_invitation_arrives_and_its_link_activates_the_user_once(mailing: Tenant, inbox: Inbox) -> None:
    tenant = mailing
    user = await tenant.create_user(email="newcomer@example.com", name="New Comer")
    assert user["status"] == "pending_invite"
    [message] = await inbox.wait_for(1)
    assert message["To"] == "newcomer@example.com"
    assert tenant.org.name in message["Subject"]
    text = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "New Comer" in text and "/accept-invitation?token=rci_" in text and "UTC" in text

    pending = (await tenant.client.get(f"/v1/users/{user['id']}/invitation")).json()
    assert (pending["status"], pending["email"]) == ("pending", "newcomer@example.com")

    accepted = await accept(tenant.app, token_in(message))
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["id"], accepted.json()["status"]) == (user["id"], "active")
    async with support.http_client(tenant.app) as anonymous:
        body = {"organization": tenant.org.id, "email": "newcomer@example.com", "password": "chosen password 1"}
        assert (await anonymous.post("/v1/auth/token", json=body)).status_code == 200
    again = await accept(tenant.app, token_in(message), "another password")
    assert "already been accepted" in assert_error(again, 400, "invalid_invitation")["message"]
    assert (await tenant.client.get(f"/v1/users/{user['id']}/invitation")).json()["status"] == "accepted"
    events = (await tenant.client.get("/v1/events", params={"type": "user.updated"})).json()["data"]
    assert events[0]["data"]["status"] == "active" and "password" not in json.dumps(events)

    row = await tenant.app.state.db.fetchrow(
        "SELECT status, transport, body FROM emails WHERE to_address = $1", user["email"]
    )
    assert tuple(row) == ("sent", "smtp", None)  # the link is not kept once it has gone


async def test_expired_replaced_and_withdrawn_links_fail(mailing: Tenant, inbox: Inbox) -> None:
    tenant = mailing
    user = await tenant.create_user(email="late@example.com")
    first = token_in((await inbox.wait_for(1))[0])
    async with tenant.app.state.db.transaction() as tx:
        await tx.execute("UPDATE invitations SET expires_at = created_at WHERE user_id = $1", user["id"])
    assert "expired" in assert_error(await accept(tenant.app, first), 400, "invalid_invitation")["message"]
    assert (await tenant.client.get(f"/v1/users/{user['id']}/invitation")).json()["status"] == "expired"

    resent = await tenant.client.post(f"/v1/users/{user['id']}/invitation")
    assert resent.status_code == 201, resent.text
    second = token_in((await inbox.wait_for(2))[1])
    third_response = await tenant.client.post(f"/v1/users/{user['id']}/invitation")
    assert third_response.status_code == 201
    third = token_in((await inbox.wait_for(3))[2])
    assert "replaced" in assert_error(await accept(tenant.app, second), 400, "invalid_invitation")["message"]

    assert (await tenant.client.delete(f"/v1/users/{user['id']}/invitation")).status_code == 204
    assert_error(await tenant.client.delete(f"/v1/users/{user['id']}/invitation"), 404, "not_found")
    assert_error(await accept(tenant.app, third), 400, "invalid_invitation")
    assert (await tenant.client.get(f"/v1/users/{user['id']}/invitation")).json()["status"] == "revoked"
    assert_error(await accept(tenant.app, "rci_made-up"), 400, "invalid_invitation")
    assert_error(await accept(tenant.app, third, "short"), 400, "validation_error")


async def test_only_users_waiting_for_an_invitation_get_one(mailing: Tenant, inbox: Inbox) -> None:
    tenant = mailing
    active = await tenant.create_user(email="has-password@example.com", password="a real password")
    await asyncio.sleep(0.3)
    assert inbox.messages == []  # a user made with a password is not emailed
    assert_error(await tenant.client.post(f"/v1/users/{active['id']}/invitation"), 409, "not_invited")
    assert_error(await tenant.client.get(f"/v1/users/{active['id']}/invitation"), 404, "not_found")
    assert_error(await tenant.client.post("/v1/users/usr_missing/invitation"), 404, "not_found")


async def test_without_smtp_the_message_waits_in_the_local_mailbox(tenant: Tenant, database_url: str) -> None:
    address = f"{uuid.uuid4().hex[:8]}@example.com"
    await tenant.create_user(email=address)
    deadline = time.monotonic() + 10
    while (await tenant.app.state.db.fetchval("SELECT status FROM emails WHERE to_address = $1", address)) != "sent":
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    listed = await asyncio.to_thread(run_cli, "mail", "list", "--to", address, "--json", url=database_url)
    [mail] = json.loads(listed.stdout)
    assert (mail["status"], mail["transport"]) == ("sent", "local")
    token = TOKEN.search(mail["body"])
    assert token
    shown = await asyncio.to_thread(run_cli, "mail", "show", mail["id"], url=database_url)
    assert f"To: {address}" in shown.stdout and token.group(1) in shown.stdout
    accepted = await accept(tenant.app, token.group(1))
    assert accepted.status_code == 200, accepted.text


async def test_an_smtp_server_that_is_down_leaves_the_email_queued_for_a_retry(fresh_database_url: str) -> None:
    await asyncio.to_thread(upgrade, fresh_database_url)
    settings = support.test_settings(fresh_database_url, smtp_url=f"smtp://127.0.0.1:{free_port()}")
    async with support.running(create_app(settings)) as app:
        tenant = await support.make_tenant(app)
        try:
            await tenant.create_user(email="patient@example.com")
            deadline = time.monotonic() + 10
            while (
                not (row := await app.state.db.fetchrow("SELECT status, attempt_count, last_error, body FROM emails"))
                or not row[2]
            ):
                assert time.monotonic() < deadline
                await asyncio.sleep(0.05)
            status, attempts, error, body = row
            assert (status, attempts) == ("pending", 1)  # retried later (a minute, then longer)
            assert "Connect" in error or "refused" in error.lower()
            assert "rci_" in body  # kept until it is sent
        finally:
            await tenant.close()
