"""Retries the SDK can now make safely, against the real server: the answer to a POST is lost after the
server did the work, the SDK retries with the same Idempotency-Key, and the server answers from the
first attempt — one user, one endpoint and one secret, a refresh that keeps its session, an
invitation accepted once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from redcore.exceptions import ValidationError
from tests.sdk.helpers import PASSWORD, collect, done, invited, tokens, unique
from tests.sdk.server import ServerProcess


class _Lost:
    """Sends each request for real, then loses the answer to the first ``losses`` of them."""

    def __init__(self, losses: int) -> None:
        self.losses = losses
        self.sent: list[httpx.Request] = []

    def lose(self, request: httpx.Request) -> None:
        self.sent.append(request)
        if self.losses > 0:
            self.losses -= 1
            raise httpx.ReadError("connection reset after the request was sent", request=request)


class _LostSync(httpx.BaseTransport, _Lost):
    def __init__(self, losses: int) -> None:
        _Lost.__init__(self, losses)
        self._real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._real.handle_request(request)
        response.read()
        self.lose(request)
        return response


class _LostAsync(httpx.AsyncBaseTransport, _Lost):
    def __init__(self, losses: int) -> None:
        _Lost.__init__(self, losses)
        self._real = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._real.handle_async_request(request)
        await response.aread()
        self.lose(request)
        return response


@pytest.fixture
def lossy(kind: str, make_client: Callable[..., Any]) -> Callable[..., tuple[Any, _Lost]]:
    """A client of this test's kind whose transport loses the first ``losses`` answers."""

    def make(losses: int = 1, **kwargs: Any) -> tuple[Any, _Lost]:
        transport: _LostSync | _LostAsync = _LostSync(losses) if kind == "sync" else _LostAsync(losses)
        http = httpx.Client(transport=transport) if kind == "sync" else httpx.AsyncClient(transport=transport)
        return make_client(http_client=http, **kwargs), transport

    return make


async def test_a_create_whose_answer_was_lost_is_retried_and_made_once(api: Any, lossy: Callable[..., Any]) -> None:
    client, transport = lossy(losses=2)
    email = f"{unique('lost')}@example.com"
    user = await done(client.users.create(email=email, name="Lost Answer", role="editor"))
    assert len(transport.sent) == 3
    assert len({r.headers["idempotency-key"] for r in transport.sent}) == 1
    assert [u.id for u in await collect(api.users.iter(q=email))] == [user.id]


async def test_a_webhook_endpoint_whose_answer_was_lost_has_one_secret(api: Any, lossy: Callable[..., Any]) -> None:
    client, _ = lossy()
    url = f"https://{unique('hooks')}.example.com/in"
    endpoint = await done(client.webhook_endpoints.create(url=url))
    assert endpoint.secret is not None and endpoint.secret.startswith("whsec_")
    matching = [e for e in await collect(api.webhook_endpoints.iter()) if e.url == url]
    assert [e.id for e in matching] == [endpoint.id]
    await done(api.webhook_endpoints.delete(endpoint.id))


async def test_a_refresh_whose_answer_was_lost_keeps_its_session(
    api: Any, lossy: Callable[..., Any], make_client: Callable[..., Any], server: ServerProcess
) -> None:
    email, password = f"{unique('refresh')}@example.com", "a long enough password"
    await done(api.users.create(email=email, name="R", password=password))
    [org] = [o["id"] for o in server.cli("orgs", "list") if o["name"] == "Default"]
    signed = await done(make_client(api_key=None).auth.sign_in(organization=org, email=email, password=password))
    client, transport = lossy(api_key=None)
    renewed = await done(client.auth.refresh(signed.refresh_token))
    assert len(transport.sent) == 2
    me = make_client(api_key=renewed.access_token)
    assert (await done(me.users.list(limit=1))).meta.total >= 1  # the session was not revoked as stolen
    again = await done(make_client(api_key=None).auth.refresh(renewed.refresh_token))
    assert again.session.id == signed.session.id


async def test_an_invitation_accepted_with_a_lost_answer_is_accepted_once(
    api: Any, lossy: Callable[..., Any], make_client: Callable[..., Any], server: ServerProcess
) -> None:
    user = await invited(api)
    [token] = tokens(server, user.email)
    client, transport = lossy(api_key=None)
    accepted = await done(client.invitations.accept(token=token, password=PASSWORD))
    assert (accepted.id, accepted.status, len(transport.sent)) == (user.id, "active", 2)
    with pytest.raises(ValidationError) as spent:  # a new request (a new key): the link is spent
        await done(make_client(api_key=None).invitations.accept(token=token, password=PASSWORD))
    assert spent.value.code == "invalid_invitation"
