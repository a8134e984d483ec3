"""Real ``redcore-server serve`` processes on the test database, for limits shared between processes
and for Redis faults: each with its own port and its log in a file the test can read."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from redcore_server.db import open_database
from redcore_server.keys import service as keys_service
from redcore_server.orgs import service as orgs_service
from tests.support import free_port


@dataclass
class Server:
    url: str
    log: Path
    proc: subprocess.Popen[bytes]

    def health(self) -> dict[str, str]:
        response = httpx.get(f"{self.url}/health", timeout=2)
        return response.json()  # type: ignore[no-any-return]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def serving(database_url: str, tmp: Path, count: int, **settings: str) -> Iterator[list[Server]]:
    """``count`` server processes (started together) on ``database_url`` with ``REDCORE_*`` settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDCORE_")}
    env |= {"REDCORE_DATABASE_URL": database_url, "REDCORE_LOG_LEVEL": "warning", "REDCORE_EMBEDDED_WORKER": "false"}
    env |= {f"REDCORE_{name.upper()}": value for name, value in settings.items()}
    with ExitStack() as stack:
        servers = []
        for _ in range(count):
            port, log = free_port(), tmp / f"server-{uuid.uuid4().hex[:8]}.log"
            out = stack.enter_context(log.open("wb"))
            proc = subprocess.Popen(
                [sys.executable, "-m", "redcore_server", "serve", "--json", "--port", str(port)],
                cwd=tmp,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=out,
            )
            stack.callback(_stop, proc)
            servers.append(Server(f"http://127.0.0.1:{port}", log, proc))
        deadline = time.monotonic() + 60
        for server in servers:
            while True:
                assert server.proc.poll() is None, f"the server exited: {server.log_text()}"
                try:
                    if httpx.get(f"{server.url}/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.05)
        yield servers


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


async def new_key(database_url: str, rate_limit: int | None = None) -> tuple[str, str]:
    """A fresh organization's admin key: ``(secret, key id)``."""
    async with open_database(database_url) as db, db.transaction() as tx:
        org = await orgs_service.create(tx, f"Org {uuid.uuid4().hex[:10]}")
        created = await keys_service.create(tx, org.id, name="admin", rate_limit=rate_limit)
    return created.secret, created.id
