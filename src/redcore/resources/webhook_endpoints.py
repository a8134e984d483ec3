"""``client.webhook_endpoints``: where the organization's events are delivered (``/v1/webhook_endpoints``),
and each endpoint's delivery log (``/v1/webhook_endpoints/{id}/deliveries``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from functools import cached_property
from typing import Any, Unpack

from redcore._base import AsyncAPIClient, SyncAPIClient
from redcore.pagination import DEFAULT_PAGE_SIZE, Page
from redcore.resources._collection import (
    AsyncCollection,
    Endpoints,
    SyncCollection,
    async_raw_response,
    raw_response,
)
from redcore.types import (
    WebhookDelivery,
    WebhookDeliveryFilters,
    WebhookDeliveryListParams,
    WebhookEndpoint,
    WebhookEndpointCreateParams,
    WebhookEndpointFilters,
    WebhookEndpointListParams,
    WebhookEndpointUpdateParams,
)

__all__ = [
    "AsyncWebhookEndpoints",
    "AsyncWebhookEndpointsWithRawResponse",
    "WebhookEndpoints",
    "WebhookEndpointsWithRawResponse",
]

ENDPOINTS = Endpoints("/webhook_endpoints", WebhookEndpoint, Page[WebhookEndpoint])
DELIVERIES = Endpoints("/webhook_endpoints/{}/deliveries", WebhookDelivery, Page[WebhookDelivery])


def _grace(grace_period: int | None) -> dict[str, Any]:
    return {} if grace_period is None else {"grace_period": grace_period}


class WebhookEndpoints(SyncCollection[WebhookEndpoint]):
    """The organization's webhook endpoints (needs ``webhooks:manage``): ``list``, ``list_all``, ``iter``,
    ``get``, ``create``, ``update``, ``delete``, ``rotate_secret``, and each endpoint's deliveries:
    ``list_deliveries``, ``iter_deliveries``, ``get_delivery``, ``retry_delivery``.

    ``get`` and ``delete`` take a ``we_`` id; ``delete(id, if_match=etag)`` refuses (412) if the
    endpoint changed since that ETag.
    """

    _endpoints = ENDPOINTS

    def list(self, **params: Unpack[WebhookEndpointListParams]) -> Page[WebhookEndpoint]:
        """One page of webhook endpoints, newest first unless ``order="asc"``.

        Filter: ``enabled``. Position: ``limit`` (1-100, default 20) with ``offset``, ``page`` or
        ``starting_after``. Use :meth:`list_all` or :meth:`iter` to walk every page.
        """
        return self._request(ENDPOINTS.list(params))

    def list_all(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[WebhookEndpointFilters]
    ) -> Iterator[Page[WebhookEndpoint]]:
        """Every page of webhook endpoints matching ``filters``, ``page_size`` (1-100) at a time, fetched
        as you iterate, with the keyset cursor."""
        return self._pages(ENDPOINTS, page_size, filters)

    def iter(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[WebhookEndpointFilters]
    ) -> Iterator[WebhookEndpoint]:
        """Every webhook endpoint matching ``filters``, one at a time, across all pages."""
        return self._items(ENDPOINTS, page_size, filters)

    def create(self, **fields: Unpack[WebhookEndpointCreateParams]) -> WebhookEndpoint:
        """Register a URL to receive events: ``url`` is required; ``event_types`` (default: every type)
        picks which events, e.g. ``["user.created"]``.

        The answer's ``secret`` (``whsec_…``) is shown this once: keep it to verify deliveries with
        :func:`redcore.webhooks.verify`. Raises ValidationError (``.details``: a bad URL, an unknown
        event type).
        """
        return self._request(ENDPOINTS.create(fields))

    def update(
        self, id: str, *, if_match: str | None = None, **fields: Unpack[WebhookEndpointUpdateParams]
    ) -> WebhookEndpoint:
        """Change only the given fields of endpoint ``id`` and return it as it now is (without ``secret``).

        ``enabled=True`` resumes deliveries to an endpoint the server disabled. With ``if_match`` (an
        ETag, see ``with_raw_response``), raises PreconditionFailedError if the endpoint changed since.
        """
        return self._request(ENDPOINTS.update(id, fields, if_match))

    def rotate_secret(self, id: str, *, grace_period: int | None = None) -> WebhookEndpoint:
        """Give endpoint ``id`` a new signing secret, returned in the answer's ``secret`` (this once).

        For ``grace_period`` seconds (0-604800; the server's default is a day) deliveries carry a
        second signature made with the old secret, so receivers can switch over without failing;
        ``previous_secret_expires_at`` says until when.
        """
        return self._request(ENDPOINTS.action(id, "rotate_secret", _grace(grace_period)))

    def list_deliveries(self, endpoint_id: str, **params: Unpack[WebhookDeliveryListParams]) -> Page[WebhookDelivery]:
        """One page of endpoint ``endpoint_id``'s deliveries, newest first, each with its attempts.

        Filter: ``status`` (``"pending"``, ``"succeeded"``, ``"failed"``). Position: ``limit``
        (1-100, default 20) with ``offset``, ``page`` or ``starting_after``.
        """
        return self._request(DELIVERIES.of(endpoint_id).list(params))

    def iter_deliveries(
        self, endpoint_id: str, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[WebhookDeliveryFilters]
    ) -> Iterator[WebhookDelivery]:
        """Every delivery of endpoint ``endpoint_id`` matching ``filters``, one at a time, across all pages."""
        return self._items(DELIVERIES.of(endpoint_id), page_size, filters)

    def get_delivery(self, endpoint_id: str, delivery_id: str) -> WebhookDelivery:
        """One delivery (``msg_`` id) of endpoint ``endpoint_id``, with every attempt. Raises NotFoundError."""
        return self._request(DELIVERIES.of(endpoint_id).get(delivery_id))

    def retry_delivery(self, endpoint_id: str, delivery_id: str) -> WebhookDelivery:
        """Attempt delivery ``delivery_id`` once more, now, whatever its status; the answer is the
        delivery as queued (``"pending"``). The receiver sees the same ``webhook-id`` again.

        Raises NotFoundError, or DuplicateError (409) with code ``endpoint_disabled`` while the endpoint
        is disabled, or ``delivery_in_progress`` while an attempt is under way.
        """
        return self._request(DELIVERIES.of(endpoint_id).action(delivery_id, "retry"))

    @cached_property
    def with_raw_response(self) -> WebhookEndpointsWithRawResponse:
        """The same methods, answering an :class:`~redcore.APIResponse` (status, headers, ``parse()``)."""
        return WebhookEndpointsWithRawResponse(self._client)


class WebhookEndpointsWithRawResponse:
    """``client.webhook_endpoints.with_raw_response``: each method answers an :class:`~redcore.APIResponse`."""

    def __init__(self, client: SyncAPIClient) -> None:
        endpoints = WebhookEndpoints(client, raw=True)
        self.list = raw_response(endpoints.list)
        self.get = raw_response(endpoints.get)
        self.create = raw_response(endpoints.create)
        self.update = raw_response(endpoints.update)
        self.delete = raw_response(endpoints.delete)
        self.rotate_secret = raw_response(endpoints.rotate_secret)
        self.list_deliveries = raw_response(endpoints.list_deliveries)
        self.get_delivery = raw_response(endpoints.get_delivery)
        self.retry_delivery = raw_response(endpoints.retry_delivery)


class AsyncWebhookEndpoints(AsyncCollection[WebhookEndpoint]):
    """The organization's webhook endpoints, on :class:`~redcore.AsyncClient`: the methods of
    :class:`WebhookEndpoints`, awaited (``list_all``, ``iter`` and ``iter_deliveries`` are async
    iterators: ``async for``)."""

    _endpoints = ENDPOINTS

    async def list(self, **params: Unpack[WebhookEndpointListParams]) -> Page[WebhookEndpoint]:
        """One page of webhook endpoints (see :meth:`WebhookEndpoints.list`)."""
        return await self._request(ENDPOINTS.list(params))

    def list_all(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[WebhookEndpointFilters]
    ) -> AsyncIterator[Page[WebhookEndpoint]]:
        """Every page of webhook endpoints, for ``async for`` (see :meth:`WebhookEndpoints.list_all`)."""
        return self._pages(ENDPOINTS, page_size, filters)

    def iter(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[WebhookEndpointFilters]
    ) -> AsyncIterator[WebhookEndpoint]:
        """Every webhook endpoint, for ``async for`` (see :meth:`WebhookEndpoints.iter`)."""
        return self._items(ENDPOINTS, page_size, filters)

    async def create(self, **fields: Unpack[WebhookEndpointCreateParams]) -> WebhookEndpoint:
        """Register a URL to receive events (see :meth:`WebhookEndpoints.create`)."""
        return await self._request(ENDPOINTS.create(fields))

    async def update(
        self, id: str, *, if_match: str | None = None, **fields: Unpack[WebhookEndpointUpdateParams]
    ) -> WebhookEndpoint:
        """Change only the given fields of endpoint ``id`` (see :meth:`WebhookEndpoints.update`)."""
        return await self._request(ENDPOINTS.update(id, fields, if_match))

    async def rotate_secret(self, id: str, *, grace_period: int | None = None) -> WebhookEndpoint:
        """Give endpoint ``id`` a new signing secret (see :meth:`WebhookEndpoints.rotate_secret`)."""
        return await self._request(ENDPOINTS.action(id, "rotate_secret", _grace(grace_period)))

    async def list_deliveries(
        self, endpoint_id: str, **params: Unpack[WebhookDeliveryListParams]
    ) -> Page[WebhookDelivery]:
        """One page of an endpoint's deliveries (see :meth:`WebhookEndpoints.list_deliveries`)."""
        return await self._request(DELIVERIES.of(endpoint_id).list(params))

    def iter_deliveries(
        self, endpoint_id: str, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[WebhookDeliveryFilters]
    ) -> AsyncIterator[WebhookDelivery]:
        """Every delivery of an endpoint, for ``async for`` (see :meth:`WebhookEndpoints.iter_deliveries`)."""
        return self._items(DELIVERIES.of(endpoint_id), page_size, filters)

    async def get_delivery(self, endpoint_id: str, delivery_id: str) -> WebhookDelivery:
        """One delivery of an endpoint (see :meth:`WebhookEndpoints.get_delivery`)."""
        return await self._request(DELIVERIES.of(endpoint_id).get(delivery_id))

    async def retry_delivery(self, endpoint_id: str, delivery_id: str) -> WebhookDelivery:
        """Attempt a delivery once more, now (see :meth:`WebhookEndpoints.retry_delivery`)."""
        return await self._request(DELIVERIES.of(endpoint_id).action(delivery_id, "retry"))

    @cached_property
    def with_raw_response(self) -> AsyncWebhookEndpointsWithRawResponse:
        """The same methods, answering an :class:`~redcore.APIResponse` (status, headers, ``parse()``)."""
        return AsyncWebhookEndpointsWithRawResponse(self._client)


class AsyncWebhookEndpointsWithRawResponse:
    """``async_client.webhook_endpoints.with_raw_response``: each method answers an :class:`~redcore.APIResponse`."""

    def __init__(self, client: AsyncAPIClient) -> None:
        endpoints = AsyncWebhookEndpoints(client, raw=True)
        self.list = async_raw_response(endpoints.list)
        self.get = async_raw_response(endpoints.get)
        self.create = async_raw_response(endpoints.create)
        self.update = async_raw_response(endpoints.update)
        self.delete = async_raw_response(endpoints.delete)
        self.rotate_secret = async_raw_response(endpoints.rotate_secret)
        self.list_deliveries = async_raw_response(endpoints.list_deliveries)
        self.get_delivery = async_raw_response(endpoints.get_delivery)
        self.retry_delivery = async_raw_response(endpoints.retry_delivery)
