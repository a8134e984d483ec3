"""Failed sign-ins are limited per (account, client address) and per address, and an account under
attack slows down attempts from addresses its user never signed in from, so that nobody can lock a
user out: from an address the user has signed in from before, the right password still works."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from redcore_server.app import create_app
from tests import support
from tests.support import Tenant
from tests.support.responses import assert_error
from tests.support.sessions import PASSWORD, email

REDIS_URL = "redis://127.0.0.1:6379/15"


@asynccontextmanager
async def throttled(database_url: str, **limits: Any) -> AsyncIterator[tuple[Tenant, dict[str, Any]]]:
    """An app with these sign-in limits, a tenant, and one of its users (who has a password)."""
    settings = support.test_settings(database_url, embedded_worker=False, **limits)
    async with support.running(create_app(settings)) as app:
        tenant = await support.make_tenant(app)
        try:
            yield tenant, await tenant.create_user(email=email(), password=PASSWORD)
        finally:
            await tenant.close()


async def attempt(tenant: Tenant, who: dict[str, Any], password: str, address: str) -> httpx.Response:
    """``POST /v1/auth/token`` from the client address ``address``."""
    transport = httpx.ASGITransport(app=tenant.app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        body = {"organization": tenant.org.id, "email": who["email"], "password": password}
        return await client.post("/v1/auth/token", json=body)


def refused(response: httpx.Response) -> int:
    """The ``Retry-After`` of a 429 ``rate_limit_exceeded``."""
    assert_error(response, 429, "rate_limit_exceeded")
    return int(response.headers["retry-after"])


async def test_ten_failures_from_one_address_no_longer_lock_the_account(database_url: str) -> None:
    """The defaults: ten wrong passwords from one address throttle that address for that account,
    and the user signs in from another address at once (before, the account was locked 15 minutes)."""
    async with throttled(database_url, signin_failure_limit=10, signin_backoff_threshold=10) as (tenant, user):
        for _ in range(10):
            assert_error(await attempt(tenant, user, "wrong", "203.0.113.9"), 401, "invalid_credentials")
        assert 1 <= refused(await attempt(tenant, user, PASSWORD, "203.0.113.9")) <= 900  # right, but that pair waits
        assert (await attempt(tenant, user, PASSWORD, "198.51.100.7")).status_code == 200


async def test_the_limit_per_account_and_address(database_url: str) -> None:
    async with throttled(database_url, signin_failure_limit=3, signin_address_limit=6) as (tenant, user):
        other = await tenant.create_user(email=email(), password=PASSWORD)
        for _ in range(3):
            assert_error(await attempt(tenant, user, "wrong", "192.0.2.1"), 401, "invalid_credentials")
        assert refused(await attempt(tenant, user, PASSWORD, "192.0.2.1")) >= 1  # not even checked
        assert (await attempt(tenant, other, PASSWORD, "192.0.2.1")).status_code == 200  # another account
        assert (await attempt(tenant, user, PASSWORD, "192.0.2.2")).status_code == 200  # another address

        # One address trying many accounts: its sixth failure, whatever the account, and it waits.
        for _ in range(2):
            assert_error(await attempt(tenant, other, "wrong", "192.0.2.1"), 401, "invalid_credentials")
        assert_error(await attempt(tenant, {"email": email()}, "wrong", "192.0.2.1"), 401, "invalid_credentials")
        refused(await attempt(tenant, other, PASSWORD, "192.0.2.1"))


async def test_concurrent_guesses_cannot_slip_past_the_limits(database_url: str) -> None:
    """Attempts are counted before the password is checked, so a burst gets no more checks than the
    limits allow: twelve at once from one address (limit 3), then twelve from twelve new addresses
    on the account past its threshold (3): one of those is checked, the rest wait."""
    limits = {"signin_failure_limit": 3, "signin_backoff_threshold": 3}
    async with throttled(database_url, **limits) as (tenant, user):
        burst = await asyncio.gather(*(attempt(tenant, user, f"guess {i}", "192.0.2.7") for i in range(12)))
        assert sorted(r.status_code for r in burst) == [401] * 3 + [429] * 9
        spread = await asyncio.gather(*(attempt(tenant, user, f"guess {i}", f"192.0.2.{100 + i}") for i in range(12)))
        assert sorted(r.status_code for r in spread) == [401] + [429] * 11


async def test_successful_sign_ins_do_not_count_against_the_limits(database_url: str) -> None:
    async with throttled(database_url, signin_failure_limit=2, signin_backoff_threshold=2) as (tenant, user):
        for _ in range(6):
            assert (await attempt(tenant, user, PASSWORD, "192.0.2.3")).status_code == 200
        assert_error(await attempt(tenant, user, "typo", "192.0.2.3"), 401, "invalid_credentials")
        assert (await attempt(tenant, user, PASSWORD, "192.0.2.3")).status_code == 200


async def test_an_ipv6_client_counts_as_its_64(database_url: str) -> None:
    async with throttled(database_url, signin_failure_limit=2) as (tenant, user):
        for address in ("2001:db8:0:1::1", "2001:db8:0:1::2"):
            assert_error(await attempt(tenant, user, "wrong", address), 401, "invalid_credentials")
        refused(await attempt(tenant, user, PASSWORD, "2001:db8:0:1:ffff::3"))  # same /64
        assert (await attempt(tenant, user, PASSWORD, "2001:db8:0:2::1")).status_code == 200


async def test_past_the_threshold_unknown_addresses_are_spaced_out_with_growing_waits(database_url: str) -> None:
    """Three failures from anywhere, then one attempt per 1 s, 2 s, 2 s (the cap) from addresses the
    user never signed in from; in between, 429 (even for the right password) with Retry-After."""
    limits = {"signin_backoff_threshold": 3, "signin_backoff_max": 2}
    async with throttled(database_url, **limits) as (tenant, user):
        addresses = iter(f"198.51.100.{i}" for i in range(1, 100))  # every attempt from a new address
        for _ in range(3):
            assert_error(await attempt(tenant, user, "wrong", next(addresses)), 401, "invalid_credentials")
        waits = []
        for _ in range(3):
            assert_error(await attempt(tenant, user, "wrong", next(addresses)), 401, "invalid_credentials")
            wait = refused(await attempt(tenant, user, PASSWORD, next(addresses)))
            assert refused(await attempt(tenant, user, "wrong", next(addresses))) == wait
            waits.append(wait)
            await asyncio.sleep(wait + 0.05)
        assert waits == [1, 2, 2]
        assert (await attempt(tenant, user, PASSWORD, next(addresses))).status_code == 200  # the wait is over


@pytest.mark.parametrize("redis_url", [None, REDIS_URL], ids=["memory", "redis"])
async def test_an_attacker_elsewhere_cannot_keep_the_user_out(database_url: str, redis_url: str | None) -> None:
    """The user signed in from 192.0.2.50 before. An attacker hammers the account from twenty other
    addresses: they get 401s, then 429s; the user, from 192.0.2.50, signs in every time meanwhile."""
    limits = {"signin_failure_limit": 5, "signin_backoff_threshold": 5, "signin_backoff_max": 60}
    limits["redis_url"] = redis_url
    limits["redis_timeout"] = 5.0  # a loaded test machine may be slow to connect: that is no outage here
    async with throttled(database_url, **limits) as (tenant, user):
        assert (await attempt(tenant, user, PASSWORD, "192.0.2.50")).status_code == 200  # now a known address
        attacker = [f"203.0.113.{i}" for i in range(1, 21)]

        async def hammer() -> list[int]:
            return [(await attempt(tenant, user, f"guess {i}", attacker[i % 20])).status_code for i in range(120)]

        async def the_user() -> list[int]:
            statuses = []
            for i in range(6):
                await asyncio.sleep(0.05)
                if i == 2:  # a typo does not hurt either
                    statuses.append((await attempt(tenant, user, "typo", "192.0.2.50")).status_code)
                statuses.append((await attempt(tenant, user, PASSWORD, "192.0.2.50")).status_code)
            return statuses

        attacks, users = await asyncio.gather(hammer(), the_user())
        assert set(attacks) == {401, 429}
        assert attacks.count(401) < 20  # the threshold, then one guess per growing wait
        assert users == [200, 200, 401, 200, 200, 200, 200]

        # A new device of the user's, during the attack, waits its turn like any unknown address.
        wait = refused(await attempt(tenant, user, PASSWORD, "198.51.100.77"))
        assert 1 <= wait <= 60


async def test_known_addresses_go_with_the_user(database_url: str) -> None:
    async with throttled(database_url) as (tenant, user):
        assert (await attempt(tenant, user, PASSWORD, "192.0.2.60")).status_code == 200
        db = tenant.app.state.db
        count = "SELECT count(*) FROM sign_in_addresses WHERE user_id = $1"
        assert await db.fetchval(count, user["id"]) == 1
        assert (await tenant.client.delete(f"/v1/users/{user['id']}")).status_code == 204
        assert await db.fetchval(count, user["id"]) == 0
