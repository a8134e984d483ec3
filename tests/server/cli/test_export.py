"""``redcore-server users export`` and ``products export``: the API's export, to a file or stdout."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from tests.support import Tenant
from tests.support.cli import CliResult, run_cli
from tests.support.exports import csv_rows, ndjson
from tests.support.products import create_product


async def cli(url: str, *args: str, check: bool = True) -> CliResult:
    """The CLI in a thread of its own: it runs its own event loop and opens its own database pool."""
    return await asyncio.to_thread(run_cli, *args, url=url, check=check)


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


async def api_export(tenant: Tenant, path: str, **params: Any) -> bytes:
    response = await tenant.client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.content


async def test_users_export_to_a_file_is_the_apis_export(tenant: Tenant, database_url: str, tmp_path: Path) -> None:
    for i in range(12):
        await tenant.create_user(name=f"=Name {i % 5}", role=("editor", "viewer")[i % 2], public_metadata={"i": i})
    team = (await tenant.client.post("/v1/teams", json={"name": "Crew"})).json()
    some = (await tenant.client.get("/v1/users", params={"limit": 4})).json()["data"]
    for user in some:
        await tenant.client.put(f"/v1/teams/{team['id']}/members/{user['id']}")
    out = tmp_path / "editors.csv"

    result = await cli(
        database_url,
        *("users", "export", "--org", tenant.org.name, "--format", "csv", "--role", "editor"),
        *("--sort", "name", "--order", "asc", "--output", str(out), "--json"),
    )
    assert json.loads(result.stdout) == {"exported": 6, "output": str(out)}
    expected = await api_export(tenant, "/v1/users/export", format="csv", role="editor", sort="name", order="asc")
    assert out.read_bytes() == expected
    assert len(csv_rows(expected)) == 7
    assert names(tmp_path) == ["editors.csv"]  # nothing partial left behind

    members = await cli(database_url, "users", "export", "--org", tenant.org.id, "--team", team["id"], "--q", "name")
    assert sorted(u["id"] for u in ndjson(members.stdout.encode())) == sorted(u["id"] for u in some)


async def test_the_default_is_ndjson_on_stdout(tenant: Tenant, database_url: str) -> None:
    await tenant.create_user(name="Only One", private_metadata={"crm": 7})
    result = await cli(database_url, "users", "export", "--org", tenant.org.id)
    assert result.stdout.encode() == await api_export(tenant, "/v1/users/export")
    assert ndjson(result.stdout.encode())[0]["private_metadata"] == {"crm": 7}
    assert result.stderr == ""  # no progress when stderr is not a terminal


async def test_products_export_filters_and_sorts_as_the_list(tenant: Tenant, database_url: str, tmp_path: Path) -> None:
    for i in range(9):
        status = ("available", "discontinued", "out_of_stock")[i % 3]
        await create_product(tenant, name=f"Lamp {i}", price=900 - i, status=status, metadata={"k": "v"})
    out = tmp_path / "lamps.ndjson"

    result = await cli(
        database_url,
        *("products", "export", "--org", tenant.org.name, "--status", "available", "--q", "lamp"),
        *("--sort", "price", "--order", "asc", "-o", str(out)),
    )
    assert result.stdout == f"Exported 3 products to {out}.\n"
    expected = await api_export(tenant, "/v1/products/export", status="available", q="lamp", sort="price", order="asc")
    assert out.read_bytes() == expected
    assert [p["price"] for p in ndjson(expected)] == [894, 897, 900]


async def test_failures_are_clean_and_leave_no_file(tenant: Tenant, database_url: str, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    unknown = await cli(database_url, "users", "export", "--org", "No Such Org", "-o", str(out), check=False)
    assert unknown.returncode == 1
    assert "No organization" in unknown.stderr

    bad_sort = await cli(database_url, "products", "export", "--org", tenant.org.id, "--sort", "stock", check=False)
    assert bad_sort.returncode == 1
    assert "sort: must be one of" in bad_sort.stderr

    bad_format = await cli(database_url, "users", "export", "--org", tenant.org.id, "--format", "xml", check=False)
    assert bad_format.returncode == 2
    assert names(tmp_path) == []
