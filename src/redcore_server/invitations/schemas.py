from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from redcore_server.text import SingleLine
from redcore_server.users.schemas import Password

InvitationStatus = Literal["pending", "accepted", "revoked", "expired"]
ID_PREFIX = "inv"  # invitation ids are ``inv_…`` (``ids.new_id``)


class Invitation(msgspec.Struct):
    """The latest invitation of a user: its link works while ``status`` is ``pending``."""

    id: str
    user_id: str
    email: str
    status: InvitationStatus
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None


class AcceptInvitation(msgspec.Struct, forbid_unknown_fields=True):
    """The token from the invitation link, and the password the user chooses."""

    token: Annotated[str, msgspec.Meta(min_length=1, max_length=200), SingleLine]
    password: Password
