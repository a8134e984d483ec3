"""``redcore.webhooks.verify``: what a receiver accepts and what it refuses, and why (no server).

Deliveries are signed here with ``standardwebhooks.Webhook(secret).sign``, as the server signs them.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from standardwebhooks import Webhook

from redcore import WebhookEvent
from redcore.exceptions import RedCoreError
from redcore.webhooks import WebhookVerificationError, verify

SECRET = "whsec_" + base64.b64encode(b"a secret of thirty-two bytes....").decode()
OTHER_SECRET = "whsec_" + base64.b64encode(b"another secret, thirty-two bytes").decode()
MSG_ID = "msg_2b7gYkQn5m"
EVENT = {
    "id": "evt_2b7gYkQn5m",
    "type": "user.created",
    "created_at": "2026-04-01T14:22:00Z",
    "data": {"id": "usr_98765", "email": "alice@example.com", "name": "Alice"},
}
PAYLOAD = json.dumps(EVENT).encode()


def signed(
    payload: bytes = PAYLOAD, *, secrets: tuple[str, ...] = (SECRET,), at: datetime | None = None
) -> dict[str, str]:
    """The headers of a delivery of ``payload`` signed with each of ``secrets`` at ``at`` (now)."""
    at = at or datetime.now(UTC)
    signatures = [Webhook(secret).sign(MSG_ID, at, payload.decode()) for secret in secrets]
    return {
        "webhook-id": MSG_ID,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }


def refused(payload: bytes | str, headers: dict[str, str], secret: str = SECRET) -> str:
    """The message of the WebhookVerificationError that ``verify`` raises."""
    with pytest.raises(WebhookVerificationError) as caught:
        verify(payload, headers, secret)
    assert isinstance(caught.value, RedCoreError)
    return str(caught.value)


def test_a_genuine_delivery_gives_its_typed_event() -> None:
    event = verify(PAYLOAD, signed(), SECRET)
    assert isinstance(event, WebhookEvent)
    assert (event.id, event.type, event.data["email"]) == ("evt_2b7gYkQn5m", "user.created", "alice@example.com")
    assert event.created_at == datetime(2026, 4, 1, 14, 22, tzinfo=UTC)
    assert verify(PAYLOAD.decode(), signed(), SECRET) == event  # the body as text works too


def test_headers_are_matched_case_insensitively_in_any_mapping() -> None:
    headers = signed()
    titled = {name.title(): value for name, value in headers.items()}  # Webhook-Id, ...
    assert verify(PAYLOAD, titled, SECRET).id == EVENT["id"]
    upper = httpx.Headers({name.upper(): value for name, value in headers.items()})
    assert verify(PAYLOAD, upper, SECRET).id == EVENT["id"]


def test_during_a_rotation_either_of_two_signatures_verifies() -> None:
    both = signed(secrets=(OTHER_SECRET, SECRET))  # the old secret's signature first: only the second is ours
    assert " " in both["webhook-signature"]
    assert verify(PAYLOAD, both, SECRET).id == EVENT["id"]
    assert verify(PAYLOAD, both, OTHER_SECRET).id == EVENT["id"]


def test_a_tampered_body_is_refused() -> None:
    tampered = PAYLOAD.replace(b"alice@example.com", b"mallory@example.com")
    message = refused(tampered, signed())
    assert "No signature" in message
    assert "body was altered" in message


def test_a_wrong_secret_is_refused() -> None:
    message = refused(PAYLOAD, signed(), OTHER_SECRET)
    assert "No signature" in message
    assert "secret is not this endpoint's" in message


def test_a_timestamp_six_minutes_old_is_refused() -> None:
    message = refused(PAYLOAD, signed(at=datetime.now(UTC) - timedelta(minutes=6)))
    assert "seconds old" in message
    assert "more than the 5 minutes" in message
    assert "replayed" in message


def test_a_timestamp_six_minutes_ahead_is_refused() -> None:
    message = refused(PAYLOAD, signed(at=datetime.now(UTC) + timedelta(minutes=6)))
    assert "seconds in the future" in message
    assert "more than the 5 minutes" in message


def test_a_timestamp_that_is_not_a_number_is_refused() -> None:
    message = refused(PAYLOAD, signed() | {"webhook-timestamp": "yesterday"})
    assert "'yesterday' is not a time in unix seconds" in message


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_header_is_named(missing: str) -> None:
    headers = {name: value for name, value in signed().items() if name != missing}
    message = refused(PAYLOAD, headers)
    assert message.startswith(f"Missing webhook header {missing}:")


def test_every_missing_header_is_named() -> None:
    message = refused(PAYLOAD, {"content-type": "application/json"})
    assert message.startswith("Missing webhook headers webhook-id, webhook-timestamp, webhook-signature:")
    assert refused(PAYLOAD, signed() | {"webhook-id": ""}).startswith("Missing webhook header webhook-id:")


@pytest.mark.parametrize("signature", ["v1", "v1AAAA", "v1,abc", "v1,a,b"])
def test_a_malformed_signature_header_is_refused(signature: str) -> None:
    message = refused(PAYLOAD, signed() | {"webhook-signature": signature})
    assert message.startswith(f"Malformed webhook-signature header {signature!r}")
    assert "'v1,<base64>'" in message


def test_a_signature_of_another_version_matches_nothing() -> None:
    message = refused(PAYLOAD, signed() | {"webhook-signature": "v2,AAAA"})
    assert "No signature" in message


@pytest.mark.parametrize("secret", ["", "whsec_", "whsec_a", "whsec_not base64!", "not a secret at all"])
def test_a_malformed_secret_is_refused(secret: str) -> None:
    message = refused(PAYLOAD, signed(), secret)
    assert message.startswith("Malformed webhook secret: expected 'whsec_' followed by base64")


def test_a_signed_payload_that_is_not_an_event_is_refused() -> None:
    payload = b'{"hello": "world"}'
    message = refused(payload, signed(payload))
    assert "signed, but its payload is not a RedCore event" in message
    assert refused(b"\xff\xfe", signed()).startswith("The webhook payload is not UTF-8 text")
