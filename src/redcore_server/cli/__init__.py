"""``redcore-server``: serve, deliver webhooks, migrate, bootstrap, manage organizations and keys.

Every command reads the same ``REDCORE_*`` settings as the server and takes ``--json`` for
scripts. A secret is printed once, when it is created; it cannot be shown again. One module per
group of commands; ``support.py`` holds what they share.
"""

from __future__ import annotations

import typer

from redcore_server.cli import catalog, database, mail, roles, run, teams, tenants, users

app = typer.Typer(
    help="RedCore server: run it, deliver its webhooks, migrate its database, manage organizations and API keys.",
    no_args_is_help=True,
    add_completion=False,
)
app.command()(database.migrate)
app.command()(database.bootstrap)
app.add_typer(tenants.orgs_app, name="orgs")
app.add_typer(tenants.keys_app, name="keys")
app.add_typer(roles.roles_app, name="roles")
app.add_typer(users.users_app, name="users")
app.add_typer(catalog.products_app, name="products")
app.add_typer(mail.mail_app, name="mail")
app.add_typer(teams.teams_app, name="teams")
app.command()(run.worker)
app.command()(run.serve)


def _print_version(value: bool) -> None:
    if value:
        from redcore_server import __version__

        typer.echo(f"redcore-server {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", callback=_print_version, is_eager=True
    ),
) -> None:
    """RedCore server: run it, deliver its webhooks, migrate its database, manage organizations and API keys."""


def main() -> None:
    app()
