"""A PostgreSQL restart under write load, on a short-lived cluster of the test's own (never the
shared server): two real ``redcore-server serve`` processes take concurrent creates of users and
products through HTTP while the cluster restarts (``pg_ctl restart -m fast``).

What must hold: no 500 at all (every answer a 201, or a 503 in the contract's shape with
``Retry-After``), no lost or partial rows (every 201 a client saw is in the database with its
event, every user with its invitation and email, nothing half-written), writes succeed again within
a few seconds, and a revocation made through one process afterwards is honoured by the other at
once (its LISTEN connection came back)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from redcore_server.db import open_database
from redcore_server.db.migrate import upgrade
from redcore_server.orgs import service as orgs_service
from tests import support
from tests.support import free_port


def _postgres_bin() -> Path | None:
    """The newest installed PostgreSQL server binaries (``initdb``, ``pg_ctl``, ``postgres``)."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name or 0))
    on_path = shutil.which("pg_ctl")
    if on_path and not candidates:
        candidates.append(Path(on_path).resolve().parent)
    found = [c for c in candidates if all((c / name).exists() for name in ("initdb", "pg_ctl", "postgres"))]
    return found[-1] if found else None


PG_BIN = _postgres_bin()
pytestmark = [
    pytest.mark.skipif(PG_BIN is None, reason="PostgreSQL server binaries (initdb, pg_ctl) are not installed"),
    pytest.mark.skipif(
        support.BACKEND != "postgresql", reason="runs its own PostgreSQL once per suite run, in the PostgreSQL pass"
    ),
]

WRITERS_PER_SERVER = 4
RECOVERY_BOUND = 5.0  # seconds after the restart completes by which writes must succeed again


class Cluster:
    """A throwaway PostgreSQL cluster in a temporary directory, on a free port, fsync off."""

    def __init__(self, root: Path) -> None:
        assert PG_BIN is not None
        self.bin = PG_BIN
        self.root = root
        self.data = root / "data"
        self.port = free_port()
        self.log = str(root / "postgres.log")  # the server's own output: never a pipe it would keep open
        self.options = (
            f"-p {self.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c full_page_writes=off -c synchronous_commit=off -c max_connections=60"
        )

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=timeout, cwd=self.root)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", self.log, "-o", self.options, "-w", "start")

    def restart(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", self.log, "-o", self.options, "-m", "fast", "-w", "restart")

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=30)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    root = Path(tempfile.mkdtemp(prefix="redcore-pg-"))
    cluster = Cluster(root)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


SERVER_ENV = {
    "REDCORE_RATE_LIMIT": "0",
    "REDCORE_AUTH_FAILURE_LIMIT": "0",
    "REDCORE_SIGNIN_ADDRESS_LIMIT": "0",
    "REDCORE_SIGNIN_FAILURE_LIMIT": "0",
    "REDCORE_INVITATION_ORG_LIMIT": "1000000",
    "REDCORE_INVITATION_ADDRESS_LIMIT": "1000000",
    "REDCORE_ARGON2_TIME_COST": "2",
    "REDCORE_ARGON2_MEMORY_COST": "19456",
    "REDCORE_ARGON2_PARALLELISM": "1",
    "REDCORE_DB_ACQUIRE_TIMEOUT": "2",
    "REDCORE_DB_LOCK_TIMEOUT": "2",
    "REDCORE_DB_STATEMENT_TIMEOUT": "5",
    "REDCORE_LOG_LEVEL": "warning",
}


def _spawn(root: Path, env: dict[str, str]) -> Server:
    port, log = free_port(), root / f"server-{uuid.uuid4().hex[:6]}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "redcore_server", "serve", "--port", str(port)],
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Server(port, process, log)


