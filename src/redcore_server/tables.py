"""Every domain's tables on the one ``MetaData`` (``db/metadata.py``), for Alembic and the schema
test: the only module that knows the list of domains with tables, above them all."""

from __future__ import annotations

import sqlalchemy as sa

from redcore_server.db.metadata import metadata


def all_tables() -> sa.MetaData:
    """Import every domain's tables and return the populated metadata."""
    from redcore_server.accounts import tables as _accounts  # noqa: F401
    from redcore_server.erasure import tables as _erasure  # noqa: F401
    from redcore_server.events import tables as _events  # noqa: F401
    from redcore_server.idempotency import tables as _idempotency  # noqa: F401
    from redcore_server.imports import tables as _imports  # noqa: F401
    from redcore_server.invitations import tables as _invitations  # noqa: F401
    from redcore_server.keys import tables as _keys  # noqa: F401
    from redcore_server.kit import tables as _kit  # noqa: F401
    from redcore_server.mail import tables as _mail  # noqa: F401
    from redcore_server.orgs import tables as _orgs  # noqa: F401
    from redcore_server.products import tables as _products  # noqa: F401
    from redcore_server.roles import tables as _roles  # noqa: F401
    from redcore_server.sessions import tables as _sessions  # noqa: F401
    from redcore_server.teams import tables as _teams  # noqa: F401
    from redcore_server.users import tables as _users  # noqa: F401
    from redcore_server.webhooks import tables as _webhooks  # noqa: F401

    return metadata
