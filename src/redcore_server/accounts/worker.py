"""Resolving queued password-reset requests on the shared outbox worker (``kit/outbox.py``).

A request (``accounts/service.py: request_reset``) is only a row with the organization and address
as given. Here, in the transaction that records the claim's outcome and deletes the row, the address
is looked up: an ``active`` user of that organization is sent a reset link (``accounts/links.py``),
unless they were sent ``REDCORE_PASSWORD_RESET_ACCOUNT_LIMIT`` in the past hour (then the request is
dropped, silently: its answer went out long ago, the same for every address); anyone else, nothing.
The email waits in the email outbox, whose worker picks it up at its next poll.

Rows no worker got to (none ran) are deleted by the ``purge-stale-reset-requests`` housekeeping job
once older than the link's lifetime: a reset that late would surprise its asker, and the address
they typed is not kept longer than that.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from redcore_server.accounts import repository
from redcore_server.accounts.links import WINDOW, AccountPolicy, issue
from redcore_server.accounts.repository import ResetRequest
from redcore_server.accounts.service import WORKER
from redcore_server.db import Database, Executor
from redcore_server.db.batches import in_batches
from redcore_server.ids import utcnow
from redcore_server.kit.outbox import OutboxWorker, Pace
from redcore_server.users import repository as users_repository

Job = tuple[ResetRequest, str]  # the request, and the lease it was claimed under


class PasswordResets(OutboxWorker[Job, None]):
    """Nothing to attempt outside the database: ``settle`` does the work in the recording transaction."""

    name = WORKER
    table = repository.REQUESTS

    def __init__(self, db: Database, policy: AccountPolicy, poll_interval: float = 1.0) -> None:
        super().__init__(db, Pace(concurrency=32, poll_interval=poll_interval, lease=timedelta(seconds=30)))
        self.policy = policy

    async def any_due(self, db: Executor, now: datetime) -> bool:
        return await repository.any_due(db, now)

    def row_id(self, job: Job) -> str:
        return job[0].id

    async def claim(self, tx: Executor, *, now: datetime, lease: str, until: datetime, limit: int) -> list[Job]:
        return [
            (request, lease) for request in await repository.claim(tx, now=now, lease=lease, until=until, limit=limit)
        ]

    async def attempt(self, job: Job) -> None:
        return None

    async def settle(self, tx: Executor, job: Job, result: None) -> None:
        request, lease = job
        if not await repository.take(tx, request.id, lease):
            return  # leased again meanwhile: the other claim resolves it
        found = await users_repository.credentials(tx, request.organization, request.email)
        if found is None or found.status != "active":
            return
        now = utcnow()
        limit = self.policy.account_limit
        since = now - timedelta(seconds=WINDOW)
        if limit and await repository.count_since(tx, found.user_id, "password_reset", since) >= limit:
            self.logger.info("password reset for user %s dropped: %d links this hour", found.user_id, limit)
            return
        user = await users_repository.USERS.get(tx, request.organization, found.user_id)
        if user is not None:
            await issue(tx, None, self.policy, "password_reset", request.organization, user, now)


async def purge_stale_requests(db: Database, now: datetime, *, older_than: float) -> int:
    """The housekeeping job: delete requests queued more than ``older_than`` seconds ago."""
    cutoff = now - timedelta(seconds=older_than)
    if not await repository.any_before(db, cutoff):
        return 0
    return await in_batches(db, lambda tx, n: repository.purge_before(tx, cutoff, n))
