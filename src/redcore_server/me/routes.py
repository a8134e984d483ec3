"""HTTP for the caller (``/v1/me``): any credential reads who it is; a signed-in user's access token
changes its own account. No scope is needed: what a user may change of their own does not depend on
their role."""

from typing import Any

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency
from litestar.status_codes import HTTP_204_NO_CONTENT

from redcore_server.auth.principal import Principal
from redcore_server.db import Database
from redcore_server.db.uow import UnitOfWork
from redcore_server.http.body import documents_body, read_json
from redcore_server.http.openapi import READ_ERRORS, WRITE_ERRORS, error_responses
from redcore_server.http.responses import JsonResponse
from redcore_server.me.schemas import Me, MeUpdate, PasswordChange
from redcore_server.me.service import MeService

CallerRequest = Request[Principal, Any, Any]
USER_TOKEN_ONLY = "Only with a signed-in user's access token (any role): an API key gets 403 `user_token_required`."  # noqa: S105 - not a password


class MeController(Controller):
    path = "/me"
    tags = ["The caller"]

    @get(
        "/",
        responses=error_responses(*READ_ERRORS),
        summary="Retrieve the caller",
        description="Who the credential is: `type` (`api_key` or `user`), the `organization`, the credential's "
        "`scopes` and, for an API key, the key (`api_key`, never its secret) or, for a user's access token, "
        "the `user` and the `session_id` of the token's session. Any credential; no scope is needed.",
        operation_id="get_me",
    )
    async def get_me(
        self, request: CallerRequest, db: NamedDependency[Database], me: NamedDependency[MeService]
    ) -> JsonResponse[Me]:
        return JsonResponse(await me.get(db, request.user))

    @patch(
        "/",
        dependencies=documents_body(MeUpdate),
        responses=error_responses(*WRITE_ERRORS, 409),
        summary="Update the caller's own user",
        description="Change the signed-in user's own `name`, `avatar` or `email` (only the fields given). "
        "Giving `email` needs `current_password` too (400 `validation_error` without it, 400 "
        "`invalid_current_password` when wrong, 429 after too many wrong ones); the new address is "
        "unverified (`email_verified: false`) until the link sent to it is used. `role`, `status` and any "
        f"other field are refused (400). Records `user.updated`. {USER_TOKEN_ONLY}",
        operation_id="update_me",
    )
    async def update_me(
        self, request: CallerRequest, uow: NamedDependency[UnitOfWork], me: NamedDependency[MeService]
    ) -> JsonResponse[Me]:
        me.user_of(request.user)  # an API key is refused before its body is read
        data = await read_json(request, MeUpdate)
        return JsonResponse(await me.update(uow, request.user, data))

    @post(
        "/password",
        dependencies=documents_body(PasswordChange),
        responses=error_responses(*WRITE_ERRORS),
        status_code=HTTP_204_NO_CONTENT,
        summary="Change the caller's password",
        description="The signed-in user's `current_password` (400 `invalid_current_password` when wrong; "
        "429 with `Retry-After` after too many wrong ones) and `new_password` (8–128 characters, stored "
        "only as Argon2id). Every other session of the user ends at once; the one making the change stays "
        f"signed in. Records `user.password_changed`. {USER_TOKEN_ONLY}",
        operation_id="change_my_password",
    )
    async def change_password(
        self, request: CallerRequest, uow: NamedDependency[UnitOfWork], me: NamedDependency[MeService]
    ) -> None:
        me.user_of(request.user)
        await me.change_password(uow, request.user, await read_json(request, PasswordChange))
