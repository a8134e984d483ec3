"""``redcore-server teams``: an organization's teams, read-only (changes go through the API)."""

from __future__ import annotations

from typing import Annotated

import typer

from redcore_server.cli.support import JsonOpt, emit, run
from redcore_server.config import Settings
from redcore_server.db import Database
from redcore_server.kit.listing import PageRequest
from redcore_server.orgs import service as orgs_service
from redcore_server.teams.schemas import Team
from redcore_server.teams.service import TeamService

teams_app = typer.Typer(help="Teams of an organization (read-only).", no_args_is_help=True)


@teams_app.command("list")
def teams_list(
    org: Annotated[str, typer.Option("--org", help="Organization id or name.")],
    as_json: JsonOpt = False,
) -> None:
    """List the organization's teams by name, with their member counts."""

    async def work(db: Database) -> list[Team]:
        organization = await orgs_service.resolve(db, org)
        service, teams, cursor = TeamService(), [], None
        while True:  # the keyset cursor, page after page
            req = PageRequest(limit=100, sort="name", order="asc", cursor=cursor)
            page, result = await service.list(db, organization.id, req)
            teams += page
            if result.next_cursor is None:
                return teams
            cursor = result.next_cursor

    teams = run(Settings(), work, as_json)
    lines = (f"{t.id}  {t.name}  {t.member_count} member{'s' * (t.member_count != 1)}" for t in teams)
    emit(as_json, teams, "\n".join(lines) or "No teams.")
