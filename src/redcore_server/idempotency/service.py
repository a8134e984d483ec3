"""The contract's ``Idempotency-Key`` semantics for every POST.

A keyed POST first *claims* its key in a short transaction of its own (so a concurrent request with
the same key sees it at once): a new key is recorded as running; the same key with the same method,
path and body that already finished is answered with the stored response (``Idempotent-Replayed:
true``); one still running gets 409 ``idempotency_key_in_use`` with ``Retry-After: 1``; one made for
another request gets 400 ``idempotency_key_reused``. The request then runs, and its outcome is
stored in **the same transaction as its change** (``complete``), so a committed change always has
its stored response and a rolled-back one never does. A request that is refused or fails stores
nothing (``release``): its retry runs again. Keys belong to the caller's organization and live
``ttl`` seconds (24 hours by default); a claim whose request died holding it frees itself after
:data:`LEASE`.

Stored responses can hold secrets (a webhook endpoint's signing secret, sign-in tokens) and
personal data, so they are encrypted (AES-GCM) with a key derived (HKDF) from the Idempotency-Key,
which is stored only as a hash: only a client presenting the same key can read its response back.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from redcore_server import errors
from redcore_server.db import Database, Executor
from redcore_server.db.batches import in_batches
from redcore_server.idempotency import repository
from redcore_server.ids import utcnow

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
PUBLIC_SCOPE = "public"  # keys sent to routes that take no credential (signing in, accepting an invitation)
LEASE = timedelta(seconds=60)  # how long a running request holds its key before a retry may take it over
MAX_KEY_LENGTH = 255


class IdempotencyKeyReused(errors.APIError):
    status = 400
    code = "idempotency_key_reused"
    default_message = "This Idempotency-Key was used for a different request; use a new key for a new request."


class IdempotencyKeyInUse(errors.Conflict):
    code = "idempotency_key_in_use"
    default_message = "A request with this Idempotency-Key is still running; retry in a second."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, headers={"Retry-After": "1"})


class StoredResponse(msgspec.Struct, array_like=True):
    """What a replay sends: the first response's status, its headers that matter, and its body."""

    status: int
    headers: dict[str, str]
    body: bytes


class Replay(Exception):  # not an error: the stored response is the answer
    """Raised instead of running a request whose key already has an outcome; rendered as it."""

    def __init__(self, response: StoredResponse) -> None:
        super().__init__("idempotent replay")
        self.response = response


@dataclass(frozen=True, slots=True)
class Claim:
    """A running request's hold on its key."""

    scope: str
    key_hash: str
    lease: str
    cipher: AESGCM


_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(StoredResponse).decode


def check_key(raw: str) -> str:
    """The key as given, or 400 naming the header: 1–255 printable ASCII characters."""
    if not 1 <= len(raw) <= MAX_KEY_LENGTH or not all(" " <= c <= "~" for c in raw):
        raise errors.ValidationError.of((HEADER, f"must be 1 to {MAX_KEY_LENGTH} printable ASCII characters"))
    return raw


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    """What makes two requests "the same": method, path with its query, and the body's exact bytes."""
    digest = hashlib.sha256(f"{method} {path}?".encode())
    digest.update(query)
    digest.update(b"\n")
    digest.update(body)
    return digest.hexdigest()


def _key_hash(scope: str, key: str) -> str:
    return hashlib.sha256(f"{scope}\n{key}".encode()).hexdigest()


def _cipher(scope: str, key: str) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"redcore idempotency", info=scope.encode()).derive(
        key.encode()
    )
    return AESGCM(derived)


def _seal(claim: Claim, response: StoredResponse) -> str:
    nonce = os.urandom(12)
    sealed = claim.cipher.encrypt(nonce, _encode(response), claim.key_hash.encode())
    return base64.b64encode(nonce + sealed).decode()


def _open(cipher: AESGCM, key_hash: str, stored: str) -> StoredResponse:
    raw = base64.b64decode(stored)
    return _decode(cipher.decrypt(raw[:12], raw[12:], key_hash.encode()))


class IdempotencyService:
    def __init__(self, ttl: float = 86_400.0) -> None:
        self.ttl = timedelta(seconds=ttl)

    async def claim(self, db: Database, scope: str, key: str, request_hash: str) -> Claim:
        """Hold ``key`` for this request, or raise :class:`Replay`, :class:`IdempotencyKeyInUse` or
        :class:`IdempotencyKeyReused`."""
        key_hash, cipher = _key_hash(scope, key), _cipher(scope, key)
        claim = Claim(scope, key_hash, secrets.token_hex(8), cipher)
        now = utcnow()
        fields = repository.NewClaim(scope, key_hash, request_hash, claim.lease, now + LEASE, now, now + self.ttl)
        async with db.transaction() as tx:
            if await repository.insert_claim(tx, fields):
                return claim
            found = await repository.lock(tx, scope, key_hash)
            if found is None:  # gone between the two statements (purged): take it now
                await repository.reclaim(tx, fields)
                return claim
            stored_hash, status, locked_until, expires_at, response = found
            if expires_at <= now or (status == "running" and locked_until is not None and locked_until <= now):
                await repository.reclaim(tx, fields)  # expired, or its request died holding it
                return claim
        if stored_hash != request_hash:
            raise IdempotencyKeyReused()
        if status == "running":
            raise IdempotencyKeyInUse()
        try:
            stored = _open(cipher, key_hash, response)
        except (InvalidTag, ValueError, msgspec.DecodeError):  # cannot happen with the same key; never a 500
            raise IdempotencyKeyReused() from None
        raise Replay(stored)

    async def complete(self, tx: Executor, claim: Claim, response: StoredResponse) -> None:
        """Store the outcome in the change's transaction; if the key was taken over meanwhile (this
        request outlived its lease), refuse so that the change rolls back rather than happen twice."""
        if not await repository.complete(tx, claim.scope, claim.key_hash, claim.lease, _seal(claim, response)):
            raise IdempotencyKeyInUse("This request took too long and its Idempotency-Key was taken over; retry.")

    async def release(self, db: Executor, claim: Claim) -> None:
        """Store nothing for a request that was refused or failed, so that its retry runs again."""
        await repository.release(db, claim.scope, claim.key_hash, claim.lease)

    async def release_alone(self, db: Database, claim: Claim) -> None:
        """:meth:`release` in a transaction of its own, after the request's rolled back. If the
        database cannot be reached the claim stays until its lease ends."""
        async with db.transaction() as tx:
            await self.release(tx, claim)


async def purge_expired_keys(db: Database, now: datetime) -> int:
    """The housekeeping job: delete records past their time to live, a bounded batch per transaction."""
    if not await repository.any_expired(db, now):
        return 0
    return await in_batches(db, lambda tx, limit: repository.purge_expired(tx, now, limit))
