"""Teams and their members; ``teams.member_count`` kept by triggers on ``team_members``.

Each membership row inserted adds one to its team's count and each row deleted takes one, in the
transaction of that change and only when a row really changed: adding a member twice inserts nothing
(``ON CONFLICT DO NOTHING``), and the cascade from a deleted user deletes rows like any other delete,
so the count stays exact on every path, under any concurrency (each update takes the team row's lock).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)

POSTGRESQL_COUNT = [
    "CREATE FUNCTION team_members_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_OP = 'INSERT' THEN UPDATE teams SET member_count = member_count + 1 WHERE id = NEW.team_id; "
    "ELSE UPDATE teams SET member_count = member_count - 1 WHERE id = OLD.team_id; END IF; "
    "RETURN NULL; END $$",
    "CREATE TRIGGER team_members_count AFTER INSERT OR DELETE ON team_members "
    "FOR EACH ROW EXECUTE FUNCTION team_members_count()",
]
SQLITE_COUNT = [
    "CREATE TRIGGER team_members_ai AFTER INSERT ON team_members BEGIN "
    "UPDATE teams SET member_count = member_count + 1 WHERE id = new.team_id; END",
    "CREATE TRIGGER team_members_ad AFTER DELETE ON team_members BEGIN "
    "UPDATE teams SET member_count = member_count - 1 WHERE id = old.team_id; END",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "teams",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("org_id", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("description", sa.String(2000), nullable=True),
        sa.Column("member_count", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.CheckConstraint("member_count >= 0", name="ck_teams_member_count"),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name="fk_teams_org_id_organizations", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_teams"),
    )
    op.create_index("uq_teams_org_id_name_key", "teams", ["org_id", "name_key"], unique=True)
    op.create_index("ix_teams_org_created", "teams", ["org_id", "created_at", "id"])
    op.create_index("ix_teams_org_name", "teams", ["org_id", "name", "id"])
    if dialect == "postgresql":
        op.create_index(
            "ix_teams_name_trgm", "teams", ["name"], postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}
        )
    op.create_table(
        "team_members",
        sa.Column("team_id", sa.String(40), nullable=False),
        sa.Column("user_id", sa.String(40), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name="fk_team_members_team_id_teams", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_team_members_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("team_id", "user_id", name="pk_team_members"),
    )
    op.create_index("ix_team_members_user_id", "team_members", ["user_id"])
    for statement in POSTGRESQL_COUNT if dialect == "postgresql" else SQLITE_COUNT:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_table("team_members")  # its triggers go with it
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS team_members_count()")
    op.drop_table("teams")
