"""Password hashes imported from other systems: which ones an import accepts (parsing only, bounded),
that each accepted one checks the right password and only it, and that anything but RedCore's own
Argon2id with today's parameters is due for a rehash."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from argon2 import Type

from redcore_server.passwords import MAX_HASH_LENGTH, PasswordHasher, imported_hash_problem
from tests import support
from tests.support.password_hashes import KNOWN, argon2_hash, bcrypt_hash, pbkdf2_auth0, pbkdf2_django

PASSWORD = "correct horse battery"
SALT = "c29tZXNhbHRzb21lc2FsdA"  # 16 bytes, base64 without padding
KEY = "Y2hlY2tjaGVja2NoZWNrY2hlY2tjaGVja2NoZWNrIQ"  # 31 bytes
BCRYPT_TAIL = "EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW"  # 53 characters


def hasher() -> PasswordHasher:
    a = support.TEST_ARGON2
    return PasswordHasher(
        time_cost=a["argon2_time_cost"],
        memory_cost=a["argon2_memory_cost"],
        parallelism=a["argon2_parallelism"],
        threads=2,
    )


@pytest.mark.parametrize(("password", "value"), KNOWN)
async def test_hashes_made_by_other_systems_are_accepted_and_check_their_password(password: str, value: str) -> None:
    assert imported_hash_problem(value) is None
    passwords = hasher()
    assert await passwords.verify(value, password)
    assert not await passwords.verify(value, password + "!")
    assert not await passwords.verify(value, password.upper())
    assert passwords.needs_rehash(value)


MADE = {
    "bcrypt $2b$": lambda: bcrypt_hash(PASSWORD),
    "bcrypt $2a$": lambda: bcrypt_hash(PASSWORD, variant="2a"),
    "bcrypt $2y$ cost 5": lambda: bcrypt_hash(PASSWORD, 5, "2y"),
    "argon2i": lambda: argon2_hash(PASSWORD),
    "argon2d": lambda: argon2_hash(PASSWORD, Type.D),
    "argon2id other parameters": lambda: argon2_hash(PASSWORD, Type.ID, m=4096, t=1, p=4),
    "argon2i version 16": lambda: argon2_hash(PASSWORD, version=16),
    "pbkdf2-sha256 (Auth0)": lambda: pbkdf2_auth0(PASSWORD),
    "pbkdf2-sha512 (Auth0), 20-byte key": lambda: pbkdf2_auth0(PASSWORD, "sha512", 2000, 20),
    "pbkdf2-sha1 (Auth0)": lambda: pbkdf2_auth0(PASSWORD, "sha1", 1000, 20),
    "Django pbkdf2_sha256": lambda: pbkdf2_django(PASSWORD),
    "Django pbkdf2_sha1": lambda: pbkdf2_django(PASSWORD, "sha1"),
}


@pytest.mark.parametrize("kind", MADE)
async def test_each_format_checks_the_right_password_only(kind: str) -> None:
    value = MADE[kind]()
    assert imported_hash_problem(value) is None
    passwords = hasher()
    assert await passwords.verify(value, PASSWORD)
    assert not await passwords.verify(value, PASSWORD + " ")
    assert passwords.needs_rehash(value)


async def test_only_redcores_own_argon2id_with_todays_parameters_needs_no_rehash() -> None:
    passwords = hasher()
    own = await passwords.hash(PASSWORD)
    assert own.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert not passwords.needs_rehash(own) and imported_hash_problem(own) is None
    assert passwords.needs_rehash(argon2_hash(PASSWORD, Type.ID, m=19456, t=2, p=2))  # one parameter differs
    assert passwords.needs_rehash(argon2_hash(PASSWORD, Type.I, m=19456, t=2, p=1))  # another type
    assert passwords.needs_rehash("") and passwords.needs_rehash("$argon2id$v=19$m=19456,t=2,p=1$broken")


async def test_bcrypt_reads_the_first_72_bytes_as_bcrypt_always_did() -> None:
    long = "é" * 40  # 80 bytes
    value = bcrypt_hash(long)  # the system that made it saw the first 72 bytes
    passwords = hasher()
    assert await passwords.verify(value, long)
    assert await passwords.verify(value, "é" * 36 + "anything after 72 bytes")
    assert not await passwords.verify(value, "é" * 35)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "not a bcrypt, Argon2 or PBKDF2 hash"),
        ("5f4dcc3b5aa765d61d8327deb882cf99", "not a bcrypt, Argon2 or PBKDF2 hash"),
        ("{SSHA}secret", "not a bcrypt, Argon2 or PBKDF2 hash"),
        ("$6$rounds=5000$salt$hash", "not a bcrypt, Argon2 or PBKDF2 hash"),
        ("$" + "a" * MAX_HASH_LENGTH, f"longer than {MAX_HASH_LENGTH} characters"),
        # bcrypt
        (f"$2b$03${BCRYPT_TAIL}", "bcrypt cost 3 is below 4"),
        (f"$2b$17${BCRYPT_TAIL}", "bcrypt cost 17 above 16"),
        (f"$2x$10${BCRYPT_TAIL}", "bcrypt variant $2x$ is not supported ($2a$, $2b$ or $2y$)"),
        (f"$2b$10${BCRYPT_TAIL[:-1]}", "not a valid bcrypt hash (expected $2b$<cost>$ and 53 characters)"),
        (f"$2b$10${BCRYPT_TAIL[:-1]}!", "not a valid bcrypt hash (expected $2b$<cost>$ and 53 characters)"),
        # PBKDF2
        (f"$pbkdf2-sha256$i=50000000,l=31${SALT}${KEY}", "PBKDF2 iterations 50000000 above 10000000"),
        (f"$pbkdf2-sha256$i=999,l=31${SALT}${KEY}", "PBKDF2 iterations 999 below 1000"),
        (f"$pbkdf2-sha1$i=6000000,l=31${SALT}${KEY}", "PBKDF2 iterations × blocks of key 12000000 above 10000000"),
        (f"$pbkdf2-sha256$i=1000,l=32${SALT}${KEY}", "PBKDF2 l=32 but the hash is 31 bytes"),
        (f"$pbkdf2-sha256$i=1000${SALT}$c2hvcnQ", "PBKDF2 hash of 5 bytes, outside 16..64"),
        (f"$pbkdf2-sha256$i=1000${SALT}$A", "PBKDF2 salt or hash is not valid base64"),
        (
            f"$pbkdf2-md5$i=1000${SALT}${KEY}",
            "not a valid PBKDF2 hash (expected $pbkdf2-sha256$i=…,l=…$salt$hash or pbkdf2_sha256$…)",
        ),
        ("pbkdf2_sha256$99999999999$salt$" + KEY, "PBKDF2 iterations 99999999999 above 10000000"),
        # Argon2
        (f"$argon2id$v=19$m=2097152,t=1,p=4${SALT}${KEY}", "Argon2 memory 2097152 KiB above 1048576"),
        (f"$argon2id$v=19$m=262144,t=5,p=4${SALT}${KEY}", "Argon2 time cost × memory 1310720 KiB above 1048576"),
        (f"$argon2id$v=19$m=65536,t=1,p=17${SALT}${KEY}", "Argon2 parallelism 17 outside 1..16"),
        (f"$argon2id$v=19$m=16,t=1,p=4${SALT}${KEY}", "Argon2 memory 16 KiB is below 8 × parallelism"),
        (f"$argon2id$v=19$m=65536,t=0,p=1${SALT}${KEY}", "Argon2 time cost 0 is below 1"),
        (f"$argon2id$v=18$m=65536,t=1,p=1${SALT}${KEY}", "Argon2 version 18 is not 16 or 19"),
        (
            f"$argon2id$v=19$m=65536,t=1,p=1$c2FsdA${KEY}",
            "Argon2 salt (8 bytes or more) or hash (4 or more) is not valid base64",
        ),
        ("$argon2id$v=19$m=65536,t=3,p=4", "not a valid Argon2 hash (expected $argon2id$v=19$m=…,t=…,p=…$salt$hash)"),
        (
            f"$argon2id$v=19$m=٦٥٥٣٦,t=1,p=1${SALT}${KEY}",
            "not a valid Argon2 hash (expected $argon2id$v=19$m=…,t=…,p=…$salt$hash)",
        ),
    ],
)
async def test_refused_hashes_say_why_and_never_verify(value: str, problem: str) -> None:
    assert imported_hash_problem(value) == problem
    assert not await hasher().verify(value, PASSWORD)


def test_the_bounds_themselves_are_accepted() -> None:
    assert imported_hash_problem(f"$2b$04${BCRYPT_TAIL}") is None
    assert imported_hash_problem(f"$2y$16${BCRYPT_TAIL}") is None
    assert imported_hash_problem(f"$pbkdf2-sha256$i=10000000,l=31${SALT}${KEY}") is None
    assert imported_hash_problem(f"$pbkdf2-sha256$i=1000${SALT}=${KEY}==") is None  # padding is optional
    assert imported_hash_problem(f"$argon2id$v=19$m=1048576,t=1,p=16${SALT}${KEY}") is None
    assert imported_hash_problem(f"$argon2d$m=8,t=1,p=1${SALT}${KEY}") is None


def test_checking_an_import_is_parsing_only() -> None:
    values = [
        f"$pbkdf2-sha512$i=10000000${SALT}${KEY}",
        f"$2b$16${BCRYPT_TAIL}",
        f"$argon2id$m=1048576,t=1,p=4${SALT}${KEY}",
    ]
    started = time.perf_counter()
    assert all(imported_hash_problem(value) is None for value in values * 1000)
    assert time.perf_counter() - started < 1.0  # 3,000 values; one real check of the slowest takes seconds


async def test_a_fast_imported_hash_takes_as_long_as_redcores_own_check() -> None:
    passwords = hasher()
    own = await passwords.hash(PASSWORD)
    native = []
    for _ in range(3):
        started = time.perf_counter()
        await passwords.verify(own, PASSWORD)
        native.append(time.perf_counter() - started)
    fast = pbkdf2_auth0(PASSWORD)  # 1,000 iterations: far quicker than Argon2
    started = time.perf_counter()
    assert await passwords.verify(fast, PASSWORD)
    assert time.perf_counter() - started >= min(native) * 0.99


def test_the_readme_example_runs_as_written() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("\n## Passwords\n", 1)[1].split("\n## ", 1)[0]
    [block] = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    exec(block, {})  # noqa: S102 - the README's own snippet: its asserts are the test
