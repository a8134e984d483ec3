"""Behind a reverse proxy: the client's address and scheme come from X-Forwarded-For and
X-Forwarded-Proto only when the connection is from a proxy in REDCORE_TRUSTED_PROXIES; the HTTPS rules
(403 ``https_required``, HSTS) follow the scheme so found.

In-process, with the connection's address set per client, on an app that trusts 10.0.0.0/8 and
2001:db8::/32, requires HTTPS, and refuses a client address after three bad credentials."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar

from redcore_server.app import create_app
from redcore_server.config import Settings
from tests import support
from tests.support.responses import assert_error

PASSWORD = "correct horse battery"
PROXY = ("10.0.0.2", 40_000)
PROXY_V6 = ("2001:db8::2", 40_000)
STRANGER = ("198.51.100.9", 40_000)
HSTS_MAX_AGE = 600


@pytest.fixture(scope="module")
async def proxied_app(database_url: str) -> AsyncIterator[Litestar]:
    settings = support.test_settings(
        database_url,
        trusted_proxies=" 10.0.0.0/8, 2001:db8::/32",
        require_https=True,
        hsts_max_age=HSTS_MAX_AGE,
        auth_failure_limit=3,
    )
    async with support.running(create_app(settings)) as app:
        yield app


def client(app: Litestar, peer: tuple[str, int], scheme: str = "http", **headers: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=peer)
    return httpx.AsyncClient(transport=transport, base_url=f"{scheme}://testserver", headers=headers)


@pytest.fixture
async def member(proxied_app: Litestar) -> AsyncIterator[dict[str, Any]]:
    tenant = await support.make_tenant(proxied_app)
    async with client(proxied_app, PROXY, "https") as admin:  # direct TLS, as far as the app can tell
        admin.headers["Authorization"] = f"Bearer {tenant.key}"
        response = await admin.post(
            "/v1/users", json={"email": f"{uuid.uuid4().hex[:10]}@example.com", "name": "M", "password": PASSWORD}
        )
    assert response.status_code == 201, response.text
    yield {"organization": tenant.org.id, "email": response.json()["email"], "password": PASSWORD}
    await tenant.close()


async def signed_in_from(app: Litestar, credentials: dict[str, Any], peer: tuple[str, int], **headers: str) -> str:
    """Sign in through a connection from ``peer``: the address the session records."""
    async with client(app, peer, "https", **headers) as c:
        response = await c.post("/v1/auth/token", json=credentials)
    assert response.status_code == 200, response.text
    return str(response.json()["session"]["ip"])


async def test_the_client_address_comes_from_a_trusted_proxy_only(
    proxied_app: Litestar, member: dict[str, Any]
) -> None:
    async def ip(peer: tuple[str, int], **headers: str) -> str:
        return await signed_in_from(proxied_app, member, peer, **headers)

    xff = "X-Forwarded-For"
    assert await ip(PROXY, **{xff: "203.0.113.9"}) == "203.0.113.9"
    # What the client wrote itself is on the left; proxies in the chain (trusted) are on the right.
    assert await ip(PROXY, **{xff: "192.0.2.66, 203.0.113.9, 10.9.9.9"}) == "203.0.113.9"
    assert await ip(PROXY_V6, **{xff: "[2a00:1450::1]:443"}) == "2a00:1450::1"
    assert await ip(PROXY, **{xff: "203.0.113.9:5123"}) == "203.0.113.9"
    # An entry that is not an address stops at the proxy that wrote it; every entry trusted: the left-most.
    assert await ip(PROXY, **{xff: "203.0.113.9, unknown"}) == "10.0.0.2"
    assert await ip(PROXY, **{xff: "10.1.1.1, 10.2.2.2"}) == "10.1.1.1"
    assert await ip(PROXY) == "10.0.0.2"  # no header: the proxy itself
    # From anyone else the header is ignored.
    assert await ip(STRANGER, **{xff: "203.0.113.9"}) == "198.51.100.9"
    # A dual-stack socket names IPv4 peers as IPv4-mapped IPv6 addresses.
    assert await ip(("::ffff:10.0.0.2", 1), **{xff: "203.0.113.9"}) == "203.0.113.9"
    assert await ip(("::ffff:198.51.100.9", 1), **{xff: "203.0.113.9"}) == "::ffff:198.51.100.9"


async def test_refused_credentials_are_counted_per_forwarded_client(proxied_app: Litestar) -> None:
    """Behind a proxy, one client's bad keys no longer throttle everyone who shares the proxy's address;
    a client talking directly cannot dodge the count by writing X-Forwarded-For. On the fast read path
    (GET /v1/users/{id}) and the framework's routes alike."""
    first, second = "203.0.113.21", "203.0.113.22"
    bad = {"Authorization": "Bearer sk_live_not_a_key", "X-Forwarded-Proto": "https"}
    async with client(proxied_app, PROXY, **bad) as via_proxy:
        for path in ["/v1/users/usr_01", "/v1/products", "/v1/users/usr_01"]:
            response = await via_proxy.get(path, headers={"X-Forwarded-For": first})
            assert_error(response, 401, "invalid_api_key")
        response = await via_proxy.get("/v1/users/usr_01", headers={"X-Forwarded-For": first})
        assert_error(response, 429, "rate_limit_exceeded")
        response = await via_proxy.get("/v1/users/usr_01", headers={"X-Forwarded-For": second})
        assert_error(response, 401, "invalid_api_key")

    stranger = ("198.51.100.77", 40_000)
    async with client(proxied_app, stranger, "https", Authorization="Bearer sk_live_not_a_key") as direct:
        for i in range(3):
            response = await direct.get("/v1/users/usr_01", headers={"X-Forwarded-For": f"203.0.113.{30 + i}"})
            assert_error(response, 401, "invalid_api_key")
        response = await direct.get("/v1/users/usr_01", headers={"X-Forwarded-For": "203.0.113.99"})
        assert_error(response, 429, "rate_limit_exceeded")


