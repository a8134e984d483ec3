from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

import msgspec

from redcore_server.auth.scopes import ALL_SCOPES
from redcore_server.keys.schemas import Scope
from redcore_server.text import ROLE_KEY_PATTERN, NonBlank, RoleKeyText

ROLE_KEY = re.compile(ROLE_KEY_PATTERN[1:-1])  # what a role key looks like (``text.py``: its rule)
RoleKey = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=32,
        description="A role key of the organization: `admin`, `editor`, `viewer` or one of its custom roles",
    ),
    RoleKeyText,
]
RoleName = Annotated[str, msgspec.Meta(min_length=1, max_length=200, description="What people call the role"), NonBlank]
RoleScopes = Annotated[
    list[Scope],
    msgspec.Meta(min_length=1, max_length=len(ALL_SCOPES), description="What the role's users' tokens may do"),
]


class Role(msgspec.Struct):
    """A role: a named set of scopes. Built-in roles (`admin`, `editor`, `viewer`) are listed and
    read like the others but never changed or deleted; their timestamps are the organization's."""

    key: str
    name: str
    scopes: list[str]
    built_in: bool
    created_at: datetime
    updated_at: datetime


class RoleCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A custom role; `key` is lowercase, unique in the organization and never changes."""

    key: Annotated[
        str,
        msgspec.Meta(
            min_length=1, max_length=32, description="Lowercase `[a-z][a-z0-9_-]{0,31}`: `member`, `moderator`"
        ),
        RoleKeyText,
    ]
    name: RoleName
    scopes: RoleScopes


class RoleUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields given change (the key never does)."""

    name: RoleName | msgspec.UnsetType = msgspec.UNSET
    scopes: RoleScopes | msgspec.UnsetType = msgspec.UNSET
