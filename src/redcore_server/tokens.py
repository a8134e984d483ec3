"""Secret tokens: making one, and the one-way digest under which it is stored and looked up.

Every bearer secret RedCore hands out is a type prefix (``sk_live_``, ``rca_``, ``rci_`` …) and a
body of at least 190 random bits: API keys, session access and refresh tokens, invitation links,
and password reset links alike. Only :func:`hash_secret` of it is stored, never the secret itself.

Why SHA-256 and not a slow password hash: a slow hash protects secrets people choose, which are
few enough to try one by one. Nobody can try 2**190 guesses, fast hash or slow, so SHA-256 is as
safe here, and it lets the authentication hot path find a credential with one indexed lookup on
its digest (a salted hash could not be looked up at all).

The formats are part of the contract and of the stored data: a digest already on disk must keep
matching its secret, so neither the digest nor a generator's alphabet or length may change.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import string

_BASE62 = string.ascii_letters + string.digits


def hash_secret(secret: str) -> str:
    """The digest a secret is stored and looked up under: SHA-256 of its UTF-8, in hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def urlsafe_token(prefix: str, nbytes: int = 32) -> str:
    """``prefix`` and ``nbytes`` random bytes in URL-safe base64, unpadded (43 characters for 32)."""
    return prefix + secrets.token_urlsafe(nbytes)


def base62_token(prefix: str, length: int = 32) -> str:
    """``prefix`` and ``length`` random letters and digits (about 5.95 bits each)."""
    return prefix + "".join(secrets.choice(_BASE62) for _ in range(length))


def base64_token(prefix: str, nbytes: int) -> str:
    """``prefix`` and ``nbytes`` random bytes in standard, padded base64 (the form Standard Webhooks
    signing secrets take)."""
    return prefix + base64.b64encode(secrets.token_bytes(nbytes)).decode()
