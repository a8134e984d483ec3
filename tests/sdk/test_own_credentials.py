"""Calls that carry their own credential (``auth.sign_in``, ``auth.refresh``, ``auth.logout``):
what they send and what the SDK retries, against the scripted server (``tests/sdk/scripted.py``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from redcore.exceptions import (
    APITimeoutError,
    DuplicateError,
    ServerError,
)
from tests.sdk.helpers import done
from tests.sdk.scripted import TOKENS, USER, Reply, ScriptedAPI, error


async def test_signing_in_sends_no_key_and_needs_none(
    scripted: ScriptedAPI, make_client: Callable[..., Any], scripted_server: tuple[ScriptedAPI, str]
) -> None:
    scripted.script(Reply(200, TOKENS), Reply(200, TOKENS), Reply(204, b""))
    keyless = make_client(api_key=None, base_url=scripted_server[1])
    tokens = await done(keyless.auth.sign_in(organization="org_1", email="a@example.com", password="pw"))
    assert (tokens.access_token, tokens.session.id, tokens.user.id) == ("rca_scripted", "ses_1", "usr_1")
    assert "rca_scripted" not in repr(tokens)
    assert "rcr_scripted" not in repr(tokens)
    await done(make_client(api_key="sk_test_ignored", base_url=scripted_server[1]).auth.refresh("rcr_1"))
    await done(make_client(api_key=tokens.access_token, base_url=scripted_server[1]).auth.logout())

    sign_in, refresh, logout = scripted.seen
    assert (sign_in.method, sign_in.path, refresh.path, logout.path) == (
        "POST",
        "/v1/auth/token",
        "/v1/auth/refresh",
        "/v1/auth/logout",
    )
    assert json.loads(sign_in.body) == {"organization": "org_1", "email": "a@example.com", "password": "pw"}
    assert json.loads(refresh.body) == {"refresh_token": "rcr_1"}
    assert "authorization" not in sign_in.headers
    assert "authorization" not in refresh.headers  # the client's key stays home
    assert logout.headers["authorization"] == "Bearer rca_scripted"
    assert (logout.body, sign_in.headers["idempotency-key"] != refresh.headers["idempotency-key"]) == (b"", True)


async def test_a_refresh_is_retried_with_its_one_idempotency_key_and_a_logout_is_not(
    scripted: ScriptedAPI, client_for: Callable[..., Any]
) -> None:
    """A refresh that may have reached the server is retried with the same Idempotency-Key (the server
    answers it with the first answer, never as a stolen token's reuse); a logout, whose credential is
    the session it ends, is not re-sent after a 5xx or a timeout."""
    scripted.script(Reply(503, error(503, "service_unavailable").body, {"Retry-After": "0"}), Reply(200, TOKENS))
    raw = await done(client_for(max_retries=2).auth.with_raw_response.refresh("rcr_1"))
    assert (raw.retries_taken, raw.parse().refresh_token) == (1, "rcr_scripted")
    first, second = scripted.seen
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]

    scripted.script(Reply(200, TOKENS, delay=1.5), Reply(200, TOKENS))
    assert (await done(client_for(timeout=0.3, max_retries=2).auth.refresh("rcr_1"))).access_token == "rca_scripted"
    assert len(scripted.seen) == 2

    scripted.script(Reply(503, error(503, "service_unavailable").body, {"Retry-After": "0"}), Reply(204, b""))
    with pytest.raises(ServerError):
        await done(client_for(max_retries=2).auth.logout())
    assert len(scripted.seen) == 1
    scripted.script(Reply(204, b"", delay=1.5), Reply(204, b""))
    with pytest.raises(APITimeoutError):
        await done(client_for(timeout=0.3, max_retries=2).auth.logout())
    assert len(scripted.seen) == 1

    scripted.script(error(503, "service_unavailable"), Reply(200, TOKENS))
    tokens = await done(client_for().auth.sign_in(organization="org_1", email="a@example.com", password="pw"))
    assert (tokens.access_token, len(scripted.seen)) == ("rca_scripted", 2)  # a sign-in may be repeated


async def test_a_post_whose_key_is_still_in_use_is_retried_and_other_409s_are_not(
    scripted: ScriptedAPI, client_for: Callable[..., Any]
) -> None:
    in_use = Reply(409, error(409, "idempotency_key_in_use").body, {"Retry-After": "0"})
    scripted.script(in_use, Reply(201, USER))
    raw = await done(client_for().users.with_raw_response.create(email="a@example.com", name="A"))
    assert (raw.status_code, raw.retries_taken) == (201, 1)
    assert scripted.seen[0].headers["idempotency-key"] == scripted.seen[1].headers["idempotency-key"]

    scripted.script(Reply(409, error(409, "duplicate_email").body), Reply(201, USER))
    with pytest.raises(DuplicateError):
        await done(client_for().users.create(email="a@example.com", name="A"))
    assert len(scripted.seen) == 1
