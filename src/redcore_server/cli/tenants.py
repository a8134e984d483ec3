"""``redcore-server orgs`` and ``keys``: organizations and their API keys."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from redcore_server.cli.support import JsonOpt
from redcore_server.cli.support import emit as _emit
from redcore_server.cli.support import run as _run
from redcore_server.config import Settings
from redcore_server.db import Database
from redcore_server.keys import repository as keys_repository
from redcore_server.keys import service as keys_service
from redcore_server.orgs import repository as orgs_repository
from redcore_server.orgs import service as orgs_service

orgs_app = typer.Typer(help="Organizations (tenants).", no_args_is_help=True)
keys_app = typer.Typer(help="API keys of an organization.", no_args_is_help=True)


@orgs_app.command("create")
def orgs_create(
    name: Annotated[str, typer.Argument(help="A unique organization name.")],
    currency: Annotated[str, typer.Option(help="Base currency (ISO 4217).")] = "USD",
    as_json: JsonOpt = False,
) -> None:
    """Create an organization."""

    async def work(db: Database) -> Any:
        async with db.transaction() as tx:
            return await orgs_service.create(tx, name, base_currency=currency)

    org = _run(Settings(), work, as_json)
    _emit(as_json, org, f"Created organization {org.name} ({org.id}).")


@orgs_app.command("list")
def orgs_list(as_json: JsonOpt = False) -> None:
    """List organizations."""
    orgs = _run(Settings(), orgs_repository.list_all, as_json)
    _emit(as_json, orgs, "\n".join(f"{o.id}  {o.name}  {o.base_currency}" for o in orgs) or "No organizations.")


@keys_app.command("create")
def keys_create(
    org: Annotated[str, typer.Option("--org", help="Organization id or name.")],
    scopes: Annotated[
        str | None, typer.Option(help="Comma-separated scopes, e.g. users:read,users:write. Default: all.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="A label to recognise the key by.")] = None,
    rate_limit: Annotated[
        int | None, typer.Option("--rate-limit", help="Requests per window for this key (default: REDCORE_RATE_LIMIT).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an API key and print its secret (once)."""

    async def work(db: Database) -> Any:
        async with db.transaction() as tx:
            organization = await orgs_service.resolve(tx, org)
            return await keys_service.create(tx, organization.id, scopes=scopes, name=name, rate_limit=rate_limit)

    created = _run(Settings(), work, as_json)
    _emit(
        as_json,
        {"api_key": created.secret, "key": created.key},
        f"Key {created.key.id} ({' '.join(created.key.scopes)})\nSecret (shown once): {created.secret}",
    )


@keys_app.command("list")
def keys_list(
    org: Annotated[str, typer.Option("--org", help="Organization id or name.")], as_json: JsonOpt = False
) -> None:
    """List an organization's keys (prefixes only; secrets are never stored)."""

    async def work(db: Database) -> Any:
        organization = await orgs_service.resolve(db, org)
        return await keys_repository.list_for_org(db, organization.id)

    keys = _run(Settings(), work, as_json)
    lines = [
        f"{k.id}  {k.prefix}…  {'revoked' if k.revoked_at else 'active'}  {' '.join(k.scopes)}"
        f"  limit {k.rate_limit or 'default'}  {k.name or ''}"
        for k in keys
    ]
    _emit(as_json, keys, "\n".join(lines) or "No keys.")


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (key_…).")],
    org: Annotated[str, typer.Option("--org", help="Organization id or name.")],
    as_json: JsonOpt = False,
) -> None:
    """Revoke a key. Every server stops accepting it within a second."""

    async def work(db: Database) -> Any:
        async with db.transaction() as tx:
            organization = await orgs_service.resolve(tx, org)
            return await keys_service.revoke(tx, organization.id, key_id)

    key = _run(Settings(), work, as_json)
    _emit(as_json, key, f"Revoked {key.id}.")
