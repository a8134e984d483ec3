"""HTTP for users: the shared collection routes (kit/routes.py), described for users."""

from __future__ import annotations

from typing import Annotated

from litestar.params import Parameter

from redcore_server.auth.scopes import USERS_READ, USERS_WRITE
from redcore_server.kit.params import search_text, text_parameter
from redcore_server.kit.routes import Collection, ListFilters, collection_controller
from redcore_server.users import spec
from redcore_server.users.schemas import Status, UserCreate, UserUpdate
from redcore_server.users.service import UserService


def user_filters(
    role: Annotated[
        str | None,
        text_parameter(
            "Only users with this role (any role key; one the organization lacks matches nobody).", max_length=32
        ),
    ] = None,
    status: Annotated[Status | None, Parameter(description="Only users with this status.")] = None,
    q: Annotated[
        str | None, text_parameter("Partial, case-insensitive match on name or email.", max_length=200)
    ] = None,
    search: Annotated[str | None, text_parameter("Alias of `q`.", max_length=200)] = None,
    external_id: Annotated[
        str | None, text_parameter("Only the user with this `external_id` (compared exactly).", max_length=255)
    ] = None,
    team: Annotated[
        str | None, text_parameter("Only members of this team (a `team_` id; none for another's).", max_length=64)
    ] = None,
) -> ListFilters:
    given = (("role", role), ("status", status), ("external_id", external_id))
    equals = {name: value for name, value in given if value is not None}
    member_of = {"team": team} if team is not None else {}
    return ListFilters(equals, search_text(q, search), member_of=member_of)


USERS = Collection(
    spec=spec.USERS,
    service=UserService,
    tag="Users",
    read_scope=USERS_READ,
    filters=user_filters,
    create_model=UserCreate,
    update_model=UserUpdate,
    export=True,
    write_scope=USERS_WRITE,
    create_doc="Create a user; `role` (any role key of the organization, else 400) defaults to `viewer`. "
    "Without a `password` the user is `pending_invite`; with one (8–128 characters, stored only as Argon2id), "
    "`active`. `external_id` is unique per organization; `public_metadata` and `private_metadata` are stored "
    "as given (`null` values dropped); `private_metadata` is never shown through `/v1/me`.",
)
UserController = collection_controller(USERS)
