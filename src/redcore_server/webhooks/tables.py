from __future__ import annotations

import sqlalchemy as sa

from redcore_server.db.metadata import SeqKey, Timestamp, metadata

webhook_endpoints = sa.Table(
    "webhook_endpoints",
    metadata,
    sa.Column("seq", SeqKey, sa.Identity(), primary_key=True),
    sa.Column("id", sa.String(40), nullable=False),
    sa.Column("org_id", sa.String(40), sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("url", sa.String(2048), nullable=False),
    sa.Column("description", sa.String(500), nullable=True),
    # JSON list of event types, or NULL for every type.
    sa.Column("event_types", sa.Text(), nullable=True),
    sa.Column("enabled", sa.Boolean(), nullable=False),
    sa.Column("disabled_reason", sa.String(500), nullable=True),
    # Signing needs the secret itself (an HMAC key), so it is stored; it is never returned after creation.
    sa.Column("secret", sa.String(100), nullable=False),
    sa.Column("previous_secret", sa.String(100), nullable=True),
    sa.Column("previous_secret_expires_at", Timestamp, nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    sa.Index("uq_webhook_endpoints_id", "id", unique=True),
    sa.Index("ix_webhook_endpoints_org_created", "org_id", "created_at", "id"),
    sa.Index("ix_webhook_endpoints_org_enabled_created", "org_id", "enabled", "created_at", "id"),
)

# The outbox: one row per (event, subscribed endpoint), written in the event's transaction.
webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("seq", SeqKey, sa.Identity(), primary_key=True),
    sa.Column("id", sa.String(40), nullable=False),  # the webhook-id header: the same on every attempt
    sa.Column("org_id", sa.String(40), sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("endpoint_id", sa.String(40), sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False),
    sa.Column("event_id", sa.String(40), sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    sa.Column("event_type", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending | succeeded | failed
    sa.Column("attempt_count", sa.Integer(), nullable=False),
    sa.Column("next_attempt_at", Timestamp, nullable=True),  # due time while pending (a claim's lease end)
    sa.Column("lease", sa.String(40), nullable=True),  # set while a worker holds the delivery
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    sa.Index("uq_webhook_deliveries_id", "id", unique=True),
    sa.Index(
        "ix_webhook_deliveries_due",
        "next_attempt_at",
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    ),
    sa.Index("ix_webhook_deliveries_org_endpoint_created", "org_id", "endpoint_id", "created_at", "id"),
    sa.Index(
        "ix_webhook_deliveries_org_endpoint_status_created", "org_id", "endpoint_id", "status", "created_at", "id"
    ),
    sa.Index("ix_webhook_deliveries_event", "event_id"),
)

webhook_attempts = sa.Table(
    "webhook_attempts",
    metadata,
    sa.Column("seq", SeqKey, sa.Identity(), primary_key=True),
    sa.Column("delivery_id", sa.String(40), sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), nullable=False),
    sa.Column("attempt", sa.Integer(), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("status_code", sa.Integer(), nullable=True),
    sa.Column("duration_ms", sa.Integer(), nullable=False),
    sa.Column("error", sa.String(500), nullable=True),
    sa.Column("response_excerpt", sa.Text(), nullable=True),
    sa.Index("ix_webhook_attempts_delivery", "delivery_id", "attempt"),
)
