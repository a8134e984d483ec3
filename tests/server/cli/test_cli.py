"""The operator's CLI, run as a real process against a real database, and the front door:
``redcore-server serve`` in an empty directory answers the curl command it prints."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from redcore_server.auth.scopes import ALL_SCOPES
from tests import support
from tests.support import free_port
from tests.support.cli import run_cli

CLI = [sys.executable, "-m", "redcore_server"]


def test_migrate_bootstrap_keys_and_orgs(fresh_database_url: str) -> None:
    url = fresh_database_url
    refused = run_cli("bootstrap", "--json", url=url, check=False)
    assert refused.returncode != 0
    assert "redcore-server migrate" in refused.stderr  # the clear message for an unmigrated database

    assert json.loads(run_cli("migrate", "--json", url=url).stdout)["revision"]
    boot = json.loads(run_cli("bootstrap", "--json", "--org-name", "Acme", url=url).stdout)
    assert boot["organization"]["name"] == "Acme"
    assert boot["organization"]["id"].startswith("org_")
    assert boot["api_key"].startswith("sk_live_")

    again = run_cli("bootstrap", "--json", url=url, check=False)
    assert again.returncode != 0
    assert "already" in again.stderr

    org = json.loads(run_cli("orgs", "create", "Globex", "--json", url=url).stdout)
    assert org["name"] == "Globex"
    dup = run_cli("orgs", "create", "Globex", url=url, check=False)
    assert dup.returncode != 0

    created = json.loads(
        run_cli("keys", "create", "--org", "Globex", "--scopes", "users:read", "--name", "ci", "--json", url=url).stdout
    )
    assert created["api_key"].startswith("sk_live_")
    assert created["key"]["scopes"] == ["users:read"]
    by_id = json.loads(run_cli("keys", "create", "--org", org["id"], "--json", url=url).stdout)
    assert by_id["key"]["scopes"] == list(ALL_SCOPES)  # no --scopes: an admin key

    bad_scope = run_cli("keys", "create", "--org", "Globex", "--scopes", "users:root", url=url, check=False)
    assert bad_scope.returncode != 0
    assert "users:root" in bad_scope.stderr
    assert run_cli("keys", "create", "--org", "Nobody", url=url, check=False).returncode != 0

    listed = json.loads(run_cli("keys", "list", "--org", "Globex", "--json", url=url).stdout)
    assert {k["id"] for k in listed} == {created["key"]["id"], by_id["key"]["id"]}
    assert created["api_key"] not in json.dumps(listed)  # secrets are never shown again

    revoked = json.loads(run_cli("keys", "revoke", created["key"]["id"], "--org", "Globex", "--json", url=url).stdout)
    assert revoked["revoked_at"]
    wrong_org = run_cli("keys", "revoke", by_id["key"]["id"], "--org", "Acme", url=url, check=False)
    assert wrong_org.returncode != 0

    orgs = json.loads(run_cli("orgs", "list", "--json", url=url).stdout)
    assert [o["name"] for o in orgs] == ["Acme", "Globex"]


@pytest.mark.skipif(support.BACKEND != "sqlite", reason="the first-run path is the embedded SQLite default")
def test_serve_in_a_fresh_directory_answers_its_printed_curl_command(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDCORE_")}
    env |= {"REDCORE_PORT": str(port)}
    proc = subprocess.Popen(
        [*CLI, "serve", "--json"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        banner = json.loads(proc.stdout.readline())
        assert (tmp_path / "redcore.db").exists()
        assert banner["api_key"].startswith("sk_live_")
        curl = banner["curl"]
        assert banner["api_key"] in curl
        assert f"http://127.0.0.1:{port}/v1/users" in curl
        _wait_healthy(port)
        if shutil.which("curl"):
            out = subprocess.run(  # the printed command, verbatim, plus flags to read the status
                [*shlex.split(curl), "-s", "-o", "/dev/null", "-w", "%{http_code}"],
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert out.stdout == "200"
        response = httpx.get(
            f"http://127.0.0.1:{port}/v1/users", headers={"Authorization": f"Bearer {banner['api_key']}"}
        )
        assert response.status_code == 200
        assert response.json()["meta"]["total"] == 0
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)

    # A second start on the same directory keeps the data and does not mint another key.
    proc = subprocess.Popen(
        [*CLI, "serve", "--json"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        assert "api_key" not in json.loads(proc.stdout.readline())
        _wait_healthy(port)
        response = httpx.get(
            f"http://127.0.0.1:{port}/v1/users", headers={"Authorization": f"Bearer {banner['api_key']}"}
        )
        assert response.status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


def test_serve_refuses_an_unmigrated_database(fresh_database_url: str, tmp_path: Path) -> None:
    if support.BACKEND == "sqlite":
        (tmp_path / "existing.db").write_bytes(b"")
        url = f"sqlite:///{tmp_path / 'existing.db'}"
    else:
        url = fresh_database_url
    result = run_cli("serve", "--port", str(free_port()), url=url, cwd=tmp_path, check=False)
    assert result.returncode != 0
    assert "redcore-server migrate" in result.stderr


def _wait_healthy(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("server did not become healthy")


def test_serve_refuses_several_workers_without_a_shared_rate_limit(database_url: str, tmp_path: Path) -> None:
    result = run_cli("serve", "--workers", "2", "--port", str(free_port()), url=database_url, cwd=tmp_path, check=False)
    assert result.returncode != 0
    assert "REDCORE_REDIS_URL" in result.stderr


def test_keys_carry_their_own_rate_limit(fresh_database_url: str) -> None:
    # A database of its own: a blocking test must not wait on the session app's (whose event loop it
    # blocks) writes to the shared one.
    database_url = fresh_database_url
    run_cli("migrate", url=database_url)
    org = json.loads(
        run_cli("orgs", "create", f"Limits {os.getpid()}-{time.time_ns()}", "--json", url=database_url).stdout
    )
    created = json.loads(
        run_cli("keys", "create", "--org", org["id"], "--rate-limit", "50", "--json", url=database_url).stdout
    )
    assert created["key"]["rate_limit"] == 50
    listed = json.loads(run_cli("keys", "list", "--org", org["id"], "--json", url=database_url).stdout)
    assert [k["rate_limit"] for k in listed] == [50]
    assert "limit 50" in run_cli("keys", "list", "--org", org["id"], url=database_url).stdout
    bad = run_cli("keys", "create", "--org", org["id"], "--rate-limit", "0", url=database_url, check=False)
    assert bad.returncode != 0
    assert "rate_limit" in bad.stderr


def test_version_comes_from_one_place() -> None:
    """``redcore-server --version``, ``redcore.__version__`` (the SDK, also in its User-Agent) and the
    server's OpenAPI document all say the version ``pyproject.toml`` gives."""
    import tomllib

    import redcore
    from redcore._base import VERSION
    from redcore_server import __version__

    declared = tomllib.loads((Path(__file__).parents[3] / "pyproject.toml").read_text())["project"]["version"]
    printed = subprocess.run([*CLI, "--version"], capture_output=True, text=True, check=True).stdout
    assert printed == f"redcore-server {declared}\n"
    assert redcore.__version__ == VERSION == __version__ == declared
