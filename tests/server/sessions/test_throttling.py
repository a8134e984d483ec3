"""Failed sign-ins are limited per account and per client address; while an account is throttled
not even its right password is checked."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar import Litestar

from redcore_server.app import create_app
from tests import support
from tests.server.sessions.test_sign_in import PASSWORD, email
from tests.server.users.test_routes import assert_error


@pytest.fixture
async def strict_app(database_url: str) -> AsyncIterator[Litestar]:
    settings = support.test_settings(
        database_url, signin_failure_limit=3, signin_address_limit=6, embedded_worker=False
    )
    async with support.running(create_app(settings)) as app:
        yield app


async def test_an_account_is_throttled_after_its_failures(strict_app: Litestar) -> None:
    tenant = await support.make_tenant(strict_app)
    try:
        target, bystander = await tenant.create_user(email=email(), password=PASSWORD), None
        bystander = await tenant.create_user(email=email(), password=PASSWORD)
        async with support.http_client(strict_app) as anonymous:

            async def attempt(who: dict, password: str):
                body = {"organization": tenant.org.id, "email": who["email"], "password": password}
                return await anonymous.post("/v1/auth/token", json=body)

            for _ in range(3):
                assert_error(await attempt(target, "not the password"), 401, "invalid_credentials")
            throttled = await attempt(target, PASSWORD)  # right, but too late
            assert_error(throttled, 429, "rate_limit_exceeded")
            assert int(throttled.headers["retry-after"]) >= 1
            assert (await attempt(bystander, PASSWORD)).status_code == 200  # other accounts are not affected

            for _ in range(2):  # the address's sixth failure…
                assert_error(await attempt(bystander, "wrong again"), 401, "invalid_credentials")
            assert_error(await attempt({"email": email()}, "whatever"), 401, "invalid_credentials")
            assert_error(await attempt(bystander, PASSWORD), 429, "rate_limit_exceeded")  # …and the address waits
    finally:
        await tenant.close()
