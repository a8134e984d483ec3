"""``client.events``: what changed in the organization (``/v1/events``), read-only."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from functools import cached_property
from typing import Unpack

from redcore._base import AsyncAPIClient, SyncAPIClient
from redcore.pagination import DEFAULT_PAGE_SIZE, Page
from redcore.resources._collection import (
    AsyncReadOnlyCollection,
    Endpoints,
    SyncReadOnlyCollection,
    async_raw_response,
    raw_response,
)
from redcore.types import Event, EventFilters, EventListParams

__all__ = ["AsyncEvents", "AsyncEventsWithRawResponse", "Events", "EventsWithRawResponse"]

EVENTS = Endpoints("/events", Event, Page[Event])


class Events(SyncReadOnlyCollection[Event]):
    """The organization's events (needs ``events:read``): ``list``, ``list_all``, ``iter``, ``get``.

    Every create, update and delete of a user or product records one, in the same transaction as
    the change: ``event.type`` is ``"user.created"``, ``"product.deleted"``…, ``event.data`` the object.
    """

    _endpoints = EVENTS

    def list(self, **params: Unpack[EventListParams]) -> Page[Event]:
        """One page of events, newest first unless ``order="asc"``.

        Filters: ``type`` (e.g. ``"user.created"``), ``created_after`` (inclusive) and
        ``created_before`` (exclusive), each a ``datetime`` (a naive one is UTC) or an RFC 3339 string.
        Position: ``limit`` (1-100, default 20) with ``offset``, ``page`` or ``starting_after``.
        Use :meth:`list_all` or :meth:`iter` to walk every page.
        """
        return self._request(EVENTS.list(params))

    def list_all(self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[EventFilters]) -> Iterator[Page[Event]]:
        """Every page of events matching ``filters``, ``page_size`` (1-100) at a time, fetched as you
        iterate, with the keyset cursor: no event is repeated or skipped."""
        return self._pages(EVENTS, page_size, filters)

    def iter(self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[EventFilters]) -> Iterator[Event]:
        """Every event matching ``filters``, one at a time, across all pages (see :meth:`list_all`)."""
        return self._items(EVENTS, page_size, filters)

    @cached_property
    def with_raw_response(self) -> EventsWithRawResponse:
        """The same methods, answering an :class:`~redcore.APIResponse` (status, headers, ``parse()``)."""
        return EventsWithRawResponse(self._client)


class EventsWithRawResponse:
    """``client.events.with_raw_response``: each method answers an :class:`~redcore.APIResponse`."""

    def __init__(self, client: SyncAPIClient) -> None:
        events = Events(client, raw=True)
        self.list = raw_response(events.list)
        self.get = raw_response(events.get)


class AsyncEvents(AsyncReadOnlyCollection[Event]):
    """The organization's events, on :class:`~redcore.AsyncClient`: the methods of :class:`Events`, awaited
    (``list_all`` and ``iter`` are async iterators: ``async for``)."""

    _endpoints = EVENTS

    async def list(self, **params: Unpack[EventListParams]) -> Page[Event]:
        """One page of events (see :meth:`Events.list`)."""
        return await self._request(EVENTS.list(params))

    def list_all(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[EventFilters]
    ) -> AsyncIterator[Page[Event]]:
        """Every page of events matching ``filters``, for ``async for`` (see :meth:`Events.list_all`)."""
        return self._pages(EVENTS, page_size, filters)

    def iter(self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[EventFilters]) -> AsyncIterator[Event]:
        """Every event matching ``filters``, for ``async for`` (see :meth:`Events.iter`)."""
        return self._items(EVENTS, page_size, filters)

    @cached_property
    def with_raw_response(self) -> AsyncEventsWithRawResponse:
        """The same methods, answering an :class:`~redcore.APIResponse` (status, headers, ``parse()``)."""
        return AsyncEventsWithRawResponse(self._client)


class AsyncEventsWithRawResponse:
    """``async_client.events.with_raw_response``: each method answers an :class:`~redcore.APIResponse`."""

    def __init__(self, client: AsyncAPIClient) -> None:
        events = AsyncEvents(client, raw=True)
        self.list = async_raw_response(events.list)
        self.get = async_raw_response(events.get)
