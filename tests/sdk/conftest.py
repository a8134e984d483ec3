"""SDK test fixtures: one real server process per session, and clients of both kinds.

Tests that take ``api`` (or ``make_client``) run twice, once with :class:`redcore.Client` and once
with :class:`redcore.AsyncClient`, through the same body: :func:`tests.sdk.helpers.done` awaits
what the async client returns and passes the sync client's results through.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from redcore import AsyncClient, Client
from tests.sdk.scripted import ScriptedAPI, start_scripted_server
from tests.sdk.server import ServerProcess, start_server

AnyClient = Client | AsyncClient


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A real ``redcore-server serve`` on a free port and a fresh database, for the whole session."""
    running = start_server(tmp_path_factory.mktemp("redcore-server"))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def readonly_key(server: ServerProcess) -> str:
    """A key of the same organization with only ``users:read``, made with the CLI."""
    created = server.cli("keys", "create", "--org", "Default", "--scopes", "users:read", "--name", "sdk-readonly")
    key: str = created["api_key"]
    return key


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    """Which client the test runs with."""
    value: str = request.param
    return value


@pytest.fixture
async def make_client(kind: str, server: ServerProcess) -> AsyncIterator[Callable[..., Any]]:
    """Make clients of this test's kind (against the server unless told otherwise); closed after the test."""
    made: list[AnyClient] = []

    def make(**kwargs: Any) -> Any:
        kwargs.setdefault("api_key", server.api_key)
        kwargs.setdefault("base_url", server.base_url)
        client: AnyClient = Client(**kwargs) if kind == "sync" else AsyncClient(**kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        if isinstance(client, AsyncClient):
            await client.aclose()
        else:
            client.close()


@pytest.fixture
def api(make_client: Callable[..., Any]) -> Any:
    """A client of this test's kind, with the organization's admin key."""
    return make_client()


@pytest.fixture
def sync_client(server: ServerProcess) -> Iterator[Client]:
    """A blocking client with the admin key (for the documentation snippets, which are synchronous)."""
    with Client(api_key=server.api_key, base_url=server.base_url) as client:
        yield client


# -- the scripted server (tests/sdk/scripted.py) ---------------------------------------------------


@pytest.fixture(scope="module")
def scripted_server() -> Iterator[tuple[ScriptedAPI, str]]:
    app, base_url, stop = start_scripted_server()
    yield app, base_url
    stop()


@pytest.fixture
def scripted(scripted_server: tuple[ScriptedAPI, str]) -> ScriptedAPI:
    app, _ = scripted_server
    app.script()
    return app


@pytest.fixture
def client_for(make_client: Callable[..., Any], scripted_server: tuple[ScriptedAPI, str]) -> Callable[..., Any]:
    """A client of this test's kind pointed at the scripted server."""
    _, base_url = scripted_server

    def make(**kwargs: Any) -> Any:
        return make_client(api_key="sk_test_scripted", base_url=base_url, **kwargs)

    return make