def _stop(started: list[Server]) -> None:
    for server in started:
        server.process.send_signal(signal.SIGTERM)
    for server in started:
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@contextlib.asynccontextmanager
async def servers(url: str, root: Path, count: int) -> AsyncIterator[list[Server]]:
    """``count`` server processes on ``url``, each with its own pool and LISTEN connection."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDCORE_")} | SERVER_ENV
    env["REDCORE_DATABASE_URL"] = url
    started: list[Server] = []
    try:
        for _ in range(count):
            started.append(_spawn(root, env))
        async with httpx.AsyncClient(timeout=2) as client:
            for server in started:
                await _until_healthy(client, server)
        yield started
    finally:
        await asyncio.to_thread(_stop, started)


async def _until_healthy(client: httpx.AsyncClient, server: Server) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.process.poll() is None, server.log.read_text()
        with contextlib.suppress(httpx.HTTPError):
            if (await client.get(f"{server.base}/health")).status_code == 200:
                return
        await asyncio.sleep(0.1)
    raise AssertionError(f"server did not become healthy: {server.log.read_text()}")


@dataclass
class Outcome:
    kind: str  # "users" or "products"
    sent_at: float
    answered_at: float
    status: int | None  # None: no HTTP answer at all
    body: Any
    retry_after: str | None


async def write_load(
    client: httpx.AsyncClient, base: str, outcomes: list[Outcome], stop: asyncio.Event, n: int
) -> None:
    """Create users and products one after another until told to stop."""
    while not stop.is_set():
        kind = "users" if n % 2 else "products"
        n += 2
        tag = uuid.uuid4().hex[:12]
        if kind == "users":
            body: dict[str, Any] = {"email": f"{tag}@example.com", "name": f"Load {tag}"}
        else:
            body = {"name": f"Load {tag}", "sku": f"LOAD-{tag}", "price": 100}
        sent_at = time.monotonic()
        try:
            response = await client.post(f"{base}/v1/{kind}", json=body)
        except httpx.HTTPError as exc:
            outcomes.append(Outcome(kind, sent_at, time.monotonic(), None, repr(exc), None))
            await asyncio.sleep(0.05)
            continue
        retry_after = response.headers.get("retry-after")
        outcomes.append(Outcome(kind, sent_at, time.monotonic(), response.status_code, response.json(), retry_after))
        if response.status_code != 201:
            await asyncio.sleep(0.05)


async def bootstrap(url: str) -> tuple[str, str]:
    await asyncio.to_thread(upgrade, url)
    async with open_database(url) as db, db.transaction() as tx:
        org, key = await orgs_service.bootstrap(tx, "Restart")
    return org.id, key.secret


async def revocation_reaches(
    here: httpx.AsyncClient, elsewhere: httpx.AsyncClient, admin: dict[str, str], org_id: str
) -> bool:
    """Sign a user in through ``here``, let ``elsewhere`` cache the token, revoke the user's sessions
    through ``here``: is the token refused by ``elsewhere`` at once (well within its cache's second)?"""
    email, password = f"{uuid.uuid4().hex[:10]}@example.com", "a long enough password"
    body = {"email": email, "name": "Signed In", "password": password}
    made = await here.post("/v1/users", json=body, headers=admin)
    if made.status_code != 201:
        return False
    user = made.json()
    signed_in = await here.post("/v1/auth/token", json={"organization": org_id, "email": email, "password": password})
    if signed_in.status_code != 200:
        return False
    token = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    if (await elsewhere.get(f"/v1/users/{user['id']}", headers=token)).status_code != 200:
        return False
    revoked = await here.delete(f"/v1/users/{user['id']}/sessions", headers=admin)
    if revoked.status_code != 204:
        return False
    started = time.monotonic()
    while time.monotonic() - started < 0.3:
        if (await elsewhere.get(f"/v1/users/{user['id']}", headers=token)).status_code == 401:
            return True
        await asyncio.sleep(0.02)
    return False


async def test_a_postgres_restart_under_write_load_loses_nothing_and_recovers(cluster: Cluster) -> None:
    began = time.monotonic()
    admin_conn = await asyncpg.connect(cluster.url())
    await admin_conn.execute("CREATE DATABASE redcore")
    await admin_conn.close()
    url = cluster.url("redcore")
    org_id, key = await bootstrap(url)
    admin = {"Authorization": f"Bearer {key}"}

    async with servers(url, cluster.root, 2) as (first, second), httpx.AsyncClient(headers=admin, timeout=30) as client:
        outcomes: list[Outcome] = []
        stop = asyncio.Event()
        load = [
            asyncio.create_task(write_load(client, server.base, outcomes, stop, n))
            for n, server in enumerate([first, second] * WRITERS_PER_SERVER)
        ]
        try:
            await asyncio.sleep(2.0)
            before = sum(o.status == 201 for o in outcomes)
            await asyncio.to_thread(cluster.restart)
            restarted_at = time.monotonic()
            deadline = restarted_at + RECOVERY_BOUND
            while not any(o.status == 201 and o.sent_at >= restarted_at for o in outcomes):
                assert time.monotonic() < deadline, "writes did not succeed again within the bound"
                await asyncio.sleep(0.05)
            recovered_at = min(o.answered_at for o in outcomes if o.status == 201 and o.sent_at >= restarted_at)
            await asyncio.sleep(1.0)
        finally:
            stop.set()
            await asyncio.gather(*load)

        # A revocation through one process is honoured by the other at once: its LISTEN came back.
        async with (
            httpx.AsyncClient(base_url=first.base, timeout=10) as here,
            httpx.AsyncClient(base_url=second.base, timeout=10) as elsewhere,
        ):
            deadline = time.monotonic() + RECOVERY_BOUND
            while not await revocation_reaches(here, elsewhere, admin, org_id):
                assert time.monotonic() < deadline, "revocations no longer reach the other process"

    # Every answer was a 201, or a 503 in the contract's shape with Retry-After: no 500, no hang.
    assert before > 0
    logs = first.log.read_text() + second.log.read_text()
    unexpected = [o for o in outcomes if o.status not in (201, 503)]
    first_error = logs.find("unhandled error")
    assert not unexpected, f"{unexpected[:3]}\n{logs[first_error : first_error + 8000]}"
    for o in outcomes:
        if o.status == 503:
            assert o.body["error"]["code"] == "service_unavailable" and o.retry_after, o
    assert "unhandled error" not in logs, logs[-6000:]

    # Nothing lost, nothing half-written.
    conn = await asyncpg.connect(url)
    try:
        seen = {k: {o.body["id"] for o in outcomes if o.kind == k and o.status == 201} for k in ("users", "products")}
        rows = await conn.fetch("SELECT id, email FROM users WHERE org_id = $1 AND name LIKE 'Load %'", org_id)
        users = {r[0]: r[1] for r in rows}
        products = {r[0] for r in await conn.fetch("SELECT id FROM products WHERE org_id = $1", org_id)}
        assert seen["users"] <= set(users) and seen["products"] <= products
        for kind, ids in (("user", set(users)), ("product", products)):
            created = await conn.fetch(
                "SELECT (data::json)->>'id', count(*) FROM events WHERE org_id = $1 AND type = $2 GROUP BY 1",
                org_id,
                f"{kind}.created",
            )
            counts = {r[0]: r[1] for r in created}
            assert set(counts) >= ids and all(counts[i] == 1 for i in ids), f"{kind}s without exactly one event"
        invited = {r[0] for r in await conn.fetch("SELECT user_id FROM invitations WHERE org_id = $1", org_id)}
        mailed = {r[0] for r in await conn.fetch("SELECT to_address FROM emails WHERE org_id = $1", org_id)}
        assert set(users) <= invited and set(users.values()) <= mailed
    finally:
        await conn.close()

    statuses = [o.status for o in outcomes]
    print(
        f"\n{len(outcomes)} writes: {statuses.count(201)} × 201, {statuses.count(503)} × 503;"
        f" writes again {recovered_at - restarted_at:.2f}s after the restart completed;"
        f" whole test {time.monotonic() - began:.1f}s"
    )
