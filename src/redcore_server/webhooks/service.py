"""Business rules for webhook endpoints and their deliveries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from redcore_server import errors
from redcore_server.db import Executor
from redcore_server.db.uow import UnitOfWork
from redcore_server.ids import utcnow
from redcore_server.kit.checks import Problems, raise_if
from redcore_server.kit.listing import PageRequest, PageResult
from redcore_server.kit.service import ResourceService, changes_of
from redcore_server.tokens import base64_token
from redcore_server.webhooks import repository
from redcore_server.webhooks.addresses import UnsafeURL, check_on_save
from redcore_server.webhooks.schemas import (
    EVENT_TYPES,
    RotateSecret,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEndpointCreate,
    WebhookEndpointUpdate,
)

SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix of every secret, not one


class EndpointDisabled(errors.Conflict):
    code = "endpoint_disabled"
    default_message = "The webhook endpoint is disabled; enable it before retrying deliveries."


class DeliveryInProgress(errors.Conflict):
    code = "delivery_in_progress"
    default_message = "A worker is attempting this delivery right now; look again in a moment."


def new_secret() -> str:
    """``whsec_`` and 24 random bytes in base64, the form Standard Webhooks libraries read."""
    return base64_token(SECRET_PREFIX, 24)


def _check_event_types(types: list[str] | None, problems: list[tuple[str, str]]) -> list[str] | None:
    if types is None:
        return None
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        problems.append(("event_types", f"unknown event type {unknown[0]!r}; known: {', '.join(EVENT_TYPES)}"))
    return [t for t in EVENT_TYPES if t in types]  # de-duplicated, in a stable order


def _check_description(text: str | None) -> str | None:
    return (text.strip() or None) if text is not None else None


class WebhookEndpointService(ResourceService[WebhookEndpoint]):
    """Endpoints: ``get``, ``list`` and ``delete`` come from :class:`ResourceService`. Their changes
    are configuration, not events of the organization's data, so they record no events."""

    def __init__(self, *, allow_private: bool) -> None:
        super().__init__(repository.ENDPOINTS)
        self.allow_private = allow_private

    async def _check_url(self, url: str, problems: list[tuple[str, str]]) -> str:
        url = url.strip()
        try:
            await check_on_save(url, allow_private=self.allow_private)
        except UnsafeURL as exc:
            problems.append(("url", str(exc)))
        return url

    async def create(self, uow: UnitOfWork, org_id: str, data: WebhookEndpointCreate) -> WebhookEndpoint:
        problems: Problems = []
        url = await self._check_url(data.url, problems)
        types = _check_event_types(data.event_types, problems)
        raise_if(problems)
        endpoint = self.new(
            data,
            url=url,
            description=_check_description(data.description),
            event_types=types,
            disabled_reason=None,
            previous_secret_expires_at=None,
            secret=new_secret(),
        )
        extra = {"event_types": repository.encode_event_types(types), "secret": endpoint.secret}
        await self.insert(await uow.tx(), uow, org_id, endpoint, extra)
        return endpoint

    async def update(
        self,
        uow: UnitOfWork,
        org_id: str,
        ident: str,
        data: WebhookEndpointUpdate,
        if_match: frozenset[str] | None = None,
    ) -> WebhookEndpoint:
        problems: Problems = []
        changes = changes_of(data)
        if "url" in changes:
            changes["url"] = await self._check_url(changes["url"], problems)
        if "description" in changes:
            changes["description"] = _check_description(changes["description"])
        if "event_types" in changes:
            changes["event_types"] = repository.encode_event_types(_check_event_types(changes["event_types"], problems))
        if changes.get("enabled"):
            changes["disabled_reason"] = None
        raise_if(problems)
        updated = await self.update_fields(uow, org_id, ident, changes, if_match)
        if data.enabled is False:
            await repository.fail_waiting(await uow.tx(), org_id, ident, utcnow())
        return updated

    async def rotate_secret(self, uow: UnitOfWork, org_id: str, ident: str, data: RotateSecret) -> WebhookEndpoint:
        """A new secret signs from now on; the current one keeps signing for ``grace_period`` seconds."""
        tx = await uow.tx()
        current = await repository.current_secret(tx, org_id, ident) if ident.startswith(self.spec.id_start) else None
        if current is None:
            raise self.not_found(ident)
        secret, now = new_secret(), utcnow()
        changes: dict[str, Any] = {"secret": secret, "previous_secret": None, "previous_secret_expires_at": None}
        if data.grace_period > 0:
            expires = now + timedelta(seconds=data.grace_period)
            changes |= {"previous_secret": current, "previous_secret_expires_at": expires}
        updated = await self.update_fields(uow, org_id, ident, changes, None)
        updated.secret = secret
        return updated


class DeliveryService:
    """An endpoint's deliveries, with their attempts; retrying one on demand."""

    def __init__(self, endpoints: WebhookEndpointService) -> None:
        self.endpoints = endpoints

    def _not_found(self, ident: str) -> errors.NotFound:
        return errors.NotFound(f"No delivery with id {ident!r} for this endpoint.")

    async def list(
        self, db: Executor, org_id: str, endpoint_id: str, req: PageRequest
    ) -> tuple[list[WebhookDelivery], PageResult]:
        await self.endpoints.get(db, org_id, endpoint_id)
        req.filters["endpoint_id"] = endpoint_id
        deliveries, result = await repository.DELIVERIES.list_page(db, org_id, req)
        attempts = await repository.attempts_of(db, [d.id for d in deliveries])
        for delivery in deliveries:
            delivery.attempts = attempts[delivery.id]
        return deliveries, result

    async def get(self, db: Executor, org_id: str, endpoint_id: str, ident: str) -> WebhookDelivery:
        deliveries = repository.DELIVERIES
        delivery = await deliveries.get(db, org_id, ident) if ident.startswith(deliveries.spec.id_start) else None
        if delivery is None or delivery.endpoint_id != endpoint_id:
            raise self._not_found(ident)
        delivery.attempts = (await repository.attempts_of(db, [ident]))[ident]
        return delivery

    async def retry(self, uow: UnitOfWork, org_id: str, endpoint_id: str, ident: str) -> WebhookDelivery:
        """One more attempt as soon as a worker is free, whatever the delivery's state."""
        tx = await uow.tx()
        endpoint = await self.endpoints.get(tx, org_id, endpoint_id)
        await self.get(tx, org_id, endpoint_id, ident)
        if not endpoint.enabled:
            raise EndpointDisabled()
        if not await repository.schedule_now(tx, org_id, endpoint_id, ident, utcnow()):
            raise DeliveryInProgress()
        uow.queued.add("webhooks")
        return await self.get(tx, org_id, endpoint_id, ident)
