"""Webhook endpoints and their deliveries, declared once (see ``kit/spec.py``).

Their changes are configuration and bookkeeping, not events of the organization's data: they record
no events."""

from __future__ import annotations

import msgspec

from redcore_server.kit.spec import ResourceSpec
from redcore_server.webhooks.schemas import DELIVERY_ID_PREFIX, ENDPOINT_ID_PREFIX, WebhookDelivery, WebhookEndpoint

ENDPOINTS = ResourceSpec(
    name="webhook_endpoints",
    noun="webhook endpoint",
    id_prefix=ENDPOINT_ID_PREFIX,
    model=WebhookEndpoint,
    sortable={"created_at": "timestamp"},
    filterable=("enabled",),
    writable=("secret", "previous_secret"),
    derived=("secret",),  # a column, but the struct shows it only when it is made (creation, rotation)
    decoders={"event_types": msgspec.json.Decoder(list[str]).decode, "enabled": bool},  # JSON text; 0/1 on SQLite
    records_events=False,
)

DELIVERIES = ResourceSpec(
    name="webhook_deliveries",
    noun="delivery",
    id_prefix=DELIVERY_ID_PREFIX,
    model=WebhookDelivery,
    sortable={"created_at": "timestamp"},
    filterable=("endpoint_id", "status"),
    derived=("attempts",),  # from webhook_attempts, loaded beside
    records_events=False,
)
