from __future__ import annotations

import msgspec
from litestar import Response, get
from litestar.di import NamedDependency

from redcore_server.db import Database


class Health(msgspec.Struct):
    status: str
    database: str


@get("/health", tags=["Health"], summary="Liveness and database readiness", security=[])
async def health(db: NamedDependency[Database]) -> Response[Health]:
    """200 when the server can reach its database, 503 otherwise. Needs no credential."""
    try:
        await db.ping()
    except Exception:
        return Response(Health(status="unavailable", database="unreachable"), status_code=503)
    return Response(Health(status="ok", database=db.dialect))
