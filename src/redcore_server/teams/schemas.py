from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from redcore_server.text import MultiLine, NonBlank

ID_PREFIX = "team"  # team ids are ``team_…`` (``ids.new_id``)

Name = Annotated[
    str,
    msgspec.Meta(
        min_length=1, max_length=200, description="The team's name; unique per organization, case-insensitively"
    ),
    NonBlank,
]
Description = Annotated[
    str, msgspec.Meta(max_length=2000, description="What the team is for; several lines allowed"), MultiLine
]


class Team(msgspec.Struct):
    """A group of the organization's users. ``member_count`` is kept by the database as members come
    and go (a trigger on ``team_members``); ``updated_at`` and the ETag follow the team's own fields."""

    id: str
    name: str
    description: str | None
    member_count: int
    created_at: datetime
    updated_at: datetime


class TeamCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    description: Description | None = None


class TeamUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields given change; a null ``description`` clears it."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType | None = msgspec.UNSET


class Membership(msgspec.Struct):
    """The data of ``team.member_added`` and ``team.member_removed`` events: the team as it is after
    the change (its ``member_count`` included) and the user who joined or left."""

    team: Team
    user_id: str
