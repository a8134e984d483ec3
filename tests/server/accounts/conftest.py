"""The API with its embedded workers sending through a real SMTP server, on a database of its own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from typing import Any

import pytest

from redcore_server.app import create_app
from redcore_server.db.migrate import upgrade
from tests import support
from tests.support import Tenant
from tests.support.smtp import Inbox, running_inbox

MakeMailing = Callable[..., Awaitable[Tenant]]


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with running_inbox() as box:
        yield box


@pytest.fixture
async def make_mailing(fresh_database_url: str, inbox: Inbox) -> AsyncIterator[MakeMailing]:
    """``await make_mailing(**settings)``: a tenant of an app with these settings (once per test)."""
    async with AsyncExitStack() as stack:

        async def make(**overrides: Any) -> Tenant:
            await asyncio.to_thread(upgrade, fresh_database_url)
            settings = support.test_settings(fresh_database_url, smtp_url=inbox.smtp_url, **overrides)
            app = await stack.enter_async_context(support.running(create_app(settings)))
            tenant = await support.make_tenant(app)
            stack.push_async_callback(tenant.close)
            return tenant

        yield make


@pytest.fixture
async def mailing(make_mailing: MakeMailing) -> Tenant:
    return await make_mailing()
