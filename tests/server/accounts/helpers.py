"""Requests of account emails, and the links their messages carry."""

from __future__ import annotations

import re
from email.message import Message

import httpx
from litestar import Litestar

from tests import support
from tests.support.smtp import Inbox, text_of

RESET = re.compile(r"/reset-password\?token=(rcp_[\w-]+)")
VERIFY = re.compile(r"/verify-email\?token=(rcv_[\w-]+)")


async def post(app: Litestar, path: str, body: dict[str, str], **headers: str) -> httpx.Response:
    async with support.http_client(app) as anonymous:
        return await anonymous.post(path, json=body, headers=headers)


async def request_reset(app: Litestar, organization: str, email: str, **headers: str) -> httpx.Response:
    return await post(app, "/v1/auth/password_reset", {"organization": organization, "email": email}, **headers)


async def confirm(app: Litestar, token: str, password: str) -> httpx.Response:
    return await post(app, "/v1/auth/password_reset/confirm", {"token": token, "password": password})


async def verify(app: Litestar, token: str) -> httpx.Response:
    return await post(app, "/v1/auth/verify_email", {"token": token})


def link(pattern: re.Pattern[str], message: Message) -> str:
    found = pattern.search(text_of(message))
    assert found, text_of(message)
    return found.group(1)


def resets(inbox: Inbox) -> list[Message]:
    return [m for m in inbox.messages if str(m["Subject"]).startswith("Reset your password")]


def verifications(inbox: Inbox) -> list[Message]:
    return [m for m in inbox.messages if str(m["Subject"]).startswith("Verify your email")]
