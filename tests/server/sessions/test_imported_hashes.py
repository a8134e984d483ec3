"""Users imported with another system's password hash (bcrypt, Argon2, PBKDF2) sign in with their
password, are refused with any other, and their first sign-in replaces the hash with RedCore's
Argon2id with today's parameters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from argon2 import Type

from redcore_server.ids import utcnow
from redcore_server.users import repository as users_repository
from tests import support
from tests.support import Tenant
from tests.support.password_hashes import argon2_hash, bcrypt_hash, pbkdf2_auth0, pbkdf2_django
from tests.support.responses import assert_error
from tests.support.sessions import PASSWORD, member, sign_in

TODAY = "$argon2id$v=19$m=19456,t=2,p=1$"  # support.TEST_ARGON2, what the test app hashes with

FORMATS: dict[str, Callable[[str], str]] = {
    "bcrypt": bcrypt_hash,
    "bcrypt $2y$": lambda password: bcrypt_hash(password, 5, "2y"),
    "argon2i, other parameters": lambda password: argon2_hash(password, Type.I, m=8192, t=3, p=2),
    # RedCore's own defaults until the OWASP configuration: its stored hashes are upgraded the same way
    "argon2id, RedCore's former defaults": lambda password: argon2_hash(password, Type.ID, m=65536, t=3, p=4),
    "pbkdf2-sha256 (Auth0's PHC string)": pbkdf2_auth0,
    "pbkdf2-sha512 (Auth0's PHC string)": lambda password: pbkdf2_auth0(password, "sha512", 2000, 64),
    "pbkdf2_sha256 (Django)": pbkdf2_django,
}


async def stored_hash(tenant: Tenant, user: dict[str, Any]) -> str:
    value: str = await tenant.app.state.db.fetchval("SELECT password_hash FROM users WHERE id = $1", user["id"])
    return value


async def imported(tenant: Tenant, password_hash: str) -> dict[str, Any]:
    """A user whose stored hash came from another system (as an import would store it)."""
    user = await member(tenant)
    async with tenant.app.state.db.transaction() as tx:
        await tx.execute("UPDATE users SET password_hash = $2 WHERE id = $1", user["id"], password_hash)
    return user


@pytest.mark.parametrize("kind", FORMATS)
async def test_an_imported_hash_signs_in_and_is_upgraded_to_argon2id(tenant: Tenant, kind: str) -> None:
    original = FORMATS[kind](PASSWORD)
    user = await imported(tenant, original)

    assert_error(await sign_in(tenant, user["email"], PASSWORD + "!"), 401, "invalid_credentials")
    assert await stored_hash(tenant, user) == original  # a wrong password changes nothing

    response = await sign_in(tenant, user["email"])
    assert response.status_code == 200, response.text
    assert response.json()["user"]["id"] == user["id"] and original not in response.text
    upgraded = await stored_hash(tenant, user)
    assert upgraded.startswith(TODAY) and upgraded != original

    assert (await sign_in(tenant, user["email"])).status_code == 200  # the new hash checks the password
    assert await stored_hash(tenant, user) == upgraded  # and is not replaced again
    assert_error(await sign_in(tenant, user["email"], "correct horse"), 401, "invalid_credentials")


async def test_a_long_password_under_bcrypt_is_read_to_72_bytes_until_the_upgrade(tenant: Tenant) -> None:
    long = "a passphrase well past bcrypt's limit of seventy-two bytes, which it ignores"
    assert len(long.encode()) > 72
    user = await imported(tenant, bcrypt_hash(long))
    assert (await sign_in(tenant, user["email"], long[:72] + " and a different end")).status_code == 200  # as bcrypt
    user2 = await imported(tenant, bcrypt_hash(long))
    assert (await sign_in(tenant, user2["email"], long)).status_code == 200
    assert (await stored_hash(tenant, user2)).startswith(TODAY)
    assert_error(await sign_in(tenant, user2["email"], long[:72]), 401, "invalid_credentials")  # now all of it counts
    assert (await sign_in(tenant, user2["email"], long)).status_code == 200


UNCHECKABLE = ["$2x$05$" + "a" * 53, "5f4dcc3b5aa765d61d8327deb882cf99", "$argon2id$v=19$m=2097152"]


@pytest.mark.parametrize("stored", UNCHECKABLE)
async def test_a_stored_hash_that_cannot_be_checked_refuses_every_password(tenant: Tenant, stored: str) -> None:
    user = await imported(tenant, stored)
    assert_error(await sign_in(tenant, user["email"]), 401, "invalid_credentials")
    assert_error(await sign_in(tenant, user["email"], stored), 401, "invalid_credentials")
    assert await stored_hash(tenant, user) == stored


async def test_the_current_password_check_of_me_accepts_an_imported_hash(tenant: Tenant) -> None:
    user = await imported(tenant, pbkdf2_django(PASSWORD))
    pair = (await sign_in(tenant, user["email"])).json()
    async with support.http_client(tenant.app, pair["access_token"]) as client:
        body = {"current_password": PASSWORD, "new_password": "another long passphrase"}
        assert (await client.post("/v1/me/password", json=body)).status_code == 204


async def test_an_upgrade_never_overwrites_a_password_changed_meanwhile(tenant: Tenant) -> None:
    """The rehash is made before the sign-in's transaction opens; if the password changed in between,
    the new password's hash stays."""
    user = await member(tenant)
    checked = await stored_hash(tenant, user)
    async with tenant.app.state.db.transaction() as tx:
        await tx.execute("UPDATE users SET password_hash = 'changed meanwhile' WHERE id = $1", user["id"])
    async with tenant.app.state.db.transaction() as tx:
        await users_repository.record_sign_in(tx, user["id"], utcnow(), (checked, "the rehash"))
    assert await stored_hash(tenant, user) == "changed meanwhile"
    async with tenant.app.state.db.transaction() as tx:
        await users_repository.record_sign_in(tx, user["id"], utcnow(), ("changed meanwhile", "the rehash"))
    assert await stored_hash(tenant, user) == "the rehash"
