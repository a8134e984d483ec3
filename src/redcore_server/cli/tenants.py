"""``redcore-server orgs`` and ``keys``: organizations and their API keys."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import typer

from redcore_server.auth.scopes import parse_scopes
from redcore_server.cli.support import JsonOpt, fail
from redcore_server.cli.support import emit as _emit
from redcore_server.cli.support import run as _run
from redcore_server.config import Settings
from redcore_server.db import Database
from redcore_server.db.uow import UnitOfWork
from redcore_server.events.recorder import record
from redcore_server.keys import repository as keys_repository
from redcore_server.keys.schemas import GRACE_DEFAULT, GRACE_MAX, ApiKey, ApiKeyCreate, RollApiKey
from redcore_server.keys.service import KeyService, public
from redcore_server.orgs import repository as orgs_repository
from redcore_server.orgs import service as orgs_service

orgs_app = typer.Typer(help="Organizations (tenants).", no_args_is_help=True)
keys_app = typer.Typer(help="API keys of an organization.", no_args_is_help=True)
T = TypeVar("T")


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


def _keys(work: Callable[[KeyService, UnitOfWork, str], Awaitable[T]], org: str, as_json: bool) -> T:
    """Run ``work`` with the key service the HTTP routes use, as the operator (who holds every
    scope), in one unit of work: committed at the end, with the revocation notice it may carry."""

    async def main(db: Database) -> T:
        uow = UnitOfWork(db)
        try:
            organization = await orgs_service.resolve(db, org)
            result = await work(KeyService(record), uow, organization.id)
        except BaseException as exc:
            await uow.finish(exc)
            raise
        await uow.finish(None)
        return result

    return _run(Settings(), main, as_json)


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
    expires_at: Annotated[
        datetime | None,
        typer.Option("--expires-at", help="When the key stops working (UTC), e.g. 2027-01-31T00:00:00."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an API key and print its secret (once)."""
    try:
        granted = list(parse_scopes(scopes))
    except ValueError as exc:
        raise fail(f"--scopes: {exc}", as_json) from None
    when = expires_at.replace(tzinfo=UTC) if expires_at is not None and expires_at.tzinfo is None else expires_at
    data = ApiKeyCreate(name=name, scopes=granted, expires_at=when, rate_limit=rate_limit)  # type: ignore[arg-type]
    created = _keys(lambda keys, uow, org_id: keys.create(uow, org_id, data), org, as_json)
    _emit(
        as_json,
        {"api_key": created.secret, "key": public(created)},
        f"Key {created.id} ({' '.join(created.scopes)})\nSecret (shown once): {created.secret}",
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
        f"{k.id}  {k.prefix}…  {_state(k)}  {' '.join(k.scopes)}  limit {k.rate_limit or 'default'}  {k.name or ''}"
        for k in keys
    ]
    _emit(as_json, keys, "\n".join(lines) or "No keys.")


def _state(key: ApiKey) -> str:
    if key.revoked_at is not None:
        return "revoked"
    if key.expires_at is not None:
        return f"expires {key.expires_at:%Y-%m-%dT%H:%M:%SZ}"
    return "active"


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (key_…).")],
    org: Annotated[str, typer.Option("--org", help="Organization id or name.")],
    as_json: JsonOpt = False,
) -> None:
    """Revoke a key. Every server stops accepting it within a second (at once on PostgreSQL)."""
    key = _keys(lambda keys, uow, org_id: keys.revoke(uow, org_id, key_id), org, as_json)
    _emit(as_json, key, f"Revoked {key.id}.")


@keys_app.command("roll")
def keys_roll(
    key_id: Annotated[str, typer.Argument(help="The key's id (key_…).")],
    org: Annotated[str, typer.Option("--org", help="Organization id or name.")],
    grace_period: Annotated[
        int, typer.Option("--grace-period", min=0, max=GRACE_MAX, help="Seconds the old secret keeps working.")
    ] = GRACE_DEFAULT,
    as_json: JsonOpt = False,
) -> None:
    """Replace a key by a new one with the same settings; print the new secret (once)."""
    rolled = _keys(lambda keys, uow, org_id: keys.roll(uow, org_id, key_id, RollApiKey(grace_period)), org, as_json)
    _emit(
        as_json,
        {"api_key": rolled.secret, "key": public(rolled), "rolled_from": key_id},
        f"Key {rolled.id} replaces {key_id} (which works {grace_period} s more)\nSecret (shown once): {rolled.secret}",
    )
