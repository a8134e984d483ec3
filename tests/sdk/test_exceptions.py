"""Each exception the real server can cause, with the contract's fields, from both clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from redcore import exceptions
from redcore.exceptions import (
    APIError,
    AuthenticationError,
    DuplicateError,
    NotFoundError,
    PermissionDeniedError,
    RedCoreError,
    ValidationError,
)
from tests.sdk.helpers import done, unique


def _check_common(error: APIError, status: int, code: str) -> None:
    assert isinstance(error, APIError)
    assert isinstance(error, RedCoreError)
    assert error.status == status
    assert error.code == code
    assert error.message
    assert error.request_id is not None
    assert error.request_id.startswith("req_")
    assert error.request_id == error.headers["x-request-id"]
    assert str(error).startswith(f"{status} {code}: ")


async def test_401_authentication_error(make_client: Callable[..., Any]) -> None:
    client = make_client(api_key="sk_live_not_a_real_key")
    with pytest.raises(AuthenticationError) as caught:
        await done(client.users.list())
    _check_common(caught.value, 401, "invalid_api_key")
    assert caught.value.headers["www-authenticate"].startswith("Bearer")


async def test_403_permission_denied_names_the_scope(make_client: Callable[..., Any], readonly_key: str) -> None:
    client = make_client(api_key=readonly_key)
    assert (await done(client.users.list(limit=1))).meta.total >= 0  # users:read is enough to read
    with pytest.raises(PermissionDeniedError) as caught:
        await done(client.users.create(email=f"{unique()}@example.com", name="Not allowed"))
    _check_common(caught.value, 403, "insufficient_scope")
    assert "users:write" in caught.value.message
    with pytest.raises(PermissionDeniedError) as products:
        await done(client.products.list())
    assert "products:read" in products.value.message


async def test_404_not_found(api: Any) -> None:
    with pytest.raises(NotFoundError) as caught:
        await done(api.users.get("usr_98765"))
    _check_common(caught.value, 404, "not_found")
    with pytest.raises(NotFoundError):
        await done(api.products.get("prod_00123"))


async def test_400_validation_error_with_details(api: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        await done(api.users.create(email="x", name="Too short an email"))
    _check_common(caught.value, 400, "validation_error")
    assert caught.value.details == [{"field": "email", "issue": caught.value.details[0]["issue"]}]
    assert caught.value.details[0]["issue"]

    with pytest.raises(ValidationError) as listing:
        await done(api.users.list(limit=1000))  # out of range: refused, never clamped
    assert listing.value.status == 400
    with pytest.raises(ValidationError) as combined:
        await done(api.users.list(offset=10, page=2))
    assert combined.value.details


async def test_409_duplicate(api: Any) -> None:
    email = f"{unique()}@example.com"
    await done(api.users.create(email=email, name="First"))
    with pytest.raises(DuplicateError) as caught:
        await done(api.users.create(email=email, name="Second"))
    _check_common(caught.value, 409, "duplicate_email")


def test_every_contract_exception_is_importable_from_redcore_exceptions() -> None:
    names = [
        "APIError",
        "AuthenticationError",
        "PermissionDeniedError",
        "NotFoundError",
        "ValidationError",
        "DuplicateError",
        "RateLimitError",
        "ServerError",
        "APIConnectionError",
        "PreconditionFailedError",
    ]
    for name in names:
        cls = getattr(exceptions, name)
        assert issubclass(cls, RedCoreError)
        if name != "APIConnectionError":
            assert issubclass(cls, APIError)
    assert not issubclass(exceptions.APIConnectionError, APIError)  # no response: no status or code
    assert issubclass(exceptions.APITimeoutError, exceptions.APIConnectionError)
