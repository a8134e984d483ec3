"""The kit's own table: ``list_counts``, the totals lists read instead of counting (``kit/listing.py``).

One row per organization, table (``resource``) and value of the table's counted columns (a spec's
``counted_by``: ``key1`` the first, ``key2`` the second or ``''``); ``n`` rows have those values. Kept
by the triggers migration 0018 puts on each counted table, in the transaction of every change.
"""

from __future__ import annotations

import sqlalchemy as sa

from redcore_server.db.metadata import metadata

list_counts = sa.Table(
    "list_counts",
    metadata,
    sa.Column("org_id", sa.String(40), sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("resource", sa.String(32), nullable=False),
    sa.Column("key1", sa.String(64), nullable=False),
    sa.Column("key2", sa.String(64), nullable=False),
    sa.Column("n", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("org_id", "resource", "key1", "key2", name="pk_list_counts"),
)
