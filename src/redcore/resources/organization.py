"""``client.organization``: the organization the client's credential belongs to (``/v1/organization``).

Any credential reads it; changing it needs the ``org:manage`` scope (an admin key or an admin's
access token)::

    raw = client.organization.with_raw_response.get()
    org = client.organization.update(base_currency="EUR", if_match=raw.etag)  # 412 if it changed since
"""

from __future__ import annotations

from functools import cached_property
from typing import Unpack

from redcore._base import AsyncAPIClient, Call, SyncAPIClient
from redcore.resources._collection import AsyncResource, SyncResource, async_raw_response, raw_response
from redcore.types import Organization, OrganizationUpdateParams

__all__ = [
    "AsyncOrganizationResource",
    "AsyncOrganizationWithRawResponse",
    "OrganizationResource",
    "OrganizationWithRawResponse",
]

PATH = "/organization"
GET = Call("GET", PATH, Organization)


def _update(fields: OrganizationUpdateParams, if_match: str | None) -> Call[Organization]:
    headers = {"If-Match": if_match} if if_match is not None else None
    return Call("PATCH", PATH, Organization, body=dict(fields), headers=headers)


class OrganizationResource(SyncResource):
    """The client's own organization: ``get`` and ``update``."""

    def get(self) -> Organization:
        """The organization the client's credential belongs to. Any credential may read it."""
        return self._request(GET)

    def update(self, *, if_match: str | None = None, **fields: Unpack[OrganizationUpdateParams]) -> Organization:
        """Change only the given fields (``name``, ``base_currency``) and return the organization as it now is.

        Needs ``org:manage`` (else PermissionDeniedError, code ``insufficient_scope``). A new base
        currency is the default of products created from then on; existing products keep theirs.
        Raises DuplicateError (code ``duplicate_organization_name``) for a name another organization
        has, ValidationError for an invalid name or currency, and with ``if_match`` (the ETag of
        ``with_raw_response.get()``) PreconditionFailedError if the organization changed since.
        """
        return self._request(_update(fields, if_match))

    @cached_property
    def with_raw_response(self) -> OrganizationWithRawResponse:
        """The same methods, answering an :class:`~redcore.APIResponse` (status, headers, ``etag``, ``parse()``)."""
        return OrganizationWithRawResponse(self._client)


class OrganizationWithRawResponse:
    """``client.organization.with_raw_response``: each method answers an :class:`~redcore.APIResponse`."""

    def __init__(self, client: SyncAPIClient) -> None:
        organization = OrganizationResource(client, raw=True)
        self.get = raw_response(organization.get)
        self.update = raw_response(organization.update)


class AsyncOrganizationResource(AsyncResource):
    """The client's own organization, on :class:`~redcore.AsyncClient`: the methods of
    :class:`OrganizationResource`, awaited."""

    async def get(self) -> Organization:
        """The organization the client's credential belongs to (see :meth:`OrganizationResource.get`)."""
        return await self._request(GET)

    async def update(self, *, if_match: str | None = None, **fields: Unpack[OrganizationUpdateParams]) -> Organization:
        """Change only the given fields (see :meth:`OrganizationResource.update`)."""
        return await self._request(_update(fields, if_match))

    @cached_property
    def with_raw_response(self) -> AsyncOrganizationWithRawResponse:
        """The same methods, answering an :class:`~redcore.APIResponse` (status, headers, ``etag``, ``parse()``)."""
        return AsyncOrganizationWithRawResponse(self._client)


class AsyncOrganizationWithRawResponse:
    """``async_client.organization.with_raw_response``: each method answers an :class:`~redcore.APIResponse`."""

    def __init__(self, client: AsyncAPIClient) -> None:
        organization = AsyncOrganizationResource(client, raw=True)
        self.get = async_raw_response(organization.get)
        self.update = async_raw_response(organization.update)
