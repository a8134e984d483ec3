"""HTTP for the caller's own organization (``/v1/organization``): any credential reads it; changing
it needs ``org:manage``."""

from typing import Any

from litestar import Controller, Request, get, patch
from litestar.di import NamedDependency

from redcore_server.auth.principal import Principal
from redcore_server.auth.scopes import ORG_MANAGE
from redcore_server.db import Database
from redcore_server.db.uow import UnitOfWork
from redcore_server.http.authentication import requires
from redcore_server.http.body import documents_body, read_json
from redcore_server.http.openapi import ETAG_HEADER, READ_ERRORS, WRITE_ERRORS, error_responses
from redcore_server.http.responses import JsonResponse
from redcore_server.orgs.schemas import Organization, OrganizationUpdate
from redcore_server.orgs.service import OrganizationService
from redcore_server.versioning import etag_for, parse_if_match

CallerRequest = Request[Principal, Any, Any]


def _with_etag(org: Organization) -> JsonResponse[Organization]:
    return JsonResponse(org, headers={"ETag": etag_for(org.updated_at)})


class OrganizationController(Controller):
    path = "/organization"
    tags = ["Organization"]

    @get(
        "/",
        responses=error_responses(*READ_ERRORS),
        response_headers=[ETAG_HEADER],
        summary="Retrieve the organization",
        description="The organization the credential belongs to, with an `ETag` to send back as `If-Match` "
        "on a later change. Any valid credential may read it; no scope is needed.",
        operation_id="get_organization",
    )
    async def get_organization(
        self, request: CallerRequest, db: NamedDependency[Database], organization: NamedDependency[OrganizationService]
    ) -> JsonResponse[Organization]:
        return _with_etag(await organization.get(db, request.user.org_id))

    @patch(
        "/",
        opt=requires(ORG_MANAGE),
        dependencies=documents_body(OrganizationUpdate),
        responses=error_responses(*WRITE_ERRORS, 409, 412),
        response_headers=[ETAG_HEADER],
        summary="Update the organization",
        description="Change only the fields given: `name` (1–200 characters, trimmed, unique across "
        "organizations, else 409 `duplicate_organization_name`) and `base_currency` (ISO 4217), which is "
        "the currency of products created from then on without one; existing products keep theirs. With "
        "`If-Match: <ETag>` the change applies only if nothing changed since (else 412). Records "
        "`organization.updated`.",
        operation_id="update_organization",
    )
    async def update_organization(
        self,
        request: CallerRequest,
        uow: NamedDependency[UnitOfWork],
        organization: NamedDependency[OrganizationService],
    ) -> JsonResponse[Organization]:
        data = await read_json(request, OrganizationUpdate)
        if_match = parse_if_match(request.headers.get("if-match"))
        return _with_etag(await organization.update(uow, request.user.org_id, data, if_match))
