"""Idempotency keys: the outcome of each keyed POST, stored in the transaction of its change."""

from __future__ import annotations

import sqlalchemy as sa

from redcore_server.db.metadata import SeqKey, Timestamp, metadata

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("seq", SeqKey, sa.Identity(), primary_key=True),
    # The organization the key belongs to ("public" for routes that take no credential: signing in).
    sa.Column("scope", sa.String(40), nullable=False),
    # SHA-256 (hex) of the scope and the key: the key itself is never stored.
    sa.Column("key_hash", sa.String(64), nullable=False),
    # SHA-256 (hex) of the request's method, path and body: a reuse with another request is refused.
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # "running" or "done"
    # While running: which attempt holds the key, and until when (a crashed request's key frees itself).
    sa.Column("lease", sa.String(40), nullable=True),
    sa.Column("locked_until", Timestamp, nullable=True),
    # When done: status, headers and body, encrypted with a key derived from the Idempotency-Key.
    sa.Column("response", sa.Text(), nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("expires_at", Timestamp, nullable=False),
    sa.CheckConstraint("status IN ('running', 'done')", name="status"),
    sa.Index("uq_idempotency_keys_scope_key_hash", "scope", "key_hash", unique=True),
    sa.Index("ix_idempotency_keys_expires_at", "expires_at"),
)
