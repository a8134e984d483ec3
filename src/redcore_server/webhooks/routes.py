"""HTTP for webhooks: the endpoints collection on the shared routes (kit/routes.py), plus secret
rotation and each endpoint's delivery log (with retry on demand)."""

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import Parameter
from litestar.status_codes import HTTP_202_ACCEPTED

from redcore_server.auth.principal import Principal
from redcore_server.auth.scopes import WEBHOOKS_MANAGE
from redcore_server.db import Database
from redcore_server.db.uow import UnitOfWork
from redcore_server.http.authentication import requires
from redcore_server.http.body import documents_body, read_json
from redcore_server.http.openapi import ETAG_HEADER, READ_ERRORS, WRITE_ERRORS, error_responses
from redcore_server.http.openapi_document import BODY_OPTIONAL
from redcore_server.http.responses import JsonResponse
from redcore_server.kit.listing import PageRequest
from redcore_server.kit.params import ListMeta, list_meta, provide_page_request, text_parameter
from redcore_server.kit.routes import Collection, ListFilters, collection_controller
from redcore_server.webhooks import spec
from redcore_server.webhooks.schemas import (
    DeliveryStatus,
    RotateSecret,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEndpointCreate,
    WebhookEndpointUpdate,
)
from redcore_server.webhooks.service import DeliveryService, WebhookEndpointService

CallerRequest = Request[Principal, Any, Any]
EndpointId = Annotated[str, text_parameter("The `we_`-prefixed webhook endpoint id.")]
DeliveryId = Annotated[str, text_parameter("The `msg_`-prefixed delivery id (its `webhook-id` header).")]


def endpoint_filters(
    enabled: Annotated[bool | None, Parameter(description="Only enabled (or disabled) endpoints.")] = None,
) -> ListFilters:
    return ListFilters({"enabled": enabled} if enabled is not None else {})


WEBHOOK_ENDPOINTS = Collection(
    spec=spec.ENDPOINTS,
    service=WebhookEndpointService,
    tag="Webhooks",
    read_scope=WEBHOOKS_MANAGE,
    filters=endpoint_filters,
    create_model=WebhookEndpointCreate,
    update_model=WebhookEndpointUpdate,
    write_scope=WEBHOOKS_MANAGE,
    create_doc="Subscribe a URL to events (`event_types`, or every type when null). The response carries "
    "the signing `secret` (`whsec_…`), shown this once. URLs on loopback, private or link-local addresses "
    "are refused unless the operator allows them.",
)
WebhookEndpointController = collection_controller(WEBHOOK_ENDPOINTS)


class WebhookDeliveryList(msgspec.Struct):
    data: list[WebhookDelivery]
    meta: ListMeta


def delivery_filters(
    status: Annotated[DeliveryStatus | None, Parameter(description="Only deliveries in this state.")] = None,
) -> ListFilters:
    return ListFilters({"status": status} if status is not None else {})


class WebhookDeliveryController(Controller):
    path = "/webhook_endpoints/{endpoint_id:str}"
    tags = ["Webhooks"]

    @post(
        "/rotate_secret",
        opt={**requires(WEBHOOKS_MANAGE), BODY_OPTIONAL: True},
        dependencies=documents_body(RotateSecret),
        responses=error_responses(*WRITE_ERRORS, 404),
        response_headers=[ETAG_HEADER],
        status_code=200,
        summary="Rotate a webhook endpoint's secret",
        description="A new `secret` (in the response, shown this once) signs every delivery from now on. "
        "The old one keeps signing alongside it — two `v1,` signatures in `webhook-signature` — for "
        "`grace_period` seconds (default 86400; 0 ends it at once), so receivers can switch without a gap.",
        operation_id="rotate_webhook_endpoint_secret",
    )
    async def rotate_secret(
        self,
        request: CallerRequest,
        uow: NamedDependency[UnitOfWork],
        endpoints: NamedDependency[WebhookEndpointService],
        endpoint_id: EndpointId,
    ) -> JsonResponse[WebhookEndpoint]:
        body = await request.body()
        data = await read_json(request, RotateSecret) if body.strip() else RotateSecret()
        endpoint = await endpoints.rotate_secret(uow, request.user.org_id, endpoint_id, data)
        return JsonResponse(endpoint, headers=spec.ENDPOINTS.headers(endpoint))

    @get(
        "/deliveries",
        opt=requires(WEBHOOKS_MANAGE),
        dependencies={
            "page_request": Provide(provide_page_request, sync_to_thread=False),
            "filters": Provide(delivery_filters, sync_to_thread=False),
        },
        responses=error_responses(*READ_ERRORS, 404),
        summary="List a webhook endpoint's deliveries",
        description="One delivery per event sent to this endpoint, newest first, each with every attempt "
        "(HTTP status, duration, error, the start of the response). A delivery's `id` is the `webhook-id` "
        "header it was sent with, the same on every attempt.",
        operation_id="list_webhook_deliveries",
    )
    async def list_deliveries(
        self,
        request: CallerRequest,
        db: NamedDependency[Database],
        deliveries: NamedDependency[DeliveryService],
        page_request: NamedDependency[PageRequest],
        filters: NamedDependency[ListFilters],
        endpoint_id: EndpointId,
    ) -> JsonResponse[WebhookDeliveryList]:
        page_request.filters.update(filters.equals)
        items, result = await deliveries.list(db, request.user.org_id, endpoint_id, page_request)
        return JsonResponse(WebhookDeliveryList(data=items, meta=list_meta(page_request, result)))

    @get(
        "/deliveries/{delivery_id:str}",
        opt=requires(WEBHOOKS_MANAGE),
        responses=error_responses(*READ_ERRORS, 404),
        summary="Retrieve a webhook delivery",
        description="One delivery of this endpoint, with its attempts.",
        operation_id="get_webhook_delivery",
    )
    async def get_delivery(
        self,
        request: CallerRequest,
        db: NamedDependency[Database],
        deliveries: NamedDependency[DeliveryService],
        endpoint_id: EndpointId,
        delivery_id: DeliveryId,
    ) -> JsonResponse[WebhookDelivery]:
        return JsonResponse(await deliveries.get(db, request.user.org_id, endpoint_id, delivery_id))

    @post(
        "/deliveries/{delivery_id:str}/retry",
        opt=requires(WEBHOOKS_MANAGE),
        responses=error_responses(*READ_ERRORS, 404, 409),
        status_code=HTTP_202_ACCEPTED,
        summary="Retry a webhook delivery now",
        description="Queue one more attempt of this delivery, whatever its state, with the same `webhook-id`. "
        "409 `endpoint_disabled` while the endpoint is disabled; 409 `delivery_in_progress` while a worker "
        "is attempting it.",
        operation_id="retry_webhook_delivery",
    )
    async def retry_delivery(
        self,
        request: CallerRequest,
        uow: NamedDependency[UnitOfWork],
        deliveries: NamedDependency[DeliveryService],
        endpoint_id: EndpointId,
        delivery_id: DeliveryId,
    ) -> JsonResponse[WebhookDelivery]:
        delivery = await deliveries.retry(uow, request.user.org_id, endpoint_id, delivery_id)
        return JsonResponse(delivery, status_code=HTTP_202_ACCEPTED)
