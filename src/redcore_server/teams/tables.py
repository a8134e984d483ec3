from __future__ import annotations

import sqlalchemy as sa

from redcore_server.db.metadata import Timestamp, metadata

teams = sa.Table(
    "teams",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("org_id", sa.String(40), sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("name_key", sa.Text(), nullable=False),  # what names are compared by: text.fold of the above
    sa.Column("description", sa.String(2000), nullable=True),
    # Rows of team_members for this team: kept by the triggers of migration 0016 (one per insert and
    # per delete of a membership, cascades included), in the transaction of that change.
    sa.Column("member_count", sa.Integer(), nullable=False, server_default=sa.text("0")),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    sa.CheckConstraint("member_count >= 0", name="member_count"),
    sa.Index("uq_teams_org_id_name_key", "org_id", "name_key", unique=True),
    sa.Index("ix_teams_org_created", "org_id", "created_at", "id"),
    sa.Index("ix_teams_org_name", "org_id", "name", "id"),
)

# A user's membership of a team. The primary key (team_id, user_id) serves a team's member list and
# ``GET /v1/users?team=``; the user_id index serves the cascade when a user is deleted.
team_members = sa.Table(
    "team_members",
    metadata,
    sa.Column("team_id", sa.String(40), sa.ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.String(40), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Index("ix_team_members_user_id", "user_id"),
)
