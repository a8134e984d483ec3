"""``redcore-server``: serve, deliver webhooks, migrate, bootstrap, manage organizations and keys.

Every command reads the same ``REDCORE_*`` settings as the server and takes ``--json`` for
scripts. A secret is printed once, when it is created; it cannot be shown again.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import signal
import ssl
import sys
from pathlib import Path
from typing import Annotated, Any, cast

import msgspec
import typer

from redcore_server.background import Background
from redcore_server.cli_support import JsonOpt
from redcore_server.cli_support import emit as _emit
from redcore_server.cli_support import fail as _fail
from redcore_server.cli_support import run as _run
from redcore_server.config import Settings
from redcore_server.db import Database
from redcore_server.db.migrate import head_revision, upgrade
from redcore_server.db.urls import sqlite_path
from redcore_server.events.recorder import record
from redcore_server.keys import repository as keys_repository
from redcore_server.keys import service as keys_service
from redcore_server.mail.commands import mail_app
from redcore_server.orgs import repository as orgs_repository
from redcore_server.orgs import service as orgs_service
from redcore_server.products import service as products_service
from redcore_server.products.importing import read_catalog
from redcore_server.webhooks.dispatcher import DeliveryConfig

app = typer.Typer(
    help="RedCore server: run it, deliver its webhooks, migrate its database, manage organizations and API keys.",
    no_args_is_help=True,
    add_completion=False,
)
orgs_app = typer.Typer(help="Organizations (tenants).", no_args_is_help=True)
keys_app = typer.Typer(help="API keys of an organization.", no_args_is_help=True)
products_app = typer.Typer(help="The product catalog.", no_args_is_help=True)
app.add_typer(orgs_app, name="orgs")
app.add_typer(keys_app, name="keys")
app.add_typer(products_app, name="products")
app.add_typer(mail_app, name="mail")


# TLS 1.2 suites with forward secrecy and AEAD only (TLS 1.3's are always on; Python's minimum is TLS 1.2).
TLS_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:!aNULL:!eNULL"


def _curl(base_url: str, key: str) -> str:
    return f'curl -H "Authorization: Bearer {key}" {base_url}/v1/users'


@app.command()
def migrate(as_json: JsonOpt = False) -> None:
    """Bring the database (REDCORE_DATABASE_URL) to the latest schema."""
    settings = Settings()
    try:
        upgrade(settings.database_url)
    except Exception as exc:
        raise _fail(f"migration failed: {exc}", as_json) from None
    _emit(as_json, {"revision": head_revision()}, f"Database is at revision {head_revision()}.")


@app.command()
def bootstrap(
    org_name: Annotated[str, typer.Option("--org-name", help="Name of the first organization.")] = "Default",
    as_json: JsonOpt = False,
) -> None:
    """On an empty database: create the first organization and an admin key, and print the key."""

    async def work(db: Database) -> tuple[Any, Any]:
        async with db.transaction() as tx:
            return await orgs_service.bootstrap(tx, org_name)

    org, key = _run(Settings(), work, as_json)
    _emit(
        as_json,
        {"organization": {"id": org.id, "name": org.name}, "api_key": key.secret},
        f"Organization {org.name} ({org.id})\nAdmin API key (shown once): {key.secret}",
    )


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


@products_app.command("import")
def products_import(
    file: Annotated[Path, typer.Argument(help="A .csv file with a header row, or a .jsonl file.", exists=True)],
    org: Annotated[str, typer.Option("--org", help="Organization id or name.")],
    as_json: JsonOpt = False,
) -> None:
    """Load products from FILE: every row is checked first (types, rules, SKUs unique in the file
    and in the catalog) and either all rows are imported, in one transaction, or none."""
    try:
        rows = read_catalog(file)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _fail(str(exc), as_json) from None

    async def work(db: Database) -> int:
        async with db.transaction() as tx:
            organization = await orgs_service.resolve(tx, org)
            service = products_service.ProductService(record)
            return await products_service.import_catalog(service, tx, organization.id, rows)

    try:
        imported = _run(Settings(), work, as_json)
    except products_service.ImportRejected as exc:
        if as_json:
            typer.echo(json.dumps({"imported": 0, "errors": msgspec.to_builtins(exc.problems)}))
        else:
            for p in exc.problems:
                typer.echo(f"line {p.line}: {p.field + ': ' if p.field else ''}{p.issue}", err=True)
            typer.secho(f"{len(exc.problems)} problem(s) in {file.name}; nothing was imported.", err=True)
        raise typer.Exit(1) from None
    _emit(as_json, {"imported": imported}, f"Imported {imported} product(s) from {file.name}.")


@app.command()
def worker(
    concurrency: Annotated[
        int | None, typer.Option(help="Attempts in flight at once (REDCORE_WEBHOOK_CONCURRENCY).", min=1)
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Deliver webhooks, send email and do the housekeeping (erasure, purges) until stopped (Ctrl-C
    or SIGTERM). Run any number, on any machines: each claims different work. Set
    REDCORE_EMBEDDED_WORKER=false on the servers to leave delivery to workers alone."""
    if concurrency is not None:
        os.environ["REDCORE_WEBHOOK_CONCURRENCY"] = str(concurrency)
    settings = Settings()
    config = DeliveryConfig.from_settings(settings)
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    async def run(db: Database) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        background = Background(db, settings)
        background.start()
        where = "SQLite" if settings.is_sqlite else "PostgreSQL"
        _emit(
            as_json,
            {"worker": "started", "database": where, "concurrency": config.concurrency},
            f"RedCore worker (webhooks, email, housekeeping) on {where}: up to {config.concurrency} webhook "
            "attempts at once. Ctrl-C stops it.",
        )
        sys.stdout.flush()
        try:
            await stop.wait()
        finally:
            await background.stop()

    _run(settings, run, as_json, pool_max=settings.db_pool_max_size)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (REDCORE_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (REDCORE_PORT).")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (REDCORE_WORKERS).")] = None,
    migrate_first: Annotated[bool, typer.Option("--migrate", help="Apply pending migrations before starting.")] = False,
    ssl_certfile: Annotated[
        str | None, typer.Option("--ssl-certfile", help="PEM certificate (chain): serve HTTPS (REDCORE_SSL_CERTFILE).")
    ] = None,
    ssl_keyfile: Annotated[
        str | None, typer.Option("--ssl-keyfile", help="PEM private key of the certificate (REDCORE_SSL_KEYFILE).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Start the API server. On a fresh directory with the SQLite default it migrates, bootstraps an
    organization and prints an admin key with a curl command to try."""
    options = (
        ("REDCORE_HOST", host),
        ("REDCORE_PORT", port),
        ("REDCORE_WORKERS", workers),
        ("REDCORE_SSL_CERTFILE", ssl_certfile),
        ("REDCORE_SSL_KEYFILE", ssl_keyfile),
    )
    for env, value in options:
        if value is not None:
            os.environ[env] = str(value)
    try:
        settings = Settings()
    except ValueError as exc:
        raise _fail(str(exc), as_json) from None
    if settings.ssl_certfile and settings.ssl_keyfile:
        try:
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
                settings.ssl_certfile, settings.ssl_keyfile
            )
        except (OSError, ssl.SSLError) as exc:
            raise _fail(f"cannot use the TLS certificate and key: {exc}", as_json) from None
    if settings.workers > 1 and settings.rate_limit > 0 and not settings.redis_url:
        raise _fail(
            f"--workers {settings.workers} would give each worker its own rate-limit budget. Set REDCORE_REDIS_URL "
            "(one budget shared by every worker and server), run one worker, or set REDCORE_RATE_LIMIT=0.",
            as_json,
        )
    fresh = settings.is_sqlite and not Path(sqlite_path(settings.database_url)).exists()
    if fresh or migrate_first:
        try:
            upgrade(settings.database_url)
        except Exception as exc:
            raise _fail(f"migration failed: {exc}", as_json) from None

    async def prepare(db: Database) -> tuple[Any, Any, int]:
        if fresh:
            async with db.transaction() as tx:
                org, key = await orgs_service.bootstrap(tx, "Default")
            return org, key, 1
        return None, None, await orgs_repository.count(db)

    org, key, org_count = _run(settings, prepare, as_json)
    base = settings.base_url()
    where = f"SQLite file {sqlite_path(settings.database_url)}" if settings.is_sqlite else "PostgreSQL"
    if as_json:
        payload: dict[str, Any] = {"url": base, "docs": f"{base}/docs", "database": where}
        if key is not None:
            payload |= {
                "organization": {"id": org.id, "name": org.name},
                "api_key": key.secret,
                "curl": _curl(base, key.secret),
            }
        typer.echo(json.dumps(payload))
    else:
        lines = [f"RedCore {base}  ({where}, {settings.workers} worker(s))", f"API docs: {base}/docs"]
        if key is not None:
            lines += [
                f"Created organization {org.name} ({org.id}) and an admin API key (shown once):",
                f"  {key.secret}",
                "Try it:",
                f"  {_curl(base, key.secret)}",
            ]
        elif org_count == 0:
            lines.append("No organization yet: run `redcore-server bootstrap` to create one and a key.")
        else:
            lines.append("Use an existing API key, or make one: redcore-server keys create --org NAME")
        typer.echo("\n".join(lines))
    sys.stdout.flush()

    import uvicorn

    from redcore_server.http.protocol import LimitedHttpToolsProtocol, TransportLimits

    # httptools with our limits (http/protocol.py); X-Forwarded-* are read by http/forwarded.py alone,
    # under REDCORE_TRUSTED_PROXIES, so uvicorn's own handling (and FORWARDED_ALLOW_IPS) is off.
    protocol = functools.partial(LimitedHttpToolsProtocol, limits=TransportLimits.from_settings(settings))
    uvicorn.run(
        "redcore_server.app:create_app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        access_log=settings.access_log,
        loop="uvloop",
        http=cast("type[asyncio.Protocol]", protocol),
        ws="none",
        proxy_headers=False,
        server_header=False,
        ssl_certfile=settings.ssl_certfile,
        ssl_keyfile=settings.ssl_keyfile,
        ssl_ciphers=TLS_CIPHERS,
    )


def main() -> None:
    app()
