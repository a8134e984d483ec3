"""The gate every ``/v1`` request passes, on the framework path and the fast read path alike:
authenticate the bearer token, then count the request against the key's rate limit.

A refused credential (401) is not counted against any key; refusals from one client address are
counted on their own, and past ``auth_failure_limit`` per window that address gets 429 instead.
The decision is left in the ASGI scope's state for ``http.request_id.stamp_headers``, which puts
the ``X-RateLimit-*`` headers on every authenticated response, errors included.
"""

from __future__ import annotations

from typing import Any

from redcore_server import errors
from redcore_server.auth.authenticator import Authenticator
from redcore_server.auth.principal import Principal
from redcore_server.ratelimit.limiter import Limiter

RATE_LIMIT_STATE = "rate_limit"


class Gate:
    def __init__(
        self, authenticator: Authenticator, limiter: Limiter, *, default_limit: int, auth_failure_limit: int
    ) -> None:
        self.authenticator = authenticator
        self.limiter = limiter
        self._default_limit = default_limit
        self._auth_failure_limit = auth_failure_limit

    async def admit(self, authorization: str | None, client: str | None, state: dict[str, Any]) -> Principal:
        try:
            principal = await self.authenticator.authenticate(authorization)
        except errors.AuthenticationFailed:
            if self._auth_failure_limit and client:
                decision = await self.limiter.hit(f"authfail:{client}", self._auth_failure_limit)
                if not decision.allowed:
                    raise errors.RateLimited(
                        "Too many requests with invalid credentials from this address.",
                        headers={"Retry-After": str(decision.retry_after)},
                    ) from None
            raise
        limit = principal.rate_limit or self._default_limit
        if limit > 0:
            decision = await self.limiter.hit(f"key:{principal.credential_id}", limit)
            state[RATE_LIMIT_STATE] = decision
            if not decision.allowed:
                raise errors.RateLimited(  # the X-RateLimit-* headers are stamped from the state
                    f"This API key allows {limit} requests per window; retry in {decision.retry_after} s.",
                    headers={"Retry-After": str(decision.retry_after)},
                )
        return principal
