"""Users who sign in: a member with a password, their tokens, and clients that use them."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from litestar import Litestar

from tests import support
from tests.support import Tenant

PASSWORD = "correct horse battery"


def email() -> str:
    return f"{uuid.uuid4().hex[:10]}@example.com"


async def member(tenant: Tenant, role: str = "viewer", **fields: Any) -> dict[str, Any]:
    return await tenant.create_user(**({"email": email(), "role": role, "password": PASSWORD} | fields))


async def sign_in(tenant: Tenant, user_email: str, password: str = PASSWORD, **headers: str) -> httpx.Response:
    async with support.http_client(tenant.app) as anonymous:
        body = {"organization": tenant.org.id, "email": user_email, "password": password}
        return await anonymous.post("/v1/auth/token", json=body, headers=headers)


async def tokens(tenant: Tenant, user_email: str) -> dict[str, Any]:
    response = await sign_in(tenant, user_email)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def as_user(app: Litestar, access_token: str) -> httpx.AsyncClient:
    return support.http_client(app, access_token)


async def refresh(app: Litestar, refresh_token: str) -> httpx.Response:
    async with support.http_client(app) as anonymous:
        return await anonymous.post("/v1/auth/refresh", json={"refresh_token": refresh_token})
