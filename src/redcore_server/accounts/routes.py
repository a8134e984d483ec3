"""HTTP for account emails (``/v1/auth/…``, no credential but a link's token): requesting and
confirming a password reset, and verifying an email address."""

from typing import Any

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.status_codes import HTTP_202_ACCEPTED

from redcore_server.accounts.schemas import (
    ConfirmPasswordReset,
    PasswordResetRequest,
    PasswordResetRequested,
    VerifyEmail,
)
from redcore_server.accounts.service import AccountService
from redcore_server.db.uow import UnitOfWork
from redcore_server.http.authentication import PUBLIC
from redcore_server.http.body import documents_body, read_json
from redcore_server.http.openapi import error_responses
from redcore_server.http.responses import JsonResponse
from redcore_server.users.schemas import UserProfile, profile_of

REQUESTED = PasswordResetRequested(
    message="If an active user of this organization has this address, a link to choose a new password "
    "is on its way to it."
)
NO_STORE = {"Cache-Control": "no-store"}


class AccountEmailController(Controller):
    path = "/auth"
    tags = ["Account emails"]

    @post(
        "/password_reset",
        opt={PUBLIC: True},
        dependencies=documents_body(PasswordResetRequest),
        responses=error_responses(400, 413, 415, 429, 500, 503),
        status_code=HTTP_202_ACCEPTED,
        summary="Request a password reset",
        description="Send a single-use link to choose a new password (`rcp_…`, valid an hour) to the active "
        "user of `organization` with this `email`. The answer is 202 with the same body, after the same work, "
        "whether or not such a user exists (or the organization does): nothing tells who has an account "
        "(`email` must have the form of an address: 400 `validation_error` otherwise). "
        "Requests are limited per organization and address and per client address (429 with `Retry-After`, "
        "alike for every address); an account receives at most a few links an hour, further requests are "
        "dropped silently. A new link replaces the previous one.",
        operation_id="request_password_reset",
        security=[],
    )
    async def request_reset(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        accounts: NamedDependency[AccountService],
    ) -> JsonResponse[PasswordResetRequested]:
        data = await read_json(request, PasswordResetRequest)
        await accounts.request_reset(uow, data, ip=request.client.host if request.client else None)
        return JsonResponse(REQUESTED, status_code=HTTP_202_ACCEPTED, headers=NO_STORE)

    @post(
        "/password_reset/confirm",
        opt={PUBLIC: True},
        dependencies=documents_body(ConfirmPasswordReset),
        responses=error_responses(400, 413, 415, 500, 503),
        status_code=200,
        summary="Confirm a password reset",
        description="The token from a password-reset link and the new password (8–128 characters): the "
        "password is set, every session of the user ends, and the email address counts as verified (the "
        "link reached it). A link works once, for an hour, until a newer one is sent or the password or "
        "address changes; otherwise, or when the user is no longer active, 400 `invalid_token`.",
        operation_id="confirm_password_reset",
        security=[],
    )
    async def confirm_reset(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        accounts: NamedDependency[AccountService],
    ) -> JsonResponse[UserProfile]:
        user = await accounts.confirm_reset(uow, await read_json(request, ConfirmPasswordReset))
        return JsonResponse(profile_of(user))  # the user's own view: never its private_metadata

    @post(
        "/verify_email",
        opt={PUBLIC: True},
        dependencies=documents_body(VerifyEmail),
        responses=error_responses(400, 413, 415, 500, 503),
        status_code=200,
        summary="Verify an email address",
        description="The token from the link sent to a user's new address (`rcv_…`, valid 24 hours): the "
        "user's `email_verified` becomes true. A link works once, while the address is still the user's; "
        "otherwise 400 `invalid_token`.",
        operation_id="verify_email",
        security=[],
    )
    async def verify_email(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        accounts: NamedDependency[AccountService],
    ) -> JsonResponse[UserProfile]:
        user = await accounts.verify_email(uow, await read_json(request, VerifyEmail))
        return JsonResponse(profile_of(user))  # the user's own view: never its private_metadata
