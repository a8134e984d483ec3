"""Argon2id password hashing, always off the event loop and in a bounded pool of threads
so a flood of hashing cannot starve request handling."""

from __future__ import annotations

import anyio
import anyio.to_thread
from argon2 import PasswordHasher as _Argon2
from argon2 import Type, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError

MAX_IMPORTED_HASH_LENGTH = 1024


def imported_hash_problem(value: str) -> str | None:
    """Why a password hash brought from another system (``users import``) cannot be stored, or None
    when it can: an Argon2 PHC string (``$argon2id$v=19$m=…,t=…,p=…$salt$hash``, also ``argon2i`` and
    ``argon2d``), which signing in verifies and then re-hashes with today's parameters."""
    if len(value) > MAX_IMPORTED_HASH_LENGTH:
        return f"must be at most {MAX_IMPORTED_HASH_LENGTH} characters"
    if not value.startswith("$argon2"):
        return "not a supported password hash: give an Argon2 PHC string ($argon2id$v=19$m=…,t=…,p=…$…)"
    try:
        extract_parameters(value)
    except (InvalidHashError, ValueError):
        return "not a valid Argon2 PHC string"
    return None


class PasswordHasher:
    def __init__(self, *, time_cost: int, memory_cost: int, parallelism: int, threads: int) -> None:
        self._argon2 = _Argon2(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID)
        self._limiter = anyio.CapacityLimiter(threads)
        self._dummy: str | None = None

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._argon2.hash, password, limiter=self._limiter)

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other parameters than today's (rehash on sign-in)."""
        try:
            return self._argon2.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    async def verify_nobody(self, password: str) -> None:
        """Spend the time a real verification takes, for a user who does not exist (so timing does
        not tell which emails have accounts)."""
        if self._dummy is None:
            self._dummy = await self.hash("not anyone's password")
        await self.verify(self._dummy, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        def _verify() -> bool:
            try:
                return self._argon2.verify(password_hash, password)
            except (VerificationError, InvalidHashError):
                return False

        return await anyio.to_thread.run_sync(_verify, limiter=self._limiter)