async def test_plain_http_is_refused_when_https_is_required(proxied_app: Litestar) -> None:
    tenant = await support.make_tenant(proxied_app)
    auth = {"Authorization": f"Bearer {tenant.key}"}
    try:
        async with client(proxied_app, STRANGER, **auth) as plain:
            for method, path in [("GET", "/v1/users"), ("GET", "/v1/users/usr_01"), ("POST", "/v1/products")]:
                response = await plain.request(method, path, json={})
                assert_error(response, 403, "https_required")
                assert response.json()["error"]["request_id"] == response.headers["x-request-id"]
                assert "strict-transport-security" not in response.headers
            # A stranger saying https is not believed.
            response = await plain.get("/v1/users", headers={"X-Forwarded-Proto": "https"})
            assert_error(response, 403, "https_required")
            # Load balancers probe /health over plain HTTP.
            assert (await plain.get("/health")).status_code == 200

        async with client(proxied_app, PROXY, "https", **auth) as proxy_over_tls:
            # The proxy says its client came over plain HTTP: refused, though the proxy's own hop was TLS.
            response = await proxy_over_tls.get("/v1/users", headers={"X-Forwarded-Proto": "http"})
            assert_error(response, 403, "https_required")

        async with client(proxied_app, PROXY, **auth) as proxy:
            response = await proxy.get("/v1/users", headers={"X-Forwarded-Proto": "https"})
            assert response.status_code == 200
            assert response.headers["strict-transport-security"] == f"max-age={HSTS_MAX_AGE}"
    finally:
        await tenant.close()


async def test_every_response_over_tls_carries_hsts(proxied_app: Litestar) -> None:
    tenant = await support.make_tenant(proxied_app)
    try:
        async with client(proxied_app, STRANGER, "https", Authorization=f"Bearer {tenant.key}") as tls:
            user = await tls.post("/v1/users", json={"email": f"{uuid.uuid4().hex[:8]}@example.com", "name": "H"})
            responses = [
                user,
                await tls.get(f"/v1/users/{user.json()['id']}"),  # the fast read path
                await tls.get("/v1/users/usr_0000000000"),  # an error from it
                await tls.get("/v1/nothing-here"),  # a 404 from the framework
                await tls.get("/health"),
            ]
        assert [r.status_code for r in responses] == [201, 200, 404, 404, 200]
        for response in responses:
            assert response.headers["strict-transport-security"] == f"max-age={HSTS_MAX_AGE}"
    finally:
        await tenant.close()


def test_trusted_proxies_must_be_addresses_or_networks() -> None:
    assert Settings(trusted_proxies="10.0.0.0/8,192.0.2.7, 2001:db8::/32").trusted_proxies
    for bad in ["10.0.0.0/33", "proxy.internal", "10.0.0.1;10.0.0.2"]:
        with pytest.raises(ValueError, match="not an IP address or CIDR network"):
            Settings(trusted_proxies=bad)
