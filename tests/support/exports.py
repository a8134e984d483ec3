"""What the export tests share: many users inserted fast, the two formats read back, and a raw ASGI
call that sees the response body chunk by chunk (httpx's in-process transport gathers it whole)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from litestar import Litestar

from redcore_server.db import Database
from redcore_server.ids import new_id
from redcore_server.kit import metadata
from redcore_server.kit.csv_cells import escape_cell
from redcore_server.users import spec as users_spec
from redcore_server.users.emails import email_key
from redcore_server.users.repository import USERS
from redcore_server.users.schemas import ID_PREFIX, User

USER_COLUMNS = [
    "id",
    "email",
    "email_verified",
    "name",
    "role",
    "status",
    "avatar",
    "last_login",
    "created_at",
    "updated_at",
    "external_id",
    "public_metadata",
    "private_metadata",
]
PRODUCT_COLUMNS = ["id", "name", "sku", "price", "currency", "stock", "status", "created_at", "updated_at", "metadata"]


async def insert_users(app: Litestar, org_id: str, count: int, prefix: str = "bulk") -> None:
    """``count`` users of ``org_id`` written straight to the table (no events, no invitations), in
    one transaction: a large organization in seconds. Created a millisecond apart, oldest first."""
    db: Database = app.state.db
    start = datetime.now(UTC) - timedelta(days=1)
    async with db.transaction() as tx:
        for i in range(count):
            moment = start + timedelta(milliseconds=i)
            email = f"{prefix}{i:06d}@example.com"
            user = User(
                id=new_id(ID_PREFIX),
                email=email,
                email_verified=False,
                name=f"Bulk {i:06d}",
                role="viewer",
                status="active",
                avatar=None,
                last_login=None,
                created_at=moment,
                updated_at=moment,
                external_id=None,
                public_metadata={"n": i},
                private_metadata={},
            )
            stored = {"public_metadata": metadata.encode(user.public_metadata), "private_metadata": "{}"}
            await USERS.insert(tx, users_spec.USERS.values(user, org_id, {"email_key": email_key(email), **stored}))


def ndjson(body: bytes) -> list[dict[str, Any]]:
    """The objects of an NDJSON body: every line one JSON object, the last one ended too."""
    if not body:
        return []
    assert body.endswith(b"\n")
    return [json.loads(line) for line in body.decode().split("\n")[:-1]]


def csv_rows(body: bytes) -> list[list[str]]:
    """The rows of a CSV body, header included (RFC 4180: ``\\r\\n`` line ends)."""
    text = body.decode("utf-8")
    assert not text or text.endswith("\r\n")
    return list(csv.reader(io.StringIO(text, newline="")))


def expected_cells(item: dict[str, Any], columns: list[str]) -> list[str]:
    """The CSV row the export promises for ``item`` as the API shows it (written out independently)."""
    cells = []
    for column in columns:
        value = item[column]
        if value is None:
            cells.append("")
        elif isinstance(value, bool):
            cells.append("true" if value else "false")
        elif isinstance(value, int):
            cells.append(str(value))
        elif isinstance(value, str):
            cells.append(escape_cell(value))
        else:
            cells.append(json.dumps(value, separators=(",", ":"), ensure_ascii=False))
    return cells


@dataclass
class Streamed:
    status: int
    headers: dict[str, str]
    chunks: list[bytes] = field(default_factory=list)
    complete: bool = False  # the body's last message (more_body false) was sent

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)


async def stream(
    app: Litestar, key: str, path: str, params: dict[str, Any] | None = None, *, disconnect_after: int | None = None
) -> Streamed:
    """``GET path`` through the ASGI app, each ``http.response.body`` chunk kept apart. With
    ``disconnect_after``, the client goes away once that many chunks have arrived."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    inbox.put_nowait({"type": "http.request", "body": b"", "more_body": False})
    result = Streamed(status=0, headers={})

    async def receive() -> dict[str, Any]:
        return await inbox.get()

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            result.status = message["status"]
            result.headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            if message.get("body"):
                result.chunks.append(message["body"])
                if disconnect_after is not None and len(result.chunks) == disconnect_after:
                    inbox.put_nowait({"type": "http.disconnect"})
            if not message.get("more_body"):
                result.complete = True
                inbox.put_nowait({"type": "http.disconnect"})  # what a server says once the answer is out

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": urlencode(params or {}).encode(),
        "headers": [(b"host", b"testserver"), (b"authorization", f"Bearer {key}".encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    await app(scope, receive, send)  # type: ignore[arg-type]
    return result
