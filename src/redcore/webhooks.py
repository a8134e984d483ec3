"""Receiving RedCore's webhooks: check that a delivery is genuine, then read its event.

RedCore signs each delivery per the Standard Webhooks specification, with the endpoint's
``whsec_`` secret (the ``secret`` of ``client.webhook_endpoints.create`` or ``rotate_secret``).
:func:`verify` checks the signature and the timestamp with the ``standardwebhooks`` library and
answers the typed event; pass it the body *exactly as received* (bytes), before any JSON parsing::

    from redcore.webhooks import WebhookVerificationError, verify

    def receive(body: bytes, headers) -> int:  # in your web framework's handler
        try:
            event = verify(body, headers, secret=os.environ["REDCORE_WEBHOOK_SECRET"])
        except WebhookVerificationError:
            return 400  # forged, altered, replayed or stale: do not act on it
        if event.type == "user.created":
            ...
        return 200  # anything 2xx acknowledges; RedCore retries the rest

A delivery may come more than once (retries, ``retry_delivery``): its ``webhook-id`` header stays
the same, so receivers can skip one they have already handled.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping

import msgspec
import standardwebhooks
from standardwebhooks.webhooks import EmptyWebhookSecretError

from redcore.exceptions import WebhookVerificationError
from redcore.types import WebhookEvent

__all__ = ["TOLERANCE_SECONDS", "WebhookEvent", "WebhookVerificationError", "verify"]

TOLERANCE_SECONDS = 5 * 60  # how far a webhook-timestamp may be from now (the library's, stated for messages)
HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
_SECRET = re.compile(r"(whsec_)?[A-Za-z0-9+/]+={0,2}")  # the library would quietly accept garbage


def verify(payload: bytes | str, headers: Mapping[str, str], secret: str) -> WebhookEvent:
    """The event a webhook delivery carries, once its signature and timestamp check out.

    Args:
        payload: the request body as received (bytes, or the same text decoded as UTF-8).
        headers: the request headers, any mapping (a dict, ``httpx.Headers``, a framework's); names
            are matched case-insensitively.
        secret: the endpoint's ``whsec_…`` secret. During a rotation's grace period a delivery
            carries signatures by the old and the new secret, and either one verifies it.

    Raises:
        WebhookVerificationError: with a message saying why: a header is missing, the signature
            header is malformed, no signature matches (the body was altered, or the secret is
            another endpoint's), the timestamp is more than 5 minutes old or ahead, the secret is
            malformed, or the signed body is not an event.
    """
    found = {str(name).lower(): value for name, value in headers.items()}
    missing = [name for name in HEADERS if not found.get(name)]
    if missing:
        raise WebhookVerificationError(
            f"Missing webhook header{'s' if len(missing) > 1 else ''} {', '.join(missing)}: "
            "is this a RedCore webhook delivery, and are all of its headers passed?"
        )
    webhook = _webhook(secret)
    if isinstance(payload, bytes):
        try:
            payload = payload.decode("utf-8")
        except UnicodeDecodeError as e:
            raise WebhookVerificationError(f"The webhook payload is not UTF-8 text: {e}") from e
    try:
        webhook.verify(payload, {name: found[name] for name in HEADERS}, json_parse=False)
    except standardwebhooks.WebhookVerificationError as e:
        raise WebhookVerificationError(_explain(str(e), found["webhook-timestamp"])) from e
    except ValueError as e:  # "v1" without a comma, a signature that is not base64
        raise WebhookVerificationError(
            f"Malformed webhook-signature header {found['webhook-signature']!r}: expected space-separated "
            f"'v1,<base64>' signatures ({e})"
        ) from e
    try:
        return msgspec.json.decode(payload, type=WebhookEvent)
    except (msgspec.DecodeError, msgspec.ValidationError) as e:
        raise WebhookVerificationError(f"The webhook is signed, but its payload is not a RedCore event: {e}") from e


def _webhook(secret: str) -> standardwebhooks.Webhook:
    malformed = (
        "Malformed webhook secret: expected 'whsec_' followed by base64, as webhook_endpoints.create "
        "and rotate_secret return it"
    )
    if not isinstance(secret, str) or not _SECRET.fullmatch(secret):
        raise WebhookVerificationError(malformed)
    try:
        return standardwebhooks.Webhook(secret)
    except (ValueError, EmptyWebhookSecretError) as e:
        raise WebhookVerificationError(f"{malformed} ({e})") from e


def _explain(reason: str, timestamp: str) -> str:
    """The library's terse reason, said in full."""
    if reason == "No matching signature found":
        return (
            "No signature in the webhook-signature header matches this payload and secret: the body was "
            "altered (verify the raw bytes as received, before any JSON parsing) or the secret is not "
            "this endpoint's"
        )
    if reason == "Invalid Signature Headers":
        return f"The webhook-timestamp header {timestamp!r} is not a time in unix seconds"
    if reason in ("Message timestamp too old", "Message timestamp too new"):
        drift = round(time.time() - float(timestamp))
        if reason.endswith("old"):
            return (
                f"The webhook-timestamp is {drift} seconds old, more than the {TOLERANCE_SECONDS // 60} minutes "
                "allowed: a delayed or replayed delivery (or a wrong clock)"
            )
        return (
            f"The webhook-timestamp is {-drift} seconds in the future, more than the {TOLERANCE_SECONDS // 60} "
            "minutes allowed (is a clock wrong?)"
        )
    return f"Webhook verification failed: {reason}"
