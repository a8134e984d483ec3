"""One attempt in isolation: the send-time address check, pinning to the checked address, signing
with every active secret, and the retry schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from standardwebhooks.webhooks import Webhook

from redcore_server.config import Settings
from redcore_server.webhooks.dispatcher import DeliveryConfig
from redcore_server.webhooks.sender import new_session, send, signed_headers
from redcore_server.webhooks.service import new_secret
from tests.receiver import Receiver


async def test_the_address_is_checked_again_at_send_time(receiver: Receiver) -> None:
    async with new_session(4, 2) as client:
        outcome = await send(client, receiver.url, "msg_1", b"{}", [new_secret()], time_limit=2, allow_private=False)
    assert not outcome.succeeded
    assert outcome.status_code is None
    assert outcome.error is not None and outcome.error.startswith("refused: resolves to a non-public address")
    assert receiver.requests == []


async def test_a_name_is_resolved_once_and_the_checked_address_is_used(receiver: Receiver) -> None:
    secret = new_secret()
    async with new_session(4, 2) as client:
        outcome = await send(
            client,
            f"http://localhost:{receiver.port}/hook?x=1",
            "msg_2",
            b'{"a":1}',
            [secret],
            time_limit=2,
            allow_private=True,
        )
    assert outcome.succeeded, outcome
    [request] = receiver.requests
    assert request.headers["host"] == f"localhost:{receiver.port}"  # the URL's own host, though sent to an address
    assert request.path == "/hook?x=1"
    assert Webhook(secret).verify(request.body, request.headers) == {"a": 1}


async def test_an_unreachable_receiver_is_an_error_not_an_exception() -> None:
    async with new_session(4, 2) as client:
        outcome = await send(
            client, "http://127.0.0.1:9/hook", "msg_3", b"{}", [new_secret()], time_limit=2, allow_private=True
        )
    assert outcome.status_code is None
    assert outcome.error is not None and "ClientConnectorError" in outcome.error


def test_every_active_secret_signs() -> None:
    old, new = new_secret(), new_secret()
    headers = signed_headers("msg_4", '{"b":2}', [new, old])
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        assert Webhook(secret).verify(b'{"b":2}', headers) == {"b": 2}
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(new_secret()).verify(b'{"b":2}', headers)


def test_the_retry_schedule_backs_off_then_gives_up() -> None:
    config = DeliveryConfig(retry_delays=(5, 300, 1800))
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for attempt, delay in ((1, 5), (2, 300), (3, 1800)):
        due = config.next_attempt(attempt, now)
        assert due is not None
        assert timedelta(seconds=delay) <= due - now <= timedelta(seconds=delay * 1.1)
    assert config.next_attempt(4, now) is None
    default = Settings(database_url="sqlite:///unused.db")
    assert default.webhook_retry_delays == (5, 300, 1800, 7200, 18000, 36000, 36000)  # Standard Webhooks' example
    assert DeliveryConfig.from_settings(default).lease >= timedelta(seconds=default.webhook_timeout)


@pytest.mark.parametrize("schedule", ["5,soon", "-1", ",".join(["1"] * 51)])
def test_a_bad_retry_schedule_is_refused_at_start(schedule: str) -> None:
    with pytest.raises(ValidationError, match="retry"):
        Settings(database_url="sqlite:///unused.db", webhook_retry_schedule=schedule)
