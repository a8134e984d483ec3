"""Password hashes as other systems store them, for users imported with one: made here with the same
libraries those systems use, and known-answer vectors made by the systems themselves."""

from __future__ import annotations

import base64
import hashlib
import os

import bcrypt
from argon2 import Type
from argon2.low_level import hash_secret

# (password, hash) made elsewhere: a check that this code reads each format as its makers wrote it.
KNOWN = [
    # PHP's password_hash() manual
    ("rasmuslerdorf", "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"),
    # The Argon2 reference implementation's test vectors (phc-winner-argon2, src/test.c)
    ("password", "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA"),
    ("password", "$argon2i$m=65536,t=2,p=1$c29tZXNhbHQ$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ"),
    ("password", "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"),
    # Django's own test (make_password("lètmein", "seasalt", "pbkdf2_sha256"), Django 3.2)
    ("lètmein", "pbkdf2_sha256$260000$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo="),
    # passlib 1.7.4: pbkdf2_sha256 / pbkdf2_sha512 / pbkdf2_sha1 / django_pbkdf2_sha1, rounds=1000
    ("correct horse battery", "$pbkdf2-sha256$1000$P6cUAiDknBOitHaO0RpjjA$UWL.2g6hN/0W58aEPvehb1XIjAcVSXZv7SYu/nJiqDE"),
    (
        "correct horse battery",
        "$pbkdf2-sha512$1000$NeZ8D2GsVWrN.Z/zPud8zw$k1JNDilrugLd9Saje6m9kova6xjUau/iuaZj.Qs0XohQcdrpCW/U1J7z"
        ".QwOzt3JZo/EvwqpOPnqdummY9gWQQ",
    ),
    ("correct horse battery", "$pbkdf2$1000$ilHKeU9pjVHK2TuHUOo9xw$ebGBcDXvCnTjulhDDVSKIAV/460"),
    ("correct horse battery", "pbkdf2_sha1$1000$6VcbCsugPHEy$JENImoNF2T56pIrZyGwj0j03Ruc="),
]


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode().rstrip("=")


def bcrypt_hash(password: str, cost: int = 4, variant: str = "2b") -> str:
    made = bcrypt.hashpw(password.encode()[:72], bcrypt.gensalt(cost)).decode()
    return f"${variant}${made[4:]}"


def argon2_hash(password: str, kind: Type = Type.I, *, m: int = 8192, t: int = 2, p: int = 2, version: int = 19) -> str:
    made = hash_secret(password.encode(), os.urandom(16), t, m, p, 32, kind, version).decode()
    return made if version == 19 else made.replace("$v=16", "")


def pbkdf2_auth0(password: str, digest: str = "sha256", iterations: int = 1000, length: int = 32) -> str:
    """Auth0's import format: a PHC string, standard base64 without padding."""
    salt = os.urandom(16)
    key = hashlib.pbkdf2_hmac(digest, password.encode(), salt, iterations, length)
    return f"$pbkdf2-{digest}$i={iterations},l={length}${_b64(salt)}${_b64(key)}"


def pbkdf2_django(password: str, digest: str = "sha256", iterations: int = 1000) -> str:
    salt = base64.b32encode(os.urandom(10)).decode().lower()
    key = hashlib.pbkdf2_hmac(digest, password.encode(), salt.encode(), iterations)
    return f"pbkdf2_{digest}${iterations}${salt}${base64.b64encode(key).decode()}"
