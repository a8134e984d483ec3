from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from redcore_server.keys.schemas import ApiKey
from redcore_server.orgs.schemas import Organization
from redcore_server.text import Secret
from redcore_server.users.schemas import Avatar, Email, Name, Password, UserProfile

CurrentPassword = Annotated[
    str, msgspec.Meta(min_length=1, max_length=128, description="The password the user signs in with now"), Secret
]


class Me(msgspec.Struct, omit_defaults=True):
    """Who is calling: an API key (``api_key``) or a signed-in user (``user``, and the ``session_id``
    of the access token's session), the organization, and the credential's scopes."""

    type: Literal["api_key", "user"]
    organization: Organization
    scopes: list[str]
    api_key: ApiKey | None = None  # as ``GET /v1/api_keys/{id}`` shows it: never its secret
    user: UserProfile | None = None  # never its private_metadata
    session_id: str | None = None


class MeUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """A signed-in user's own profile: only the fields given change. Changing `email` needs
    `current_password` too; `role` and `status` are never the user's to change."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    avatar: Avatar | msgspec.UnsetType | None = msgspec.UNSET
    email: Email | msgspec.UnsetType = msgspec.UNSET
    current_password: CurrentPassword | msgspec.UnsetType = msgspec.UNSET


class PasswordChange(msgspec.Struct, forbid_unknown_fields=True):
    """The user's current password, and the new one (8–128 characters)."""

    current_password: CurrentPassword
    new_password: Password
