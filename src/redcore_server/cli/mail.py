"""``redcore-server mail``: the email outbox, and the local mailbox when no SMTP server is set."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from redcore_server import errors
from redcore_server.cli.support import JsonOpt, emit, run
from redcore_server.config import Settings
from redcore_server.db import Database
from redcore_server.mail import repository as mail_repository

ERASED = "(erased: the user was deleted)"
mail_app = typer.Typer(
    help="The email outbox (and the local mailbox, when no SMTP server is set).", no_args_is_help=True
)


@mail_app.command("list")
def mail_list(
    to: Annotated[str | None, typer.Option("--to", help="Only emails to this address.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.", min=1, max=1000)] = 20,
    as_json: JsonOpt = False,
) -> None:
    """The newest emails: queued, sent (to SMTP, or kept in the local mailbox) or failed."""

    async def work(db: Database) -> Any:
        return await mail_repository.recent(db, limit, to)

    emails = run(Settings(), work, as_json)
    lines = [
        f"{e.id}  {e.created_at:%Y-%m-%d %H:%M}  {e.status:7}  {e.to_address or ERASED}  {e.subject}"
        + (f"  ({e.last_error})" if e.last_error else "")
        for e in emails
    ]
    emit(as_json, emails, "\n".join(lines) or "No emails.")


@mail_app.command("show")
def mail_show(
    email_id: Annotated[str, typer.Argument(help="The email's id (eml_…).")], as_json: JsonOpt = False
) -> None:
    """One email, with its text (kept for the local mailbox; cleared once sent through SMTP)."""

    async def work(db: Database) -> Any:
        found = await mail_repository.get(db, email_id)
        if found is None:
            raise errors.NotFound(f"No email with id {email_id!r}.")
        return found

    e = run(Settings(), work, as_json)
    if not e.to_address:
        text = ERASED
    else:
        text = e.body if e.body is not None else "(text cleared after it was sent through SMTP)"
    emit(as_json, e, f"From the outbox: {e.status}\nTo: {e.to_address or ERASED}\nSubject: {e.subject}\n\n{text}")
