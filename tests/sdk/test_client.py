"""Client and AsyncClient: configuration, the injected transport, raw responses, and parity."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import partial
from typing import Any

import httpx
import pytest

from redcore import APIResponse, AsyncClient, Client, Page, User
from redcore.exceptions import RedCoreError
from tests.sdk.helpers import collect, done, unique
from tests.sdk.server import ServerProcess


async def test_a_missing_key_is_a_clear_error_before_anything_is_sent(
    kind: str, make_client: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a key a client can be made (to sign in: tests/sdk/resources/test_auth.py), but every call
    needing one raises RedCoreError, naming both ways to give a key, without a request."""
    monkeypatch.delenv("REDCORE_API_KEY", raising=False)
    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: sent.append(request) or httpx.Response(500))
    http = httpx.Client(transport=transport) if kind == "sync" else httpx.AsyncClient(transport=transport)
    for client in (make_client(api_key=None, http_client=http), make_client(api_key="", http_client=http)):
        assert client.api_key is None
        for call in (
            client.users.list,
            partial(client.users.with_raw_response.get, "usr_1"),
            partial(client.users.revoke_sessions, "usr_1"),
            partial(client.users.get_invitation, "usr_1"),
            client.auth.logout,
            partial(collect, client.products.iter()),
        ):
            with pytest.raises(RedCoreError, match="REDCORE_API_KEY") as caught:
                await done(call())
            assert type(caught.value) is RedCoreError
            assert "api_key" in str(caught.value)
    assert sent == []
    await done(http.close() if isinstance(http, httpx.Client) else http.aclose())


async def test_key_and_base_url_from_the_environment(
    kind: str, server: ServerProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDCORE_API_KEY", server.api_key)
    monkeypatch.setenv("REDCORE_BASE_URL", server.base_url + "/")
    client: Any = Client() if kind == "sync" else AsyncClient()
    assert client.base_url == server.base_url
    assert (await done(client.users.list(limit=1))).meta.limit == 1
    await done(client.close() if kind == "sync" else client.aclose())


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDCORE_BASE_URL", raising=False)
    client = Client(api_key="sk_live_secret")
    assert client.base_url == "http://127.0.0.1:8000/v1"
    assert client.max_retries == 2
    assert client.timeout.read == 30.0
    assert "sk_live_secret" not in repr(client)
    assert Client(api_key="k", timeout=2.5).timeout.connect == 2.5
    with pytest.raises(ValueError, match="max_retries"):
        Client(api_key="k", max_retries=-1)


async def test_an_injected_http_client_is_used_and_left_open(kind: str, server: ServerProcess) -> None:
    sent: list[httpx.Request] = []
    if kind == "sync":
        http = httpx.Client(event_hooks={"request": [sent.append]})
        with Client(api_key=server.api_key, base_url=server.base_url, http_client=http) as client:
            client.users.list(limit=1)
        assert not http.is_closed
        http.close()  # noqa: ASYNC212 - the sync client under test blocks by design
    else:

        async def record(request: httpx.Request) -> None:
            sent.append(request)

        ahttp = httpx.AsyncClient(event_hooks={"request": [record]})
        async with AsyncClient(api_key=server.api_key, base_url=server.base_url, http_client=ahttp) as aclient:
            await aclient.users.list(limit=1)
        assert not ahttp.is_closed
        await ahttp.aclose()
    assert [str(r.url) for r in sent] == [f"{server.base_url}/users?limit=1"]
    assert sent[0].headers["authorization"] == f"Bearer {server.api_key}"
    assert sent[0].headers["user-agent"].startswith("redcore-python/")
    assert sent[0].extensions["timeout"]["read"] == 30.0  # the SDK's timeout, whatever the client's default


async def test_an_owned_http_client_is_closed(kind: str, server: ServerProcess) -> None:
    if kind == "sync":
        with Client(api_key=server.api_key, base_url=server.base_url) as client:
            client.users.list(limit=1)
        assert client._http.is_closed
    else:
        async with AsyncClient(api_key=server.api_key, base_url=server.base_url) as aclient:
            await aclient.users.list(limit=1)
        assert aclient._http.is_closed


async def test_raw_responses(api: Any) -> None:
    raw = await done(api.users.with_raw_response.create(email=f"{unique()}@example.com", name="Raw"))
    assert isinstance(raw, APIResponse)
    assert raw.status_code == 201
    assert raw.request_id and raw.request_id == raw.headers["X-Request-Id"]
    assert raw.retries_taken == 0
    user = raw.parse()
    assert isinstance(user, User)
    assert raw.headers["location"] == f"/v1/users/{user.id}"
    assert raw.etag == raw.headers["etag"]
    assert raw.http_response.request.headers["idempotency-key"]

    got = await done(api.users.with_raw_response.get(user.id))
    assert (got.status_code, got.parse().id) == (200, user.id)
    listed = await done(api.users.with_raw_response.list(limit=1))
    assert isinstance(listed.parse(), Page)
    updated = await done(api.users.with_raw_response.update(user.id, name="Raw Renamed"))
    assert updated.parse().name == "Raw Renamed"
    deleted = await done(api.users.with_raw_response.delete(user.id))
    assert deleted.status_code == 204
    assert deleted.parse() is None

    product = await done(api.products.with_raw_response.create(name="Raw", sku=unique("RAW-"), price=1))
    assert product.status_code == 201
    assert (await done(api.products.with_raw_response.get(product.parse().id))).etag


def _public(obj: object) -> set[str]:
    return {name for name in dir(obj) if not name.startswith("_")}


COLLECTION = {"list", "list_all", "iter", "get", "create", "update", "delete", "with_raw_response"}
SESSIONS = {"list_sessions", "iter_sessions", "revoke_session", "revoke_sessions"}
INVITATION = {"get_invitation", "resend_invitation", "revoke_invitation"}
MEMBERS = {"add_member", "remove_member", "list_members", "iter_members"}
ITERATORS = {"list_all", "iter", "iter_sessions", "iter_members", "export"}
EXPORTS = {"export", "export_to"}  # streamed: no raw-response view


@pytest.mark.parametrize(
    ("resource", "methods"),
    [
        ("users", COLLECTION | SESSIONS | INVITATION | EXPORTS | {"import_"}),
        ("products", COLLECTION | EXPORTS),
        ("teams", COLLECTION | MEMBERS),
        ("api_keys", COLLECTION | {"revoke", "roll"}),
        (
            "auth",
            {
                "sign_in",
                "refresh",
                "logout",
                "request_password_reset",
                "confirm_password_reset",
                "verify_email",
                "with_raw_response",
            },
        ),
        ("invitations", {"accept", "with_raw_response"}),
    ],
)
def test_async_client_mirrors_client_method_for_method(resource: str, methods: set[str]) -> None:
    sync, asyn = Client(api_key="k"), AsyncClient(api_key="k")
    assert _public(sync) - {"close", "request", "request_raw"} == _public(asyn) - {"aclose", "request", "request_raw"}
    s, a = getattr(sync, resource), getattr(asyn, resource)
    assert _public(s) == _public(a) == methods
    for name in methods - {"with_raw_response"}:
        sync_method: Callable[..., Any] = getattr(s, name)
        async_method: Callable[..., Any] = getattr(a, name)
        assert inspect.signature(sync_method).parameters == inspect.signature(async_method).parameters
        assert sync_method.__doc__
        assert async_method.__doc__
        if name not in ITERATORS:
            assert inspect.iscoroutinefunction(async_method)
    raw = methods - ITERATORS - EXPORTS - {"with_raw_response"}
    assert _public(s.with_raw_response) == _public(a.with_raw_response) == raw
