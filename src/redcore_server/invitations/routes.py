"""HTTP for invitations: accepting one (``/v1/invitations/accept``, no credential but the link's
token), and a user's invitation (``/v1/users/{id}/invitation``): read, send again, withdraw."""

from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from redcore_server.auth.principal import Principal
from redcore_server.auth.scopes import USERS_READ, USERS_WRITE
from redcore_server.db import Database
from redcore_server.db.uow import UnitOfWork
from redcore_server.http.authentication import PUBLIC, requires
from redcore_server.http.body import documents_body, read_json
from redcore_server.http.openapi import READ_ERRORS, error_responses
from redcore_server.http.openapi_document import UNLINKED
from redcore_server.http.responses import JsonResponse
from redcore_server.invitations.schemas import AcceptInvitation, Invitation
from redcore_server.invitations.service import InvitationService
from redcore_server.kit.params import text_parameter
from redcore_server.users.schemas import UserProfile, profile_of

CallerRequest = Request[Principal, Any, Any]
UserId = Annotated[str, text_parameter("The `usr_`-prefixed user id.")]


class InvitationController(Controller):
    path = "/invitations"
    tags = ["Invitations"]

    @post(
        "/accept",
        opt={PUBLIC: True},
        dependencies=documents_body(AcceptInvitation),
        responses=error_responses(400, 413, 415, 500, 503),
        status_code=200,
        summary="Accept an invitation",
        description="The token from an invitation link and the password the user chooses (8–128 characters): "
        "the user becomes `active` and can sign in. A link works once, until it expires or is replaced; "
        "otherwise 400 `invalid_invitation`.",
        operation_id="accept_invitation",
        security=[],
    )
    async def accept(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        invitations: NamedDependency[InvitationService],
    ) -> JsonResponse[UserProfile]:
        user = await invitations.accept(uow, await read_json(request, AcceptInvitation))
        return JsonResponse(profile_of(user))  # the user's own view: never its private_metadata


class UserInvitationController(Controller):
    path = "/users/{user_id:str}/invitation"
    tags = ["Invitations"]

    @get(
        "/",
        opt={**requires(USERS_READ), UNLINKED: True},
        responses=error_responses(*READ_ERRORS, 404),
        summary="Retrieve a user's invitation",
        description="The user's latest invitation and where it stands (`pending`, `accepted`, `revoked`, `expired`).",
        operation_id="get_user_invitation",
    )
    async def get_invitation(
        self,
        request: CallerRequest,
        db: NamedDependency[Database],
        invitations: NamedDependency[InvitationService],
        user_id: UserId,
    ) -> JsonResponse[Invitation]:
        return JsonResponse(await invitations.latest(db, request.user.org_id, user_id))

    @post(
        "/",
        opt={**requires(USERS_WRITE), UNLINKED: True},
        responses=error_responses(*READ_ERRORS, 404, 409, 429),
        status_code=HTTP_201_CREATED,
        summary="Send a user's invitation again",
        description="A new link, by email; the previous one stops working. Only for users still "
        "`pending_invite` (else 409 `not_invited`); limited per organization and per address (429).",
        operation_id="resend_user_invitation",
    )
    async def resend(
        self,
        request: CallerRequest,
        uow: NamedDependency[UnitOfWork],
        invitations: NamedDependency[InvitationService],
        user_id: UserId,
    ) -> JsonResponse[Invitation]:
        invitation = await invitations.resend(uow, request.user.org_id, user_id)
        return JsonResponse(invitation, status_code=HTTP_201_CREATED)

    @delete(
        "/",
        opt={**requires(USERS_WRITE), UNLINKED: True},
        responses=error_responses(*READ_ERRORS, 404),
        status_code=HTTP_204_NO_CONTENT,
        summary="Withdraw a user's invitation",
        description="The link stops working; the user stays `pending_invite` until invited again.",
        operation_id="revoke_user_invitation",
    )
    async def revoke(
        self,
        request: CallerRequest,
        uow: NamedDependency[UnitOfWork],
        invitations: NamedDependency[InvitationService],
        user_id: UserId,
    ) -> None:
        await invitations.revoke(uow, request.user.org_id, user_id)
