from __future__ import annotations

import msgspec
from litestar import Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency

from redcore_server.db import Database


class Health(msgspec.Struct):
    status: str
    database: str
    rate_limiter: str  # "memory", "redis", or "redis degraded" while Redis is unreachable


@get("/health", tags=["Health"], summary="Liveness and database readiness", security=[])
async def health(db: NamedDependency[Database], state: State) -> Response[Health]:
    """200 when the server can reach its database, 503 otherwise. Needs no credential. Also says
    how rate limits are counted (a Redis outage shows as ``redis degraded``)."""
    limiter = state.limiter
    counting = limiter.backend if limiter.status() == "ok" else f"{limiter.backend} {limiter.status()}"
    try:
        await db.ping()
    except Exception:
        return Response(Health(status="unavailable", database="unreachable", rate_limiter=counting), status_code=503)
    return Response(Health(status="ok", database=db.dialect, rate_limiter=counting))
