"""``POST /v1/users/import`` and ``GET /v1/imports/{id}``: a file queued as a job, run by the
embedded worker with the CLI's code, its progress and outcome shown by id, within the privilege rule."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest

from redcore_server.auth.scopes import ROLE_SCOPES, USERS_READ
from redcore_server.ids import new_id, utcnow
from redcore_server.imports import repository
from redcore_server.imports.schemas import ID_PREFIX
from redcore_server.imports.service import MAX_ATTEMPTS
from tests.support import Tenant
from tests.support.responses import assert_error

CSV = "text/csv"
NDJSON = "application/x-ndjson"


async def post_import(client: httpx.AsyncClient, body: str, media: str = CSV, **params: Any) -> httpx.Response:
    query = {k: str(v).lower() if isinstance(v, bool) else v for k, v in params.items()}
    return await client.post("/v1/users/import", content=body.encode(), headers={"content-type": media}, params=query)


async def finished(client: httpx.AsyncClient, location: str, within: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while True:
        response = await client.get(location)
        assert response.status_code == 200, response.text
        job = response.json()
        if job["status"] in ("succeeded", "failed"):
            return job  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, job
        await asyncio.sleep(0.05)


async def emails(tenant: Tenant) -> dict[str, dict[str, Any]]:
    listed = (await tenant.client.get("/v1/users", params={"limit": 100})).json()["data"]
    return {u["email"]: u for u in listed}


async def test_a_file_is_queued_then_imported_and_its_job_shows_the_outcome(tenant: Tenant) -> None:
    response = await post_import(
        tenant.client,
        'email,name,role,public_metadata\nada@example.com,Ada,editor,"{""a"":1}"\nbob@example.com,Bob,,\n',
    )
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["id"].startswith("imp_") and job["status"] == "queued" and job["resource"] == "users"
    assert response.headers["location"] == f"/v1/imports/{job['id']}"
    done = await finished(tenant.client, response.headers["location"])
    assert done["status"] == "succeeded", done
    assert done["counts"] == {"rows": 2, "processed": 2, "created": 2, "updated": 0, "unchanged": 0, "failed": 0}
    assert done["problems"] == [] and done["error"] is None
    assert done["started_at"] is not None and done["finished_at"] is not None
    users = await emails(tenant)
    assert users["ada@example.com"]["role"] == "editor" and users["ada@example.com"]["public_metadata"] == {"a": 1}
    events = (await tenant.client.get("/v1/events", params={"type": "import.completed"})).json()["data"]
    assert [e["data"]["id"] for e in events] == [job["id"]]
    assert (await tenant.client.get("/v1/events", params={"type": "user.created"})).json()["data"] == []


async def test_bad_rows_fail_the_job_by_line_and_a_dry_run_writes_nothing(tenant: Tenant) -> None:
    body = (
        '{"email": "ok@example.com", "name": "Ok"}\n{"email": "nope", "name": "Bad"}\n'
        '{"email": "x@example.com", "name": "X", "role": "owner"}\n'
    )
    failed = await finished(tenant.client, (await post_import(tenant.client, body, NDJSON)).headers["location"])
    assert failed["status"] == "failed"
    assert [(p["line"], p["field"]) for p in failed["problems"]] == [(2, "email"), (3, "role")]
    assert failed["problem_count"] == 2 and failed["counts"]["failed"] == 2 and failed["counts"]["created"] == 0
    assert await emails(tenant) == {}

    good = '{"email": "ok@example.com", "name": "Ok"}\n'
    dry = await finished(
        tenant.client, (await post_import(tenant.client, good, NDJSON, dry_run=True)).headers["location"]
    )
    assert (dry["status"], dry["dry_run"], dry["counts"]["created"]) == ("succeeded", True, 1)
    assert await emails(tenant) == {}

    await tenant.create_user(email="ok@example.com", name="Before")
    upsert = await post_import(tenant.client, '{"email": "ok@example.com", "name": "After"}\n', NDJSON, upsert="email")
    done = await finished(tenant.client, upsert.headers["location"])
    assert (done["counts"]["updated"], done["counts"]["created"]) == (1, 0)
    assert (await emails(tenant))["ok@example.com"]["name"] == "After"


async def test_an_editor_cannot_import_admins_nor_change_them(tenant: Tenant) -> None:
    editor = await tenant.client_with(*ROLE_SCOPES["editor"])
    job = await finished(
        editor, (await post_import(editor, "email,name,role\nboss@example.com,Boss,admin\n")).headers["location"]
    )
    assert job["status"] == "failed" and job["error"].startswith("insufficient_privilege")
    assert await emails(tenant) == {}
    admin = await tenant.create_user(email="admin@example.com", name="Admin", role="admin")
    change = await post_import(editor, "email,name\nadmin@example.com,Renamed\n", upsert="email")
    job = await finished(editor, change.headers["location"])
    assert job["status"] == "failed" and job["error"].startswith("insufficient_privilege")
    assert (await emails(tenant))["admin@example.com"]["name"] == admin["name"]
    ok = await finished(
        editor, (await post_import(editor, "email,name,role\nv@example.com,V,viewer\n")).headers["location"]
    )
    assert ok["status"] == "succeeded"


async def test_imports_are_the_organizations_own_and_need_their_scopes(tenant: Tenant, make_tenant: Any) -> None:
    response = await post_import(tenant.client, "email,name\na@example.com,A\n")
    location = response.headers["location"]
    await finished(tenant.client, location)
    other = await make_tenant()
    assert_error(await other.client.get(location), 404, "not_found")
    assert_error(await other.client.get("/v1/imports/imp_nothing"), 404, "not_found")
    products_only = await tenant.client_with("products:read", "products:write")
    assert_error(await products_only.get(location), 403, "insufficient_scope")
    assert_error(await post_import(products_only, "email,name\nb@example.com,B\n"), 403, "insufficient_scope")
    reader = await tenant.client_with(USERS_READ)
    assert_error(await post_import(reader, "email,name\nb@example.com,B\n"), 403, "insufficient_scope")
    assert (await reader.get(location)).status_code == 200
    assert "a@example.com" not in await emails(other)


async def test_the_body_is_bounded_typed_and_text(tenant: Tenant) -> None:
    assert_error(await post_import(tenant.client, "email,name\n", "application/json"), 415, "unsupported_media_type")
    response = await tenant.client.post(
        "/v1/users/import", content=b"email,name\n\xff\xfe,x\n", headers={"content-type": CSV}
    )
    assert_error(response, 400, "validation_error")
    assert response.json()["error"]["details"][0]["field"] == "body"
    nul = await post_import(tenant.client, "email,name\na\x00@example.com,x\n")
    assert_error(nul, 400, "validation_error")  # PostgreSQL cannot store U+0000


async def test_the_same_idempotency_key_answers_the_same_job(tenant: Tenant) -> None:
    headers = {"content-type": CSV, "Idempotency-Key": "import-1"}
    body = b"email,name\nonce@example.com,Once\n"
    first = await tenant.client.post("/v1/users/import", content=body, headers=headers)
    again = await tenant.client.post("/v1/users/import", content=body, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    await finished(tenant.client, first.headers["location"])
    assert list(await emails(tenant)) == ["once@example.com"]


@pytest.mark.parametrize("rows", [2500])
async def test_progress_and_counts_of_a_larger_file(tenant: Tenant, rows: int) -> None:
    body = "email,name\n" + "".join(f"u{i}@example.com,User {i}\n" for i in range(rows))
    done = await finished(tenant.client, (await post_import(tenant.client, body)).headers["location"], within=60)
    assert done["counts"]["processed"] == done["counts"]["rows"] == done["counts"]["created"] == rows
    listed = (await tenant.client.get("/v1/users", params={"limit": 1})).json()["meta"]["total"]
    assert listed == rows
    json.dumps(done)


async def _orphan(tenant: Tenant, attempts: int, body: str) -> str:
    """A job left `running` by a process that died (its lease ran out), as the database holds it."""
    db = tenant.app.state.db
    ident, now = new_id(ID_PREFIX), utcnow()
    async with db.transaction() as tx:
        await repository.insert(
            tx,
            {
                "id": ident,
                "org_id": tenant.org.id,
                "resource": "users",
                "format": "csv",
                "status": "running",
                "dry_run": False,
                "options": json.dumps({"upsert": None, "invite": False, "events": False}),
                "scopes": " ".join(ROLE_SCOPES["admin"]),
                "counts": json.dumps(
                    {"rows": 0, "processed": 0, "created": 0, "updated": 0, "unchanged": 0, "failed": 0}
                ),
                "attempts": attempts,
                "lease_until": now - timedelta(seconds=1),
                "created_at": now,
                "started_at": now,
            },
        )
        await repository.add_chunk(tx, ident, 0, body)
    return f"/v1/imports/{ident}"


async def test_a_job_whose_process_died_is_taken_again_or_failed_after_its_attempts(tenant: Tenant) -> None:
    retried = await _orphan(tenant, 1, "email,name\nlate@example.com,Late\n")
    given_up = await _orphan(tenant, MAX_ATTEMPTS, "email,name\nnever@example.com,Never\n")
    assert (await finished(tenant.client, retried))["status"] == "succeeded"
    job = await finished(tenant.client, given_up)
    assert job["status"] == "failed" and "interrupted" in job["error"]
    assert list(await emails(tenant)) == ["late@example.com"]


async def test_per_user_events_only_when_asked(tenant: Tenant) -> None:
    await finished(
        tenant.client,
        (await post_import(tenant.client, "email,name\ne@example.com,E\n", events=True)).headers["location"],
    )
    types = [e["type"] for e in (await tenant.client.get("/v1/events")).json()["data"]]
    assert sorted(types) == ["import.completed", "user.created"]


async def test_products_are_imported_by_a_job_too(tenant: Tenant) -> None:
    body = "name,sku,price,stock\nWidget,W-1,100,5\nGadget,G-1,250,\n"
    response = await tenant.client.post("/v1/products/import", content=body.encode(), headers={"content-type": CSV})
    assert response.status_code == 202, response.text
    job = await finished(tenant.client, response.headers["location"])
    assert (job["resource"], job["status"], job["counts"]["created"]) == ("products", "succeeded", 2)
    skus = sorted(p["sku"] for p in (await tenant.client.get("/v1/products")).json()["data"])
    assert skus == ["G-1", "W-1"]
    again = await tenant.client.post(
        "/v1/products/import", content=b"name,sku,price\nAgain,w-1,1\n", headers={"content-type": CSV}
    )
    failed = await finished(tenant.client, again.headers["location"])
    assert failed["status"] == "failed" and [(p["line"], p["field"]) for p in failed["problems"]] == [(2, "sku")]
    users_only = await tenant.client_with(USERS_READ)
    assert_error(await users_only.get(response.headers["location"]), 403, "insufficient_scope")
    dry = await tenant.client.post(
        "/v1/products/import",
        content=b"name,sku,price\nDry,D-1,1\n",
        headers={"content-type": CSV},
        params={"dry_run": "true"},
    )
    done = await finished(tenant.client, dry.headers["location"])
    assert (done["status"], done["dry_run"], done["counts"]["created"]) == ("succeeded", True, 1)
    assert len((await tenant.client.get("/v1/products")).json()["data"]) == 2
