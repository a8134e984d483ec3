"""``redcore-server users import``: the rules of ``POST /v1/users`` for every row, all or nothing,
bad rows named by line, dry runs that write nothing, upserts by email or external_id."""

from __future__ import annotations

import asyncio
import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from redcore_server.db import open_database
from redcore_server.users import importing
from tests.support.cli import CliResult, run_cli

README = Path(__file__).resolve().parents[3] / "README.md"
HEADER = "email,name,role,status,avatar,external_id,email_verified,public_metadata,private_metadata"


@pytest.fixture
def org_db(fresh_database_url: str) -> str:
    run_cli("migrate", url=fresh_database_url)
    run_cli("bootstrap", "--org-name", "Acme", url=fresh_database_url)
    run_cli("orgs", "create", "Other", url=fresh_database_url)
    return fresh_database_url


def query(url: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    async def run() -> list[tuple[Any, ...]]:
        async with open_database(url) as db:
            return [tuple(r) for r in await db.fetch(sql, *args)]

    return asyncio.run(run())


def users(url: str, org: str = "Acme") -> dict[str, dict[str, Any]]:
    """The organization's users by email, as stored."""
    columns = "email, name, role, status, avatar, external_id, email_verified, public_metadata, private_metadata"
    rows = query(
        url,
        f"SELECT {columns}, password_hash FROM users WHERE org_id = (SELECT id FROM organizations WHERE name = $1)",
        org,
    )
    names = [*columns.split(", "), "password_hash"]
    return {row[0]: dict(zip(names, row, strict=True)) for row in rows}


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def imported(url: str, path: Path, *options: str, org: str = "Acme", check: bool = True) -> tuple[CliResult, Any]:
    result = run_cli("users", "import", str(path), "--org", org, "--json", *options, url=url, check=check)
    return result, json.loads(result.stdout)


def test_a_csv_file_makes_every_user_with_the_fields_it_gives(org_db: str, tmp_path: Path) -> None:
    csv_file = write(
        tmp_path,
        "users.csv",
        f"{HEADER},id,last_login,created_at,updated_at\n"  # what an export carries besides: ignored
        'Ada@Example.COM,Ada Lovelace,editor,,https://img.test/a.png,crm-1,true,"{""plan"":""pro""}",'
        '"{""score"":3,""gone"":null}",usr_x,,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z\n'
        "grace@example.com,'=HYPERLINK(1),,inactive,,,,,,,,,\n"  # a formula escaped by an export
        "barbara@example.com,Barbara,,,,,,,,,,,\n",
    )
    _, report = imported(org_db, csv_file)
    assert report["counts"] == {
        "rows": 3,
        "processed": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "failed": 0,
    }
    assert report["written"] is True and report["problems"] == []
    stored = users(org_db)
    ada = stored["Ada@example.com"]  # the normalised form: the domain lower-cased
    assert (ada["name"], ada["role"], ada["status"], ada["avatar"], ada["external_id"]) == (
        "Ada Lovelace",
        "editor",
        "pending_invite",  # no password hash: invited (but not emailed: no --invite)
        "https://img.test/a.png",
        "crm-1",
    )
    assert bool(ada["email_verified"]) is True
    assert (json.loads(ada["public_metadata"]), json.loads(ada["private_metadata"])) == ({"plan": "pro"}, {"score": 3})
    grace = stored["grace@example.com"]
    assert (grace["name"], grace["role"], grace["status"]) == ("=HYPERLINK(1)", "viewer", "inactive")
    assert query(org_db, "SELECT count(*) FROM emails") == [(0,)]
    assert query(org_db, "SELECT type FROM events") == [("import.completed",)]
    text = run_cli(
        "users", "import", str(write(tmp_path, "more.csv", "email,name\nnew@x.test,N\n")), "--org", "Acme", url=org_db
    )
    assert "1 created" in text.stdout


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(org_db: str, tmp_path: Path) -> None:
    csv_file = write(
        tmp_path,
        "users.csv",
        "email,name,role,external_id,public_metadata\n"
        "ok@example.com,Fine,,e-1,\n"  # line 2
        "not-an-email,Bad,,,\n"  # line 3
        "role@example.com,R,owner,,\n"  # line 4: no such role
        "OK@EXAMPLE.COM,Again,,,\n"  # line 5: repeats line 2's email, in another case
        "dup@example.com,D,,e-1,\n"  # line 6: repeats line 2's external_id
        "meta@example.com,M,,,[1]\n"  # line 7: metadata must be an object
        "noname@example.com,,,,\n"  # line 8: a new user needs a name
        "fine@example.com,Fine Too,admin,,\n",  # line 9
    )
    result, report = imported(org_db, csv_file, check=False)
    assert result.returncode == 1
    found = {(p["line"], p["field"]) for p in report["problems"]}
    assert found == {(3, "email"), (4, "role"), (5, "email"), (6, "external_id"), (7, "public_metadata"), (8, "name")}
    assert next(p for p in report["problems"] if p["line"] == 5)["issue"] == "repeats line 2"
    assert report["counts"]["failed"] == 6 and report["counts"]["rows"] == 8
    assert report["written"] is False
    assert users(org_db) == {}
    assert query(org_db, "SELECT count(*) FROM events") == [(0,)]

    text = run_cli("users", "import", str(csv_file), "--org", "Acme", url=org_db, check=False)
    assert "line 4: role: no role `owner` in this organization" in text.stderr
    assert "nothing was imported" in text.stderr


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("x.csv", "email,name,colour\na@x.test,A,red\n", "unknown column(s) colour"),
        ("x.csv", "name\nA\n", "missing column(s) email"),
        ("x.jsonl", '{"email": "a@x.test", "name": "A", "colour": "red"}\n', "colour"),
        ("x.jsonl", '{"email": "a@x.test", "name": "A"}\n{not json\n', "line 2"),
        ("x.jsonl", '{"email": "a@x.test", "name": "A", "password_hash": "$2b$12$abc"}\n', "password_hash"),
        ("x.txt", "whatever", ".csv"),
    ],
)
def test_malformed_files_are_explained(org_db: str, tmp_path: Path, name: str, content: str, needle: str) -> None:
    result = run_cli("users", "import", str(write(tmp_path, name, content)), "--org", "Acme", url=org_db, check=False)
    assert result.returncode != 0
    assert needle in result.stderr
    assert users(org_db) == {}


