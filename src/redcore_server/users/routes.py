"""HTTP for users: the shared collection routes (http/crud.py), described for users."""

from __future__ import annotations

from typing import Annotated

from litestar.params import Parameter

from redcore_server.auth.scopes import USERS_READ, USERS_WRITE
from redcore_server.http.crud import Collection, ListFilters, collection_controller
from redcore_server.http.listing import search_text, text_parameter
from redcore_server.users.schemas import Role, Status, User, UserCreate, UserUpdate


def user_filters(
    role: Annotated[Role | None, Parameter(description="Only users with this role.")] = None,
    status: Annotated[Status | None, Parameter(description="Only users with this status.")] = None,
    q: Annotated[
        str | None, text_parameter("Partial, case-insensitive match on name or email.", max_length=200)
    ] = None,
    search: Annotated[str | None, text_parameter("Alias of `q`.", max_length=200)] = None,
) -> ListFilters:
    equals = {name: value for name, value in (("role", role), ("status", status)) if value is not None}
    return ListFilters(equals, search_text(q, search))


USERS = Collection(
    name="users",
    noun="user",
    id_prefix="usr_",
    tag="Users",
    model=User,
    create_model=UserCreate,
    update_model=UserUpdate,
    read_scope=USERS_READ,
    write_scope=USERS_WRITE,
    filters=user_filters,
    sortable=("created_at", "name", "email"),
    create_doc="Create a user; `role` defaults to `viewer`. Without a `password` the user is "
    "`pending_invite`; with one (8–128 characters, stored only as Argon2id), `active`.",
    conflict_codes="`duplicate_email`",
)
UserController = collection_controller(USERS)
