"""Schemathesis against a real server, on the database under test: every operation of the OpenAPI
document, with data that fits it and data that does not, following the document's links, and every
check (no 5xx; every status, header and body as documented; valid data accepted and invalid data
refused; authentication enforced). It fails on any failure.

The run is bounded in time (``REDCORE_SCHEMATHESIS_SECONDS``, 60 by default) and random: each run
tries new cases, and a failure prints the seed and a ``curl`` to reproduce it. The hooks and the
configuration beside this file say what a careful client does that the document cannot say.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.sdk.server import ServerProcess, start_server

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
SECONDS = os.environ.get("REDCORE_SCHEMATHESIS_SECONDS", "60")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    running = start_server(tmp_path_factory.mktemp("schemathesis-server"))
    yield running
    running.stop()


def test_the_server_does_what_its_openapi_document_says(server: ServerProcess) -> None:
    auth = {"Authorization": f"Bearer {server.api_key}"}
    listed = httpx.get(f"http://127.0.0.1:{server.port}/v1/api_keys", headers=auth).json()["data"]
    own = [key["id"] for key in listed if server.api_key.startswith(key["prefix"])]
    assert len(own) == 1, listed
    env = os.environ | {
        "REDCORE_SCHEMATHESIS_KEY": server.api_key,
        "REDCORE_SCHEMATHESIS_KEY_ID": own[0],
        "SCHEMATHESIS_HOOKS": "tests.contract.schemathesis_hooks",
        "PYTHONPATH": str(ROOT),
    }
    command = [
        *(sys.executable, "-m", "schemathesis.cli"),
        *("--config-file", str(HERE / "schemathesis.toml"), "--no-color"),
        *("run", f"http://127.0.0.1:{server.port}/openapi.json"),
        *("--mode", "all", "--max-time", SECONDS),  # every check is on; the configuration says where not
        *("--phases", "examples,coverage,fuzzing,stateful", "--request-timeout", "10"),
    ]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=int(SECONDS) + 120)
    assert result.returncode == 0, result.stdout[-20_000:] + result.stderr[-5_000:]
    assert "unhandled error" not in (server.workdir / "serve.err").read_text()
    # The key schemathesis called with still works (it rolled and revoked it once, from the ids it
    # learns from responses; every later request was then a 401, and the run still passed).
    after = httpx.get(f"http://127.0.0.1:{server.port}/v1/api_keys/{own[0]}", headers=auth)
    assert after.status_code == 200, after.text
    assert after.json()["revoked_at"] is None and after.json()["expires_at"] is None, after.json()
