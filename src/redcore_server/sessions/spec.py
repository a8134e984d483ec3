"""Sessions, declared once (see ``kit/spec.py``): listed per user, never changed through the API."""

from __future__ import annotations

from redcore_server.kit.spec import ResourceSpec
from redcore_server.sessions.schemas import ID_PREFIX, Session

SESSIONS = ResourceSpec(
    name="sessions",
    noun="session",
    id_prefix=ID_PREFIX,
    model=Session,
    sortable={"created_at": "timestamp"},
    filterable=("user_id", "expires_at"),
    fixed=("user_id", "last_used_at", "expires_at", "ip", "user_agent"),
    version_field="created_at",
    records_events=False,
)