def test_existing_users_are_refused_unless_upserting_and_a_dry_run_writes_nothing(org_db: str, tmp_path: Path) -> None:
    first = write(tmp_path, "first.csv", "email,name,role\nada@example.com,Ada,viewer\nbob@example.com,Bob,viewer\n")
    imported(org_db, first)
    second = write(
        tmp_path,
        "second.jsonl",
        '{"email": "ADA@example.com", "role": "editor", "public_metadata": {"a": 1}}\n'
        '{"email": "bob@example.com", "name": "Bob"}\n'
        '{"email": "cy@example.com", "name": "Cy"}\n',
    )
    result, report = imported(org_db, second, check=False)
    assert result.returncode == 1
    assert [(p["line"], p["field"]) for p in report["problems"]] == [(1, "name"), (2, "email")]
    assert "already a user" in report["problems"][1]["issue"]

    _, dry = imported(org_db, second, "--upsert", "email", "--dry-run")
    assert dry["written"] is False
    assert dry["counts"] | {"rows": 0, "processed": 0} == {
        "rows": 0,
        "processed": 0,
        "created": 1,
        "updated": 1,
        "unchanged": 1,
        "failed": 0,
    }
    assert set(users(org_db)) == {"ada@example.com", "bob@example.com"}
    assert users(org_db)["ada@example.com"]["role"] == "viewer"

    _, done = imported(org_db, second, "--upsert", "email")
    assert (done["counts"]["created"], done["counts"]["updated"], done["counts"]["unchanged"]) == (1, 1, 1)
    stored = users(org_db)
    ada = stored["ADA@example.com"]  # the row's spelling of the address
    assert (ada["name"], ada["role"], json.loads(ada["public_metadata"])) == ("Ada", "editor", {"a": 1})
    assert stored["cy@example.com"]["name"] == "Cy"

    replaced = write(tmp_path, "third.jsonl", '{"email": "ada@example.com", "public_metadata": {"b": 2}}\n')
    imported(org_db, replaced, "--upsert", "email")
    assert json.loads(users(org_db)["ada@example.com"]["public_metadata"]) == {"b": 2}  # replaced, not merged


