from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from redcore_server.text import Secret as SecretText
from redcore_server.text import SingleLine
from redcore_server.users.schemas import Email, UserProfile

Secret = Annotated[str, msgspec.Meta(min_length=1, max_length=1024), SecretText]
ID_PREFIX = "ses"  # session ids are ``ses_…`` (``ids.new_id``)


class Session(msgspec.Struct):
    """A signed-in session of a user: what its tokens were issued to, and until when it lasts."""

    id: str
    user_id: str
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    ip: str | None
    user_agent: str | None


class SignIn(msgspec.Struct, forbid_unknown_fields=True):
    """A user's credentials, in their organization (`org_…`)."""

    organization: Annotated[str, msgspec.Meta(min_length=1, max_length=64), SingleLine]
    email: Email
    password: Secret


class Refresh(msgspec.Struct, forbid_unknown_fields=True):
    refresh_token: Secret


class Tokens(msgspec.Struct):
    """An access token (a Bearer credential whose scopes follow the user's role) and the refresh
    token that replaces it; both are shown this once."""

    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    session: Session
    user: UserProfile  # the user's own view: never its private_metadata
