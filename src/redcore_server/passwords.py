"""Password hashing, always off the event loop and in a bounded pool of threads so a flood of
hashing cannot starve request handling.

RedCore makes Argon2id hashes with its settings' parameters. A user imported from another system may
bring a hash in another common format; it is checked at sign-in, and the first sign-in that succeeds
replaces it with RedCore's Argon2id (``needs_rehash`` is true for anything else):

* Argon2 PHC strings: ``$argon2id$``, ``$argon2i$``, ``$argon2d$``, version 16 or 19, any parameters
  within the bounds below (argon2-cffi).
* bcrypt: ``$2a$``, ``$2b$``, ``$2y$``, cost 4 to 16 (the ``bcrypt`` package). bcrypt itself only
  ever reads a password's first 72 bytes (UTF-8), so every system that made such a hash accepted any
  password sharing them; checking one here does the same (the ``bcrypt`` package raises on longer
  passwords instead of choosing), so a user whose password is longer can sign in, and from then on
  their Argon2id hash covers the whole password.
* PBKDF2-HMAC with SHA-1, SHA-256 or SHA-512 (hashlib): PHC strings
  ``$pbkdf2-sha256$i=600000,l=32$<salt>$<hash>`` (Auth0's import format; standard base64, padding
  optional; ``l``, the key length in bytes, optional), passlib's ``$pbkdf2-sha256$600000$<salt>$<hash>``
  (its base64 with ``.`` for ``+``; ``$pbkdf2$`` is SHA-1) and Django's
  ``pbkdf2_sha256$600000$<salt>$<base64 hash>`` (``pbkdf2_sha1`` too; the salt is text).

``imported_hash_problem`` says, by parsing alone, whether a value is one of these. Bounds keep a
hostile import from making each sign-in burn the server's time (each worst case takes a few seconds
of one core): at most 512 characters; bcrypt cost ≤ 16; PBKDF2 iterations 1,000 to 10,000,000 (times
the key's blocks); Argon2 memory ≤ 1 GiB, time cost × memory ≤ 1 GiB, parallelism ≤ 16.

Timing: an imported hash that checks faster than RedCore's own is padded (asleep, not hashing) to the
time RedCore's recent verifications took, so it does not stand out from the dummy verification that
unknown emails get. A slower one cannot be hidden; it says only that the account exists.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import time
from collections.abc import Callable
from functools import partial

import anyio
import anyio.to_thread
import bcrypt
from argon2 import PasswordHasher as _Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import verify_secret

MAX_HASH_LENGTH = 512
BCRYPT_COSTS = (4, 16)
BCRYPT_MAX_PASSWORD = 72  # bytes: what bcrypt reads of a password
PBKDF2_ITERATIONS = (1_000, 10_000_000)  # the upper bound applies to iterations × blocks of key
PBKDF2_KEY_LENGTHS = (16, 64)  # bytes
ARGON2_MAX_MEMORY = 1_048_576  # KiB (1 GiB)
ARGON2_MAX_WORK = 1_048_576  # time cost × memory, KiB
ARGON2_MAX_PARALLELISM = 16

_Check = Callable[[str], bool]  # the password → whether it matches (slow: runs in the thread pool)
_NOT_A_HASH = "not a bcrypt, Argon2 or PBKDF2 hash"
_DIGEST_SIZES = {"sha1": 20, "sha256": 32, "sha512": 64}  # bytes: one PBKDF2 block
_ARGON2 = re.compile(
    r"\$argon2(id|i|d)(?:\$v=([0-9]{1,3}))?\$m=([0-9]{1,20}),t=([0-9]{1,20}),p=([0-9]{1,20})"
    r"\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)",
    re.ASCII,
)
_ARGON2_TYPES = {"id": Type.ID, "i": Type.I, "d": Type.D}
_BCRYPT = re.compile(r"\$2([a-z]?)\$([0-9]{2})\$[./A-Za-z0-9]{53}", re.ASCII)
_B64 = r"[A-Za-z0-9+/]+={0,2}"
_PBKDF2_PHC = re.compile(
    rf"\$pbkdf2-(sha1|sha256|sha512)\$i=([0-9]{{1,20}})(?:,l=([0-9]{{1,5}}))?\$({_B64})\$({_B64})", re.ASCII
)
_PBKDF2_PASSLIB = re.compile(
    r"\$pbkdf2(?:-(sha256|sha512))?\$([0-9]{1,20})\$([./A-Za-z0-9]*)\$([./A-Za-z0-9]+)", re.ASCII
)
_PBKDF2_DJANGO = re.compile(rf"pbkdf2_(sha1|sha256)\$([0-9]{{1,20}})\$([^$]+)\$({_B64})", re.ASCII)


def imported_hash_problem(value: str) -> str | None:
    """None when ``value`` is a password hash RedCore can check at sign-in (see the module's
    docstring), else what is wrong with it, in a few words. Parses only: no hashing."""
    found = _parse(value)
    return found if isinstance(found, str) else None


def _parse(value: str) -> _Check | str:
    if len(value) > MAX_HASH_LENGTH:
        return f"longer than {MAX_HASH_LENGTH} characters"
    if value.startswith("$argon2"):
        return _parse_argon2(value)
    if value.startswith("$2"):
        return _parse_bcrypt(value)
    if value.startswith(("$pbkdf2", "pbkdf2_")):
        return _parse_pbkdf2(value)
    return _NOT_A_HASH


def _b64(text: str, altchars: bytes = b"+/") -> bytes | None:
    """Base64 with or without padding (None when it is not)."""
    text = text.rstrip("=")
    if len(text) % 4 == 1:
        return None
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=altchars, validate=True)
    except (binascii.Error, ValueError):
        return None


# -- Argon2 ---------------------------------------------------------------------------------------


def _parse_argon2(value: str) -> _Check | str:
    match = _ARGON2.fullmatch(value)
    if match is None:
        return "not a valid Argon2 hash (expected $argon2id$v=19$m=…,t=…,p=…$salt$hash)"
    kind, version = match[1], int(match[2] or 16)
    memory, time_cost, lanes = int(match[3]), int(match[4]), int(match[5])
    salt, digest = _b64(match[6]), _b64(match[7])
    if version not in (16, 19):
        return f"Argon2 version {version} is not 16 or 19"
    if not 1 <= lanes <= ARGON2_MAX_PARALLELISM:
        return f"Argon2 parallelism {lanes} outside 1..{ARGON2_MAX_PARALLELISM}"
    if time_cost < 1:
        return "Argon2 time cost 0 is below 1"
    if memory < 8 * lanes:
        return f"Argon2 memory {memory} KiB is below 8 × parallelism"
    if memory > ARGON2_MAX_MEMORY:
        return f"Argon2 memory {memory} KiB above {ARGON2_MAX_MEMORY}"
    if time_cost * memory > ARGON2_MAX_WORK:
        return f"Argon2 time cost × memory {time_cost * memory} KiB above {ARGON2_MAX_WORK}"
    if salt is None or digest is None or len(salt) < 8 or len(digest) < 4:
        return "Argon2 salt (8 bytes or more) or hash (4 or more) is not valid base64"
    return partial(_check_argon2, value.encode(), _ARGON2_TYPES[kind])


def _check_argon2(encoded: bytes, kind: Type, password: str) -> bool:
    try:
        return verify_secret(encoded, password.encode(), kind)
    except (VerificationError, InvalidHashError):
        return False


# -- bcrypt ---------------------------------------------------------------------------------------


def _parse_bcrypt(value: str) -> _Check | str:
    match = _BCRYPT.fullmatch(value)
    if match is None:
        return "not a valid bcrypt hash (expected $2b$<cost>$ and 53 characters)"
    variant, cost = match[1], int(match[2])
    if variant not in ("a", "b", "y"):
        return f"bcrypt variant $2{variant}$ is not supported ($2a$, $2b$ or $2y$)"
    low, high = BCRYPT_COSTS
    if cost < low:
        return f"bcrypt cost {cost} is below {low}"
    if cost > high:
        return f"bcrypt cost {cost} above {high}"
    return partial(_check_bcrypt, value.encode())


def _check_bcrypt(encoded: bytes, password: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode()[:BCRYPT_MAX_PASSWORD], encoded)
    except ValueError:  # a salt bcrypt refuses, or a NUL in the password
        return False


# -- PBKDF2 ---------------------------------------------------------------------------------------


def _parse_pbkdf2(value: str) -> _Check | str:
    if phc := _PBKDF2_PHC.fullmatch(value):
        digest, iterations, salt, key = phc[1], int(phc[2]), _b64(phc[4]), _b64(phc[5])
        if key is not None and phc[3] is not None and int(phc[3]) != len(key):
            return f"PBKDF2 l={phc[3]} but the hash is {len(key)} bytes"
    elif passlib := _PBKDF2_PASSLIB.fullmatch(value):
        digest, iterations = passlib[1] or "sha1", int(passlib[2])
        salt, key = _b64(passlib[3].replace(".", "+")), _b64(passlib[4].replace(".", "+"))
    elif django := _PBKDF2_DJANGO.fullmatch(value):
        digest, iterations, salt, key = django[1], int(django[2]), django[3].encode(), _b64(django[4])
    else:
        return "not a valid PBKDF2 hash (expected $pbkdf2-sha256$i=…,l=…$salt$hash or pbkdf2_sha256$…)"
    if salt is None or key is None:
        return "PBKDF2 salt or hash is not valid base64"
    low, high = PBKDF2_KEY_LENGTHS
    if not low <= len(key) <= high:
        return f"PBKDF2 hash of {len(key)} bytes, outside {low}..{high}"
    least, most = PBKDF2_ITERATIONS
    if iterations < least:
        return f"PBKDF2 iterations {iterations} below {least}"
    if iterations > most:
        return f"PBKDF2 iterations {iterations} above {most}"
    blocks = -(-len(key) // _DIGEST_SIZES[digest])
    if iterations * blocks > most:
        return f"PBKDF2 iterations × blocks of key {iterations * blocks} above {most}"
    return partial(_check_pbkdf2, digest, salt, iterations, key)


def _check_pbkdf2(digest: str, salt: bytes, iterations: int, expected: bytes, password: str) -> bool:
    derived = hashlib.pbkdf2_hmac(digest, password.encode(), salt, iterations, len(expected))
    return hmac.compare_digest(derived, expected)


# -- the hasher -----------------------------------------------------------------------------------


class PasswordHasher:
    def __init__(self, *, time_cost: int, memory_cost: int, parallelism: int, threads: int) -> None:
        self._argon2 = _Argon2(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID)
        self._limiter = anyio.CapacityLimiter(threads)
        self._dummy: str | None = None
        self._native_seconds = 0.0  # how long checking one of RedCore's own hashes took lately

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._argon2.hash, password, limiter=self._limiter)

    def needs_rehash(self, password_hash: str) -> bool:
        """True unless the hash is RedCore's Argon2id with today's parameters (rehash on sign-in)."""
        if not password_hash.startswith("$argon2id$"):
            return True
        try:
            return self._argon2.check_needs_rehash(password_hash)
        except (InvalidHashError, ValueError):
            return True

    async def verify_nobody(self, password: str) -> None:
        """Spend the time a real verification takes, for a user who does not exist (so timing does
        not tell which emails have accounts)."""
        if self._dummy is None:
            self._dummy = await self.hash("not anyone's password")
        await self.verify(self._dummy, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        """Whether the password matches a hash of any format this module knows (False for a hash it
        cannot check, after the same time as a check)."""
        native = not self.needs_rehash(password_hash)
        check = partial(self._check_native, password_hash) if native else _parse(password_hash)
        if isinstance(check, str):
            await self.verify_nobody(password)
            return False
        if not native and not self._native_seconds:
            await self.verify_nobody(password)  # once per process: learn how long a native check takes
        started = time.perf_counter()
        ok = await anyio.to_thread.run_sync(check, password, limiter=self._limiter)
        elapsed = time.perf_counter() - started
        if native:
            self._native_seconds = elapsed if not self._native_seconds else 0.8 * self._native_seconds + 0.2 * elapsed
        elif elapsed < self._native_seconds:
            await anyio.sleep(self._native_seconds - elapsed)
        return ok

    def _check_native(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon2.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
