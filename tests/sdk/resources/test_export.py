"""``client.users.export`` / ``client.products.export`` and ``export_to``: the streamed downloads,
with Client and AsyncClient alike, against the real server (and the scripted one for retries)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from redcore import Product, User
from redcore.exceptions import APIConnectionError, PermissionDeniedError, ValidationError
from tests.sdk.helpers import collect, done, unique
from tests.sdk.scripted import USER, Reply, ScriptedAPI, error

USER_COLUMNS = ["id", "email", "email_verified", "name", "role", "status", "avatar", "last_login", "created_at",
                "updated_at", "external_id", "public_metadata", "private_metadata"]  # fmt: skip


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode(), newline="")))


async def test_users_export_gives_the_lists_users_as_models_or_csv(api: Any, tmp_path: Path) -> None:
    tag = unique("exp")
    made = [
        await done(
            api.users.create(
                email=f"{tag}{i}@example.com", name=f"=Export {i}", role=("viewer", "editor")[i % 2],
                public_metadata={"i": i}, private_metadata={"crm": f"c{i}"},
            )
        )
        for i in range(5)
    ]  # fmt: skip

    exported = await collect(api.users.export(q=tag, sort="email", order="asc"))
    assert all(isinstance(u, User) for u in exported)
    assert exported == sorted(made, key=lambda u: u.email)
    assert await collect(api.users.export(q=tag, role="editor")) == await collect(api.users.iter(q=tag, role="editor"))

    chunks = await collect(api.users.export(format="csv", q=tag, sort="email", order="asc"))
    assert all(isinstance(chunk, bytes) for chunk in chunks)
    rows = csv_rows(b"".join(chunks))
    assert rows[0] == USER_COLUMNS
    assert [(row[0], row[3], row[11], row[12]) for row in rows[1:]] == [
        (u.id, f"'=Export {i}", f'{{"i":{i}}}', f'{{"crm":"c{i}"}}')
        for i, u in ((u.public_metadata["i"], u) for u in exported)
    ]

    target = tmp_path / "users.csv"
    written = await done(api.users.export_to(target, format="csv", q=tag, sort="email", order="asc"))
    assert target.read_bytes() == b"".join(chunks)
    assert written == len(b"".join(chunks))
    assert names(tmp_path) == ["users.csv"]


async def test_products_export(api: Any, tmp_path: Path) -> None:
    tag = unique("EXP-")
    for i, price in enumerate([300, 100, 200]):
        await done(api.products.create(name=f"Exported {i}", sku=f"{tag}{i}", price=price, metadata={"i": i}))

    exported = await collect(api.products.export(q=tag, sort="price", order="asc"))
    assert all(isinstance(p, Product) for p in exported)
    assert [p.price for p in exported] == [100, 200, 300]

    target = tmp_path / "products.ndjson"
    await done(api.products.export_to(target, q=tag, sort="price", order="asc"))
    assert [json.loads(line)["sku"] for line in target.read_text().splitlines()] == [p.sku for p in exported]
    assert (await collect(api.products.export(format="csv", q=tag)))[0].startswith(b"id,name,sku,price,")


async def test_refusals_come_before_the_first_item(api: Any, make_client: Any, readonly_key: str) -> None:
    with pytest.raises(ValueError, match="format"):
        api.users.export(format="xml")
    with pytest.raises(ValidationError) as refused:
        await collect(api.users.export(sort="price"))
    assert refused.value.details == [{"field": "sort", "issue": "must be one of created_at, name, email"}]
    readonly = make_client(api_key=readonly_key)
    with pytest.raises(PermissionDeniedError):
        await collect(readonly.products.export(format="csv"))


async def test_a_failure_before_the_body_is_retried_but_not_one_during_it(
    scripted: ScriptedAPI, client_for: Any, tmp_path: Path
) -> None:
    line = json.dumps(USER).encode() + b"\n"
    scripted.script(error(503, "service_unavailable"), Reply(200, line * 2))
    client = client_for()
    users = await collect(client.users.export(role="viewer"))
    assert [u.id for u in users] == ["usr_1", "usr_1"]
    assert [(s.path, s.headers["accept"]) for s in scripted.seen] == [
        ("/v1/users/export", "application/x-ndjson, application/json")
    ] * 2

    scripted.script(Reply(200, line, cut=True), Reply(200, line))
    got: list[Any] = []
    with pytest.raises(APIConnectionError, match="cut off"):
        await collect_into(client.users.export(), got)
    assert [u.id for u in got] == ["usr_1"]  # what arrived was given; the rest was not fetched again
    assert len(scripted.seen) == 1

    scripted.script(Reply(200, line, cut=True))
    with pytest.raises(APIConnectionError):
        await done(client.users.export_to(tmp_path / "cut.ndjson"))
    assert names(tmp_path) == []  # no file that looks whole


async def collect_into(items: Any, into: list[Any]) -> None:
    if hasattr(items, "__aiter__"):
        async for item in items:
            into.append(item)
    else:
        for item in items:
            into.append(item)
