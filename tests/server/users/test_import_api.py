"""Imported users through the API: what an export holds comes back the same through an import into
another organization, and a user imported with an Argon2 hash signs in with their password."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from redcore_server.kit.csv_cells import escape_cell
from redcore_server.users.schemas import User
from tests.support import Tenant
from tests.support.imports import import_file
from tests.support.sessions import as_user, member, sign_in

EXPORT_COLUMNS = tuple(User.__struct_fields__)  # what GET /v1/users/export writes: a user's every field
NOT_CARRIED = ("id", "last_login", "created_at", "updated_at")


def export_csv(users: list[dict[str, Any]]) -> str:
    """The users as ``GET /v1/users/export`` writes CSV: every column, text escaped for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for user in users:
        cells = []
        for column in EXPORT_COLUMNS:
            value = user[column]
            if value is None:
                cells.append("")
            elif isinstance(value, bool):
                cells.append("true" if value else "false")
            elif isinstance(value, dict):
                cells.append(json.dumps(value))
            else:
                cells.append(escape_cell(str(value)))
        writer.writerow(cells)
    return out.getvalue()


def export_jsonl(users: list[dict[str, Any]]) -> str:
    return "".join(json.dumps({c: user[c] for c in EXPORT_COLUMNS}) + "\n" for user in users)


def comparable(users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(({k: v for k, v in u.items() if k not in NOT_CARRIED} for u in users), key=lambda u: u["email"])


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
async def test_an_export_round_trips_through_an_import(
    tenant: Tenant, make_tenant: Callable[[], Awaitable[Tenant]], database_url: str, tmp_path: Path, fmt: str
) -> None:
    await tenant.create_user(
        email="Ada@Example.com",
        name='=Ada, "the" first',
        role="editor",
        avatar="https://img.test/ada.png",
        external_id="crm-1",
        public_metadata={"plan": "pro", "tags": ["a", "b"]},
        private_metadata={"score": {"x": 1}},
    )
    suspended = await tenant.create_user(email="grace@example.com", name="Grace", password="long enough pw")
    await tenant.client.patch(f"/v1/users/{suspended['id']}", json={"status": "suspended"})
    await tenant.create_user(email="bob@example.com", name="-Bob", role="admin")
    exported = (await tenant.client.get("/v1/users", params={"limit": 100})).json()["data"]
    path = tmp_path / f"users.{fmt}"
    path.write_text(export_csv(exported) if fmt == "csv" else export_jsonl(exported), encoding="utf-8")

    other = await make_tenant()
    report = await import_file(database_url, path, other.org.id)
    assert report["counts"]["created"] == 3
    again = (await other.client.get("/v1/users", params={"limit": 100})).json()["data"]
    assert comparable(again) == comparable(exported)

    # the same file once more, upserting: nothing changes
    report = await import_file(database_url, path, other.org.id, "--upsert", "email")
    assert (report["counts"]["updated"], report["counts"]["unchanged"]) == (0, 3)


async def test_a_user_imported_with_an_argon2_hash_signs_in_and_is_rehashed(
    tenant: Tenant, database_url: str, tmp_path: Path
) -> None:
    # another system's parameters: signing in verifies them, then stores today's
    foreign = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=2).hash("imported secret")
    path = tmp_path / "users.jsonl"
    path.write_text(json.dumps({"email": "imp@example.com", "name": "Imp", "password_hash": foreign}) + "\n")
    await import_file(database_url, path, tenant.org.id)
    listed = (await tenant.client.get("/v1/users", params={"email": "imp@example.com", "q": "imp@"})).json()["data"]
    assert [u["status"] for u in listed] == ["active"]
    assert (await sign_in(tenant, "imp@example.com", "wrong password")).status_code == 401
    response = await sign_in(tenant, "imp@example.com", "imported secret")
    assert response.status_code == 200, response.text
    stored = await tenant.app.state.db.fetchval(
        "SELECT password_hash FROM users WHERE org_id = $1 AND id = $2", tenant.org.id, listed[0]["id"]
    )
    assert stored != foreign and stored.startswith("$argon2id$")  # upgraded to RedCore's parameters


def _pbkdf2(password: str) -> str:
    """A PBKDF2 hash in Django's format (``pbkdf2_sha256$iterations$salt$base64``)."""
    salt, iterations = "c2FsdHNhbHQ", 600_000
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode()}"


async def test_bcrypt_and_pbkdf2_hashes_sign_in_and_are_rehashed(
    tenant: Tenant, database_url: str, tmp_path: Path
) -> None:
    import bcrypt

    hashes = {
        "bcrypt@example.com": bcrypt.hashpw(b"imported secret", bcrypt.gensalt(rounds=4)).decode(),
        "pbkdf2@example.com": _pbkdf2("imported secret"),
    }
    path = tmp_path / "users.jsonl"
    path.write_text(
        "".join(json.dumps({"email": e, "name": "X", "password_hash": h}) + "\n" for e, h in hashes.items())
    )
    await import_file(database_url, path, tenant.org.id)
    for address, foreign in hashes.items():
        response = await sign_in(tenant, address, "imported secret")
        assert response.status_code == 200, response.text
        stored = await tenant.app.state.db.fetchval(
            "SELECT password_hash FROM users WHERE org_id = $1 AND id = $2",
            tenant.org.id,
            response.json()["user"]["id"],
        )
        assert stored != foreign and stored.startswith("$argon2id$")


async def test_an_upsert_that_suspends_a_user_or_gives_a_new_hash_signs_them_out(
    tenant: Tenant, database_url: str, tmp_path: Path
) -> None:
    suspended = await member(tenant, email="sus@example.com")
    rehashed = await member(tenant, email="new-hash@example.com")
    kept = await member(tenant, email="kept@example.com")
    tokens = {
        u["email"]: (await sign_in(tenant, u["email"])).json()["access_token"] for u in (suspended, rehashed, kept)
    }
    new_hash = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("another secret")
    path = tmp_path / "users.jsonl"
    path.write_text(
        json.dumps({"email": "sus@example.com", "status": "suspended"})
        + "\n"
        + json.dumps({"email": "new-hash@example.com", "password_hash": new_hash})
        + "\n"
        + json.dumps({"email": "kept@example.com", "name": "Kept Renamed"})
        + "\n"
    )
    report = await import_file(database_url, path, tenant.org.id, "--upsert", "email")
    assert (report["counts"]["updated"], report["counts"]["unchanged"]) == (3, 0)
    for address, token in tokens.items():
        async with as_user(tenant.app, token) as client:
            status = (await client.get("/v1/me")).status_code
        assert status == (200 if address == "kept@example.com" else 401), address
    assert (await sign_in(tenant, "new-hash@example.com", "another secret")).status_code == 200
