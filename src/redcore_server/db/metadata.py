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


def all_tables() -> sa.MetaData:
    """Import every domain's tables and return the populated metadata (for Alembic)."""
    from redcore_server.erasure import tables as _erasure  # noqa: F401
    from redcore_server.events import tables as _events  # noqa: F401
    from redcore_server.idempotency import tables as _idempotency  # noqa: F401
    from redcore_server.invitations import tables as _invitations  # noqa: F401
    from redcore_server.keys import tables as _keys  # noqa: F401
    from redcore_server.mail import tables as _mail  # noqa: F401
    from redcore_server.orgs import tables as _orgs  # noqa: F401
    from redcore_server.products import tables as _products  # noqa: F401
    from redcore_server.sessions import tables as _sessions  # noqa: F401
    from redcore_server.users import tables as _users  # noqa: F401
    from redcore_server.webhooks import tables as _webhooks  # noqa: F401

    return metadata