def test_upsert_by_external_id_may_change_the_email(org_db: str, tmp_path: Path) -> None:
    imported(
        org_db,
        write(tmp_path, "a.csv", "email,name,external_id,email_verified\nold@example.com,Old,crm-1,true\n"),
    )
    rows = write(
        tmp_path,
        "b.jsonl",
        '{"email": "new@example.com", "external_id": "crm-1", "status": "suspended"}\n'
        '{"email": "taken@example.com", "name": "T", "external_id": "crm-2"}\n'
        '{"email": "nokey@example.com", "name": "N"}\n',
    )
    _, report = imported(org_db, rows, "--upsert", "external_id", check=False)
    assert [(p["line"], p["field"]) for p in report["problems"]] == [(3, "external_id")]
    rows.write_text(rows.read_text().splitlines()[0] + "\n" + rows.read_text().splitlines()[1] + "\n")
    _, report = imported(org_db, rows, "--upsert", "external_id")
    assert (report["counts"]["created"], report["counts"]["updated"]) == (1, 1)
    moved = users(org_db)["new@example.com"]
    assert (moved["name"], moved["status"], moved["external_id"]) == ("Old", "suspended", "crm-1")
    assert bool(moved["email_verified"]) is False  # another address: not verified
    clash = write(tmp_path, "c.jsonl", '{"email": "taken@example.com", "external_id": "crm-1"}\n')
    _, report = imported(org_db, clash, "--upsert", "external_id", check=False)
    assert [(p["line"], p["field"]) for p in report["problems"]] == [(1, "email")]


def test_each_organization_imports_its_own_users(org_db: str, tmp_path: Path) -> None:
    rows = write(tmp_path, "u.csv", "email,name,external_id\nada@example.com,Ada,crm-1\n")
    imported(org_db, rows)
    imported(org_db, rows, org="Other")  # the same email and external_id: another organization's
    update = write(tmp_path, "v.csv", "email,name\nada@example.com,Ada Other\n")
    imported(org_db, update, "--upsert", "email", org="Other")
    assert users(org_db)["ada@example.com"]["name"] == "Ada"
    assert users(org_db, "Other")["ada@example.com"]["name"] == "Ada Other"


def test_events_and_invitations_only_when_asked(org_db: str, tmp_path: Path) -> None:
    rows = write(tmp_path, "u.csv", "email,name\na@example.com,A\nb@example.com,B\n")
    imported(org_db, rows, "--events", "--invite")
    types = sorted(t for (t,) in query(org_db, "SELECT type FROM events"))
    assert types == ["import.completed", "user.created", "user.created"]
    assert query(org_db, "SELECT count(*) FROM invitations") == [(2,)]
    assert sorted(to for (to,) in query(org_db, "SELECT to_address FROM emails")) == ["a@example.com", "b@example.com"]
    completed = json.loads(query(org_db, "SELECT data FROM events WHERE type = 'import.completed'")[0][0])
    assert completed == {
        "id": None,
        "resource": "users",
        "counts": {"rows": 2, "processed": 2, "created": 2, "updated": 0, "unchanged": 0, "failed": 0},
    }


def test_the_readme_import_example_runs_as_pasted(fresh_database_url: str, tmp_path: Path) -> None:
    url = fresh_database_url
    run_cli("migrate", url=url)
    run_cli("bootstrap", url=url)  # the organization "Default"
    section = README.read_text().split("\n## Importing users\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(\w+)\n(.*?)```", section, re.S)
    files, commands, shown = (next(body for kind, body in blocks if kind == k) for k in ("csv", "bash", "text"))
    (tmp_path / "users.csv").write_text(files)
    printed = []
    for command in commands.strip().splitlines():
        args = shlex.split(command)
        assert args[0] == "redcore-server"
        printed.append(run_cli(*args[1:], url=url, cwd=tmp_path).stdout.strip())
    assert printed == shown.strip().splitlines()
    assert json.loads(users(url, "Default")["ada@example.com"]["public_metadata"]) == {"plan": "pro"}


def test_a_problem_in_a_later_batch_undoes_the_batches_written_before_it(
    org_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "BATCH", 2)  # rows are written batch by batch while the file is read
    imported(org_db, write(tmp_path, "a.csv", "email,name\nthere@example.com,There\n"))
    rows = "".join(f"u{i}@example.com,U{i}\n" for i in range(6))
    _, report = imported(org_db, write(tmp_path, "b.csv", f"email,name\n{rows}There@Example.com,Again\n"), check=False)
    assert [(p["line"], p["field"]) for p in report["problems"]] == [(8, "email")]
    assert report["counts"]["created"] == 0 and report["written"] is False
    assert set(users(org_db)) == {"there@example.com"}
    _, report = imported(org_db, write(tmp_path, "c.csv", f"email,name\n{rows}u0@example.com,Twice\n"), check=False)
    assert [(p["line"], p["issue"]) for p in report["problems"]] == [(8, "repeats line 2")]
    _, report = imported(org_db, write(tmp_path, "d.csv", f"email,name\n{rows}"))
    assert report["counts"]["created"] == 6 and len(users(org_db)) == 7
