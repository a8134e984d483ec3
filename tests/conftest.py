from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from litestar import Litestar

from redcore_server.app import create_app
from redcore_server.db.migrate import upgrade
from tests import support
from tests.receiver import Receiver, running_receiver
from tests.support import Tenant


def pytest_report_header() -> str:
    return f"redcore test database: {support.BACKEND}"


async def _new_database_url(tmp: Path) -> str:
    if support.BACKEND == "postgresql":
        return await support.create_postgres_database()
    return f"sqlite:///{tmp / 'redcore-test.db'}"


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """A fresh database for the whole session, migrated to head by Alembic."""
    url = await _new_database_url(tmp_path_factory.mktemp("db"))
    await asyncio.to_thread(upgrade, url)
    yield url
    if support.BACKEND == "postgresql":
        await support.drop_postgres_database(url)


@pytest.fixture
async def fresh_database_url(tmp_path: Path) -> AsyncIterator[str]:
    """An empty, unmigrated database of the backend under test, for one test."""
    url = await _new_database_url(tmp_path)
    yield url
    if support.BACKEND == "postgresql":
        await support.drop_postgres_database(url)


@pytest.fixture(scope="session")
async def app(database_url: str) -> AsyncIterator[Litestar]:
    async with support.running(create_app(support.test_settings(database_url))) as running_app:
        yield running_app


@pytest.fixture
async def tenant(app: Litestar) -> AsyncIterator[Tenant]:
    t = await support.make_tenant(app)
    yield t
    await t.close()


@pytest.fixture
async def make_tenant(app: Litestar) -> AsyncIterator[Callable[[], Awaitable[Tenant]]]:
    made: list[Tenant] = []

    async def factory() -> Tenant:
        t = await support.make_tenant(app)
        made.append(t)
        return t

    yield factory
    for t in made:
        await t.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP receiver for webhooks on 127.0.0.1, for one test."""
    with running_receiver() as r:
        yield r


def pytest_configure(config: pytest.Config) -> None:
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
