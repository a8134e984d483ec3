from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from redcore_server.text import HttpUrl, MultiLine, SingleLine

EVENT_TYPES: tuple[str, ...] = (
    "user.created",
    "user.updated",
    "user.deleted",
    "product.created",
    "product.updated",
    "product.deleted",
    "user.signed_in",
    "user.password_changed",
    "user.password_reset",
    "user.email_verified",
    "api_key.created",
    "api_key.revoked",
    "api_key.rolled",
    "organization.updated",
    "team.created",
    "team.updated",
    "team.deleted",
    "team.member_added",
    "team.member_removed",
    "role.created",
    "role.updated",
    "role.deleted",
    "import.completed",
)
DeliveryStatus = Literal["pending", "succeeded", "failed"]
ENDPOINT_ID_PREFIX = "we"  # endpoint ids are ``we_…`` (``ids.new_id``)
DELIVERY_ID_PREFIX = "msg"  # delivery ids are ``msg_…``, the ``webhook-id`` receivers de-duplicate on

Url = Annotated[
    str, msgspec.Meta(min_length=1, max_length=2048, description="http(s) URL that receives the events"), HttpUrl
]
Description = Annotated[
    str, msgspec.Meta(max_length=500, description="A note for people: what this endpoint is"), MultiLine
]
EventType = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=64,
        description="`user.created`, `product.*`…",
        extra_json_schema={"enum": list(EVENT_TYPES)},
    ),
    SingleLine,
]
EventTypes = Annotated[
    list[EventType], msgspec.Meta(min_length=1, max_length=len(EVENT_TYPES), description="null: every event type")
]
GracePeriod = Annotated[
    int, msgspec.Meta(ge=0, le=604_800, description="Seconds the old secret keeps signing (0–604800, default 86400)")
]


class WebhookEndpoint(msgspec.Struct, omit_defaults=True):
    """Where events are delivered. ``secret`` is shown only when it is made (creation, rotation)."""

    id: str
    url: str
    description: str | None
    event_types: list[str] | None
    enabled: bool
    disabled_reason: str | None
    previous_secret_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime
    secret: str | None = None


class WebhookEndpointCreate(msgspec.Struct, forbid_unknown_fields=True):
    """`event_types` null or omitted: every event type."""

    url: Url
    description: Description | None = None
    event_types: EventTypes | None = None
    enabled: bool = True


class WebhookEndpointUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields given change. Enabling an endpoint clears its `disabled_reason`."""

    url: Url | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType | None = msgspec.UNSET
    event_types: EventTypes | msgspec.UnsetType | None = msgspec.UNSET
    enabled: bool | msgspec.UnsetType = msgspec.UNSET


class RotateSecret(msgspec.Struct, forbid_unknown_fields=True):
    grace_period: GracePeriod = 86_400


class WebhookAttempt(msgspec.Struct):
    """One try at delivering: the HTTP status (null when no response came), how long it took, and
    what went wrong or the start of what the receiver answered."""

    attempt: int
    created_at: datetime
    status_code: int | None
    duration_ms: int
    error: str | None
    response_excerpt: str | None


class WebhookDelivery(msgspec.Struct):
    """One event for one endpoint. ``id`` is the ``webhook-id`` header, the same on every attempt.
    ``attempt_count`` counts attempts started, so it includes one in flight (or one whose worker
    stopped before recording it); ``attempts`` lists those that finished."""

    id: str
    endpoint_id: str
    event_id: str
    event_type: str
    status: DeliveryStatus
    attempt_count: int
    next_attempt_at: datetime | None
    created_at: datetime
    updated_at: datetime
    attempts: list[WebhookAttempt] = msgspec.field(default_factory=list)


class WebhookPayload(msgspec.Struct):
    """The body a receiver gets: the event, without who made it."""

    id: str
    type: str
    created_at: datetime
    data: msgspec.Raw
