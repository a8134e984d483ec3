from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from redcore_server.kit.metadata import Metadata, MetadataPatch
from redcore_server.roles.schemas import RoleKey
from redcore_server.text import HttpUrl, NonBlank, Secret, SingleLine

ID_PREFIX = "usr"  # user ids are ``usr_…`` (``ids.new_id``)

DEFAULT_ROLE = "viewer"  # a new user's role when none is given
Role = RoleKey  # any role key of the organization (built in or custom); the service checks it exists
Status = Literal["active", "inactive", "pending_invite", "suspended"]
SettableStatus = Literal["active", "inactive", "suspended"]

Email = Annotated[
    str,
    msgspec.Meta(
        min_length=3,
        max_length=254,
        description="Email address; stored in its normalised form",
        extra_json_schema={"format": "email"},
    ),
    SingleLine,
]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, description="Full display name"), NonBlank]
Password = Annotated[
    str, msgspec.Meta(min_length=8, max_length=128, description="8–128 characters; stored only as Argon2id"), Secret
]
Avatar = Annotated[str, msgspec.Meta(max_length=2048, description="http(s) URL of the avatar image"), HttpUrl]
PasswordHash = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=1024, description="A password hash from another system (imports)"),
    SingleLine,
]
ExternalId = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=255,
        description="The user's id in another system (compared exactly); unique per organization",
    ),
    SingleLine,
]


class User(msgspec.Struct):
    """A user of the organization. A password is never part of it."""

    id: str
    email: str
    email_verified: bool
    name: str
    role: Role
    status: Status
    avatar: str | None
    last_login: datetime | None
    created_at: datetime
    updated_at: datetime
    external_id: str | None
    public_metadata: dict[str, Any]
    private_metadata: dict[str, Any]  # never shown through /v1/me (me/schemas.py: MeUser)


class UserProfile(msgspec.Struct):
    """A user as the user themselves sees it (``/v1/me``, signing in, following an emailed link):
    everything but ``private_metadata``, which only callers with ``users:read`` see.

    Deliberately not a base class of :class:`User`: a ``User`` handed where a ``UserProfile`` is
    expected would then type-check, and answer with ``private_metadata``. ``profile_of`` converts."""

    id: str
    email: str
    email_verified: bool
    name: str
    role: Role
    status: Status
    avatar: str | None
    last_login: datetime | None
    created_at: datetime
    updated_at: datetime
    external_id: str | None
    public_metadata: dict[str, Any]


def profile_of(user: User) -> UserProfile:
    return UserProfile(*(getattr(user, name) for name in UserProfile.__struct_fields__))


class UserCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Without a password the user is `pending_invite`; with one, `active`."""

    email: Email
    name: Name
    role: Role = DEFAULT_ROLE
    password: Password | None = None
    avatar: Avatar | None = None
    external_id: ExternalId | None = None
    public_metadata: Metadata = msgspec.field(default_factory=dict)
    private_metadata: Metadata = msgspec.field(default_factory=dict)


class UserUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields given change; `avatar: null` and `external_id: null` clear them. The metadata
    objects are merged: each key given is set, a `null` value removes its key, the others stay."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    email: Email | msgspec.UnsetType = msgspec.UNSET
    role: Role | msgspec.UnsetType = msgspec.UNSET
    status: SettableStatus | msgspec.UnsetType = msgspec.UNSET
    avatar: Avatar | msgspec.UnsetType | None = msgspec.UNSET
    password: Password | msgspec.UnsetType = msgspec.UNSET
    external_id: ExternalId | msgspec.UnsetType | None = msgspec.UNSET
    public_metadata: MetadataPatch | msgspec.UnsetType = msgspec.UNSET
    private_metadata: MetadataPatch | msgspec.UnsetType = msgspec.UNSET


class UserImport(msgspec.Struct, forbid_unknown_fields=True):
    """One row of ``users import`` (``users/importing.py``): the fields it gives, by name. A field
    left out is not set: a new user takes its default, an existing one (``--upsert``) keeps its value.
    ``null`` clears ``avatar`` and ``external_id``; the metadata objects given replace the stored ones."""

    email: Email
    name: Name | msgspec.UnsetType = msgspec.UNSET
    role: Role | msgspec.UnsetType = msgspec.UNSET
    status: Status | msgspec.UnsetType = msgspec.UNSET
    avatar: Avatar | msgspec.UnsetType | None = msgspec.UNSET
    external_id: ExternalId | msgspec.UnsetType | None = msgspec.UNSET
    email_verified: bool | msgspec.UnsetType = msgspec.UNSET
    public_metadata: Metadata | msgspec.UnsetType = msgspec.UNSET
    private_metadata: Metadata | msgspec.UnsetType = msgspec.UNSET
    password_hash: PasswordHash | msgspec.UnsetType = msgspec.UNSET
