"""Retries, back-off, ``Retry-After``, idempotency keys, timeouts and error mapping (``_base.py``),
against the scripted server (``tests/sdk/scripted.py``). Both clients go through every test.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from redcore import Client
from redcore._base import _retry_after
from redcore.exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    DuplicateError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    RateLimitError,
    ServerError,
    ValidationError,
)
from tests.sdk.helpers import done
from tests.sdk.scripted import USER, Reply, ScriptedAPI, error
from tests.support import free_port


async def test_429_is_retried_after_retry_after(scripted: ScriptedAPI, client_for: Callable[..., Any]) -> None:
    scripted.script(Reply(429, error(429, "rate_limit_exceeded").body, {"Retry-After": "1"}), Reply(200, USER))
    raw = await done(client_for().users.with_raw_response.get("usr_1"))
    assert raw.parse().id == "usr_1"
    assert raw.retries_taken == 1
    assert [s.path for s in scripted.seen] == ["/v1/users/usr_1"] * 2
    waited = scripted.seen[1].at - scripted.seen[0].at
    assert 0.9 <= waited < 5  # Retry-After: 1 was honoured (generous upper bound)


async def test_503_is_retried_with_backoff(scripted: ScriptedAPI, client_for: Callable[..., Any]) -> None:
    scripted.script(error(503, "service_unavailable"), Reply(200, USER))
    user = await done(client_for().users.get("usr_1"))
    assert user.email == "a@example.com"
    assert len(scripted.seen) == 2
    waited = scripted.seen[1].at - scripted.seen[0].at
    assert 0.3 <= waited < 3  # the first back-off: 0.5 s less up to 25 % jitter


async def test_5xx_after_the_last_retry_is_a_server_error(
    scripted: ScriptedAPI, client_for: Callable[..., Any]
) -> None:
    replies = [Reply(500, error(500, "internal_error").body, {"Retry-After": "0"}) for _ in range(4)]
    scripted.script(*replies)
    with pytest.raises(ServerError) as caught:
        await done(client_for(max_retries=2).users.get("usr_1"))
    assert len(scripted.seen) == 3  # one attempt and two retries
    assert (caught.value.status, caught.value.code, caught.value.request_id) == (500, "internal_error", "req_scripted")


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, "validation_error", ValidationError),
        (400, "invalid_json", ValidationError),
        (401, "invalid_api_key", AuthenticationError),
        (403, "insufficient_scope", PermissionDeniedError),
        (404, "not_found", NotFoundError),
        (405, "method_not_allowed", APIError),
        (409, "duplicate_sku", DuplicateError),
        (412, "precondition_failed", PreconditionFailedError),
        (413, "payload_too_large", APIError),
        (415, "unsupported_media_type", APIError),
    ],
)
async def test_other_4xx_are_not_retried(
    scripted: ScriptedAPI, client_for: Callable[..., Any], status: int, code: str, cls: type[APIError]
) -> None:
    scripted.script(error(status, code), Reply(200, USER))
    with pytest.raises(cls) as caught:
        await done(client_for().users.get("usr_1"))
    assert type(caught.value) is cls
    assert (caught.value.status, caught.value.code) == (status, code)
    assert len(scripted.seen) == 1


async def test_max_retries_0_surfaces_rate_limit_error(scripted: ScriptedAPI, client_for: Callable[..., Any]) -> None:
    scripted.script(Reply(429, error(429, "rate_limit_exceeded").body, {"Retry-After": "7"}), Reply(200, USER))
    with pytest.raises(RateLimitError) as caught:
        await done(client_for(max_retries=0).users.get("usr_1"))
    assert caught.value.retry_after == 7.0
    assert (caught.value.status, caught.value.code) == (429, "rate_limit_exceeded")
    assert caught.value.headers["retry-after"] == "7"
    assert len(scripted.seen) == 1


async def test_a_retry_after_beyond_a_minute_is_left_to_the_caller(
    scripted: ScriptedAPI, client_for: Callable[..., Any]
) -> None:
    scripted.script(Reply(429, error(429, "rate_limit_exceeded").body, {"Retry-After": "120"}), Reply(200, USER))
    with pytest.raises(RateLimitError) as caught:
        await done(client_for(max_retries=2).users.get("usr_1"))
    assert caught.value.retry_after == 120.0
    assert len(scripted.seen) == 1


async def test_each_post_has_one_idempotency_key_reused_across_its_retries(
    scripted: ScriptedAPI, client_for: Callable[..., Any]
) -> None:
    quick_503 = Reply(503, error(503, "service_unavailable").body, {"Retry-After": "0"})
    scripted.script(quick_503, quick_503, Reply(201, USER), Reply(201, USER), Reply(200, USER))
    client = client_for()
    await done(client.users.create(email="a@example.com", name="A"))
    await done(client.users.create(email="b@example.com", name="B"))
    await done(client.users.get("usr_1"))

    keys = [s.headers.get("idempotency-key") for s in scripted.seen]
    assert [s.method for s in scripted.seen] == ["POST"] * 4 + ["GET"]
    first = keys[0]
    assert first is not None
    assert uuid.UUID(first)
    assert keys[:3] == [first] * 3  # the same key on every attempt of the first POST
    assert keys[3] is not None
    assert keys[3] != first  # a new key for the next POST
    assert keys[4] is None  # none on a GET
    assert json.loads(scripted.seen[0].body) == {"email": "a@example.com", "name": "A"}
    assert scripted.seen[0].headers["content-type"] == "application/json"
    assert scripted.seen[0].headers["authorization"] == "Bearer sk_test_scripted"


async def test_a_timeout_is_retried_then_raised(scripted: ScriptedAPI, client_for: Callable[..., Any]) -> None:
    scripted.script(Reply(200, USER, delay=1.5), Reply(200, USER))
    user = await done(client_for(timeout=0.3, max_retries=1).users.get("usr_1"))
    assert user.id == "usr_1"
    assert len(scripted.seen) == 2

    scripted.script(Reply(200, USER, delay=1.5))
    with pytest.raises(APITimeoutError) as caught:
        await done(client_for(timeout=0.3, max_retries=0).users.get("usr_1"))
    assert isinstance(caught.value, APIConnectionError)


@pytest.mark.parametrize("refresh", [False, True], ids=["get", "refresh"])
async def test_connection_refused_is_retried_then_raised(
    kind: str, make_client: Callable[..., Any], refresh: bool
) -> None:
    """Even a refresh, which is never sent twice: a connection refused means nothing was sent."""
    attempts: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        attempts.append(request)

    http: httpx.Client | httpx.AsyncClient = (
        httpx.Client(event_hooks={"request": [attempts.append]})
        if kind == "sync"
        else httpx.AsyncClient(event_hooks={"request": [record]})
    )
    client = make_client(base_url=f"http://127.0.0.1:{free_port()}/v1", max_retries=2, http_client=http)
    with pytest.raises(APIConnectionError) as caught:
        await done(client.auth.refresh("rcr_1") if refresh else client.users.get("usr_1"))
    assert not isinstance(caught.value, APITimeoutError)
    assert "127.0.0.1" in caught.value.message
    assert len(attempts) == 3
    if isinstance(http, httpx.Client):
        http.close()  # noqa: ASYNC212 - the sync client under test blocks by design
    else:
        await http.aclose()


async def test_an_error_body_that_is_not_the_apis(scripted: ScriptedAPI, client_for: Callable[..., Any]) -> None:
    scripted.script(Reply(502, b"<html>Bad gateway</html>", {"X-Request-Id": "req_from_header"}))
    with pytest.raises(ServerError) as caught:
        await done(client_for(max_retries=0).users.get("usr_1"))
    assert (caught.value.status, caught.value.code) == (502, "http_502")
    assert caught.value.message == "Bad Gateway"
    assert caught.value.request_id == "req_from_header"


async def test_an_unreadable_success_body(scripted: ScriptedAPI, client_for: Callable[..., Any]) -> None:
    from redcore.exceptions import APIResponseValidationError

    scripted.script(Reply(200, {"id": 1}))
    with pytest.raises(APIResponseValidationError):
        await done(client_for().users.get("usr_1"))


def test_retry_after_as_seconds_or_http_date() -> None:
    def response(value: str) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": value})

    assert _retry_after(response("3")) == 3.0
    assert _retry_after(response("0.5")) == 0.5
    assert _retry_after(response("-4")) == 0.0
    assert _retry_after(response("soon")) is None
    assert _retry_after(httpx.Response(429)) is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    seconds = _retry_after(response(later))
    assert seconds is not None
    assert 25 < seconds <= 30


def test_sync_client_sleeps_with_time_sleep(scripted: ScriptedAPI, scripted_server: tuple[ScriptedAPI, str]) -> None:
    """No event loop needed for the blocking client (this test is not async)."""
    scripted.script(error(503, "service_unavailable"), Reply(200, USER))
    with Client(api_key="k", base_url=scripted_server[1]) as client:
        assert client.users.get("usr_1").id == "usr_1"
    assert len(scripted.seen) == 2
