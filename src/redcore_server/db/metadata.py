"""The one SQLAlchemy ``MetaData`` all tables hang on, with a naming convention so every
constraint and index has a stable name in both databases (errors are mapped by those names)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Timestamps are timezone-aware: timestamptz on PostgreSQL, fixed-width RFC 3339 text on SQLite.
Timestamp = sa.DateTime(timezone=True)
# An auto-incrementing integer primary key: BIGINT identity on PostgreSQL, the rowid on SQLite.
SeqKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
