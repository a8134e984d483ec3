"""``redcore-server users``: the organization's users."""

from __future__ import annotations

import typer

from redcore_server.cli.exports import users_export

users_app = typer.Typer(help="The organization's users.", no_args_is_help=True)
users_app.command("export")(users_export)
