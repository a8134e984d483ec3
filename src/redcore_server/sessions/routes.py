"""HTTP for signing in (``/v1/auth/…``, no credential needed but the one being exchanged) and for a
user's sessions (``/v1/users/{id}/sessions``)."""

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.status_codes import HTTP_204_NO_CONTENT

from redcore_server.auth.principal import Principal
from redcore_server.auth.scopes import USERS_READ, USERS_WRITE
from redcore_server.db import Database
from redcore_server.db.uow import UnitOfWork
from redcore_server.http.authentication import PUBLIC, requires
from redcore_server.http.body import documents_body, read_json
from redcore_server.http.openapi import READ_ERRORS, error_responses
from redcore_server.http.responses import JsonResponse
from redcore_server.kit.listing import PageRequest
from redcore_server.kit.params import ListMeta, list_meta, provide_page_request, text_parameter
from redcore_server.sessions.schemas import Refresh, Session, SignIn, Tokens
from redcore_server.sessions.service import SessionService
from redcore_server.users.service import UserService

CallerRequest = Request[Principal, Any, Any]
UserId = Annotated[str, text_parameter("The `usr_`-prefixed user id.")]
SessionId = Annotated[str, text_parameter("The `ses_`-prefixed session id.")]
NO_STORE = {"Cache-Control": "no-store"}  # token responses must not be cached (RFC 6749 §5.1)


class SessionList(msgspec.Struct):
    data: list[Session]
    meta: ListMeta


class AuthController(Controller):
    path = "/auth"
    tags = ["Sign-in"]

    @post(
        "/token",
        opt={PUBLIC: True},
        dependencies=documents_body(SignIn),
        responses=error_responses(400, 401, 413, 415, 429, 500, 503),
        status_code=200,
        summary="Sign in",
        description="Exchange a user's email and password (in an organization) for an access token — a "
        "Bearer credential whose scopes follow the user's role (viewer reads; editor also writes users and "
        "products; admin may do everything) — and a refresh token. Unknown emails, wrong passwords and users "
        "who may not sign in (inactive, suspended, invited) all get the same 401 `invalid_credentials`. "
        "Failed sign-ins are limited per account and client address and per address, and an account under attack "
        "slows down attempts from addresses its user never signed in from (429 with Retry-After).",
        operation_id="sign_in",
        security=[],
    )
    async def sign_in(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        sessions: NamedDependency[SessionService],
    ) -> JsonResponse[Tokens]:
        data = await read_json(request, SignIn)
        client = request.client.host if request.client else None
        tokens, _ = await sessions.sign_in(uow, data, ip=client, user_agent=request.headers.get("user-agent"))
        return JsonResponse(tokens, headers=NO_STORE)

    @post(
        "/refresh",
        opt={PUBLIC: True},
        dependencies=documents_body(Refresh),
        responses=error_responses(400, 401, 413, 415, 500, 503),
        status_code=200,
        summary="Refresh tokens",
        description="Exchange a refresh token for a new access token and a new refresh token (the old one "
        "is spent). A refresh token used twice has leaked: its whole session is revoked and the answer is "
        "401 `invalid_refresh_token`.",
        operation_id="refresh_tokens",
        security=[],
    )
    async def refresh(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        sessions: NamedDependency[SessionService],
    ) -> JsonResponse[Tokens]:
        tokens = await sessions.refresh(uow, await read_json(request, Refresh))
        return JsonResponse(tokens, headers=NO_STORE)

    @post(
        "/logout",
        responses=error_responses(400, 401, 500, 503),
        status_code=HTTP_204_NO_CONTENT,
        summary="Sign out",
        description="End the session of the access token in `Authorization`: its access and refresh tokens "
        "stop working at once.",
        operation_id="sign_out",
    )
    async def logout(
        self, request: CallerRequest, uow: NamedDependency[UnitOfWork], sessions: NamedDependency[SessionService]
    ) -> None:
        await sessions.logout(uow, request.user)


class UserSessionsController(Controller):
    path = "/users/{user_id:str}/sessions"
    tags = ["Users"]

    @get(
        "/",
        opt=requires(USERS_READ),
        dependencies={"page_request": Provide(provide_page_request, sync_to_thread=False)},
        responses=error_responses(*READ_ERRORS, 404),
        summary="List a user's sessions",
        description="The user's signed-in sessions that have not ended, newest first.",
        operation_id="list_user_sessions",
    )
    async def list_sessions(
        self,
        request: CallerRequest,
        db: NamedDependency[Database],
        sessions: NamedDependency[SessionService],
        users: NamedDependency[UserService],
        page_request: NamedDependency[PageRequest],
        user_id: UserId,
    ) -> JsonResponse[SessionList]:
        await users.get(db, request.user.org_id, user_id)
        items, result = await sessions.list(db, request.user.org_id, user_id, page_request)
        return JsonResponse(SessionList(data=items, meta=list_meta(page_request, result)))

    @delete(
        "/",
        opt=requires(USERS_WRITE),
        responses=error_responses(*READ_ERRORS, 404),
        status_code=HTTP_204_NO_CONTENT,
        summary="Revoke all of a user's sessions",
        description="Every access and refresh token of the user stops working at once.",
        operation_id="revoke_user_sessions",
    )
    async def revoke_all(
        self,
        request: CallerRequest,
        uow: NamedDependency[UnitOfWork],
        sessions: NamedDependency[SessionService],
        user_id: UserId,
    ) -> None:
        await sessions.revoke_all(uow, request.user.org_id, user_id)

    @delete(
        "/{session_id:str}",
        opt=requires(USERS_WRITE),
        responses=error_responses(*READ_ERRORS, 404),
        status_code=HTTP_204_NO_CONTENT,
        summary="Revoke a session",
        description="The session's access and refresh tokens stop working at once.",
        operation_id="revoke_user_session",
    )
    async def revoke(
        self,
        request: CallerRequest,
        uow: NamedDependency[UnitOfWork],
        sessions: NamedDependency[SessionService],
        user_id: UserId,
        session_id: SessionId,
    ) -> None:
        await sessions.revoke(uow, request.user.org_id, user_id, session_id)
