"""``/health`` for load balancers and orchestrators.

Any answer at all shows the process is alive (liveness); 200 or 503 says whether it can serve now
(readiness). It never queues behind busy database connections: the database gets at most
:data:`DATABASE_BUDGET` seconds, so the answer comes within a second whatever the pool does.
"""

from __future__ import annotations

import msgspec
from litestar import Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec

from redcore_server.db import Database
from redcore_server.db.database import DatabaseTimeout

DATABASE_BUDGET = 0.5  # seconds to take a connection and run SELECT 1


class Health(msgspec.Struct):
    status: str
    database: str  # the dialect when it answers; "busy" when it did not answer in time; "unreachable"
    rate_limiter: str  # "memory", "redis", or "redis degraded" while Redis is unreachable


@get(
    "/health",
    tags=["Health"],
    summary="Liveness and database readiness",
    operation_id="get_health",
    responses={
        503: ResponseSpec(
            data_container=Health, description="The database is busy or unreachable.", generate_examples=False
        )
    },
)
async def health(db: NamedDependency[Database], state: State) -> Response[Health]:
    """200 when the server can reach its database within half a second, 503 otherwise (``database``
    says `busy` when no connection was free or the database did not answer in time, `unreachable`
    when it refused or failed). Needs no credential. Also says how rate limits are counted (a Redis
    outage shows as ``redis degraded``)."""
    limiter = state.limiter
    counting = limiter.backend if limiter.status() == "ok" else f"{limiter.backend} {limiter.status()}"
    try:
        await db.ping(DATABASE_BUDGET)
    except Exception as exc:
        database = "busy" if isinstance(exc, DatabaseTimeout) else "unreachable"
        return Response(
            Health(status="unavailable", database=database, rate_limiter=counting),
            status_code=503,
            headers={"Retry-After": "1"},
        )
    return Response(Health(status="ok", database=db.dialect, rate_limiter=counting))
