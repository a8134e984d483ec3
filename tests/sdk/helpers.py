"""Run one test body with either client (await what is awaitable, collect what iterates), and
invite users and read the links they are sent."""

from __future__ import annotations

import inspect
import re
import uuid
from collections.abc import AsyncIterable, Iterable
from typing import Any

from redcore import User
from tests.sdk.server import ServerProcess


async def done(value: Any) -> Any:
    """The result of a client call: awaited for AsyncClient, as is for Client."""
    if inspect.isawaitable(value):
        return await value
    return value


async def collect(items: Iterable[Any] | AsyncIterable[Any]) -> list[Any]:
    """Every item of a sync or async iterator (``list_all``, ``iter``)."""
    if isinstance(items, AsyncIterable):
        return [item async for item in items]
    return list(items)


def unique(prefix: str = "sdk") -> str:
    """A marker no other test uses: for emails, SKUs and search filters on the shared organization."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


PASSWORD = "invited and chosen"  # the password invited users choose
TOKEN = re.compile(r"token=(rci_[\w-]+)")


async def invited(api: Any) -> User:
    """A new ``pending_invite`` user: created without a password, so invited by email."""
    user: User = await done(api.users.create(email=f"{unique('invite')}@example.com", name="Ivy Invited"))
    assert user.status == "pending_invite"
    return user


def tokens(server: ServerProcess, email: str) -> list[str]:
    """The invitation tokens emailed to ``email``, from the server's local mailbox."""
    emails = [e for e in server.cli("mail", "list", "--to", email) if e["to_address"] == email]
    found = [TOKEN.search(e["body"] or "") for e in emails]
    return [match.group(1) for match in found if match is not None]
