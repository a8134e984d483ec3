"""``redcore-server roles``: an organization's roles, read-only (they change through ``/v1/roles``)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from redcore_server.cli.support import JsonOpt
from redcore_server.cli.support import emit as _emit
from redcore_server.cli.support import run as _run
from redcore_server.config import Settings
from redcore_server.db import Database
from redcore_server.orgs import service as orgs_service
from redcore_server.roles.service import RoleService

roles_app = typer.Typer(help="Roles of an organization (read-only).", no_args_is_help=True)


@roles_app.command("list")
def roles_list(
    org: Annotated[str, typer.Option("--org", help="Organization id or name.")], as_json: JsonOpt = False
) -> None:
    """List an organization's roles, the built-in ones first, then the custom ones by key."""

    async def work(db: Database) -> Any:
        organization = await orgs_service.resolve(db, org)
        return await RoleService().all(db, organization.id)

    roles = _run(Settings(), work, as_json)
    lines = [f"{r.key}  {'built-in' if r.built_in else 'custom  '}  {' '.join(r.scopes)}  {r.name}" for r in roles]
    _emit(as_json, roles, "\n".join(lines))
