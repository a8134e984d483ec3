"""``redcore-server products import``: a whole catalog or nothing, with bad rows named by line."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from redcore_server.db import open_database
from redcore_server.products import importing
from tests.support.cli import run_cli


@pytest.fixture
def catalog_db(fresh_database_url: str) -> str:
    run_cli("migrate", url=fresh_database_url)
    run_cli("bootstrap", "--org-name", "Shop", url=fresh_database_url)
    run_cli("orgs", "create", "EuroShop", "--currency", "EUR", url=fresh_database_url)
    return fresh_database_url


def query(url: str, sql: str) -> list:
    """Read back what the CLI wrote, straight from the database."""

    async def run() -> list:
        async with open_database(url) as db:
            return [tuple(r) for r in await db.fetch(sql)]

    return asyncio.run(run())


def product_count(url: str) -> int:
    return int(query(url, "SELECT count(*) FROM products")[0][0])


def test_csv_import_loads_every_row(catalog_db: str, tmp_path: Path) -> None:
    csv_file = tmp_path / "catalog.csv"
    csv_file.write_text(
        "name,sku,price,stock,status,currency\n"
        "Titanium Widget Pro,TWP-001,4999,250,available,\n"
        '"Gadget, large",GAD-1,100,,discontinued,EUR\n'
        "Thing,THG-9,0,3,,\n"
    )
    result = json.loads(run_cli("products", "import", str(csv_file), "--org", "Shop", "--json", url=catalog_db).stdout)
    assert result == {"imported": 3}
    assert product_count(catalog_db) == 3


def test_jsonl_import_uses_the_organizations_currency(catalog_db: str, tmp_path: Path) -> None:
    jsonl = tmp_path / "catalog.jsonl"
    jsonl.write_text(
        '{"name": "A", "sku": "A-1", "price": 10}\n\n{"name": "B", "sku": "B-1", "price": 20, "stock": 5}\n'
    )
    assert json.loads(
        run_cli("products", "import", str(jsonl), "--org", "EuroShop", "--json", url=catalog_db).stdout
    ) == {"imported": 2}
    assert query(catalog_db, "SELECT DISTINCT currency FROM products") == [("EUR",)]


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(catalog_db: str, tmp_path: Path) -> None:
    csv_file = tmp_path / "catalog.csv"
    csv_file.write_text(
        "name,sku,price,stock\n"
        "Good,OK-1,100,1\n"  # line 2
        "Negative,NEG-1,-5,1\n"  # line 3
        "Float,FL-1,1.5,1\n"  # line 4
        "Dup,ok-1,100,1\n"  # line 5: repeats line 2, case-insensitively
        ",NONAME,1,1\n"  # line 6: missing name
        "Curr,CUR-1,1,1\n"  # line 7: fine
    )
    result = run_cli("products", "import", str(csv_file), "--org", "Shop", "--json", url=catalog_db, check=False)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["imported"] == 0
    by_line = {(e["line"], e["field"]) for e in report["errors"]}
    assert by_line == {(3, "price"), (4, "price"), (5, "sku"), (6, "name")}
    assert product_count(catalog_db) == 0

    text = run_cli("products", "import", str(csv_file), "--org", "Shop", url=catalog_db, check=False)
    assert "line 3: price" in text.stderr
    assert "nothing was imported" in text.stderr


def test_skus_already_in_the_catalog_are_refused(catalog_db: str, tmp_path: Path) -> None:
    first = tmp_path / "first.jsonl"
    first.write_text('{"name": "A", "sku": "A-1", "price": 10}\n')
    run_cli("products", "import", str(first), "--org", "Shop", url=catalog_db)
    second = tmp_path / "second.jsonl"
    second.write_text('{"name": "B", "sku": "B-1", "price": 10}\n{"name": "A again", "sku": "a-1", "price": 10}\n')
    result = run_cli("products", "import", str(second), "--org", "Shop", "--json", url=catalog_db, check=False)
    assert result.returncode == 1
    assert [(e["line"], e["field"]) for e in json.loads(result.stdout)["errors"]] == [(2, "sku")]
    assert product_count(catalog_db) == 1


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("x.jsonl", '{"name": "A", "sku": "A-1", "price": 10, "colour": "red"}\n{not json\n', "colour"),
        ("x.csv", "name,sku,cost\nA,A-1,1\n", "cost"),
        ("x.txt", "whatever", ".csv"),
    ],
)
def test_malformed_files_are_explained(catalog_db: str, tmp_path: Path, name: str, content: str, needle: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    result = run_cli("products", "import", str(path), "--org", "Shop", url=catalog_db, check=False)
    assert result.returncode != 0
    assert needle in result.stderr
    assert product_count(catalog_db) == 0


def test_jsonl_rows_may_carry_metadata_within_its_limits(catalog_db: str, tmp_path: Path) -> None:
    jsonl = tmp_path / "meta.jsonl"
    deep = {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}
    jsonl.write_text(json.dumps({"name": "M", "sku": "M-1", "price": 1, "metadata": deep}) + "\n")
    refused = run_cli("products", "import", str(jsonl), "--org", "Shop", "--json", url=catalog_db, check=False)
    assert refused.returncode != 0 and "metadata" in refused.stdout + refused.stderr
    jsonl.write_text(json.dumps({"name": "M", "sku": "M-1", "price": 1, "metadata": {"k": [1], "gone": None}}) + "\n")
    assert json.loads(run_cli("products", "import", str(jsonl), "--org", "Shop", "--json", url=catalog_db).stdout) == {
        "imported": 1
    }
    assert query(catalog_db, "SELECT metadata FROM products") == [('{"k":[1]}',)]


def test_one_event_per_import_and_a_conflict_in_a_later_batch_undoes_the_earlier_ones(
    catalog_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "BATCH", 2)  # batches are written while the file is read
    rows = "".join(f"P{i},P-{i},{i}\n" for i in range(5))
    first = tmp_path / "first.csv"
    first.write_text(f"name,sku,price\n{rows}")
    assert json.loads(run_cli("products", "import", str(first), "--org", "Shop", "--json", url=catalog_db).stdout) == {
        "imported": 5
    }
    assert query(catalog_db, "SELECT type FROM events") == [("import.completed",)]
    second = tmp_path / "second.csv"
    second.write_text("name,sku,price\n" + "".join(f"Q{i},Q-{i},1\n" for i in range(5)) + "Again,p-4,1\n")
    result = run_cli("products", "import", str(second), "--org", "Shop", "--json", url=catalog_db, check=False)
    assert result.returncode == 1
    assert [(e["line"], e["field"]) for e in json.loads(result.stdout)["errors"]] == [(7, "sku")]
    assert product_count(catalog_db) == 5
