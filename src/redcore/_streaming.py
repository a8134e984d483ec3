"""Responses read as they arrive (exports), over the clients' request machinery in ``_base.py``.

:func:`stream` and :func:`astream` build, send and retry a call exactly as ``request`` does (the same
back-off, ``Retry-After`` and error mapping), but only until the body starts: once part of a body has
been handed over, a connection that breaks raises :class:`~redcore.exceptions.APIConnectionError`
(the download was cut off) rather than starting again.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import anyio
import httpx

from redcore import exceptions as exc
from redcore._base import APIResponse, AsyncAPIClient, Call, SyncAPIClient

__all__ = ["astream", "stream"]


@contextmanager
def stream(client: SyncAPIClient, call: Call[Any]) -> Iterator[httpx.Response]:
    """``call``'s successful response with its body still to read (``iter_bytes``, ``iter_lines``),
    closed on leaving."""
    key = client._idempotency_key(call)
    retries = 0
    while True:
        request = client._build_request(call, key)
        try:
            outcome: httpx.Response | httpx.RequestError = client._http.send(request, stream=True)
        except httpx.RequestError as e:
            outcome = e
        if isinstance(outcome, httpx.Response) and not outcome.is_success:
            outcome = _read_error(outcome)
        step = client._decide(call, request, retries, outcome)
        if isinstance(step, APIResponse):
            break
        time.sleep(step)
        retries += 1
    response = step.http_response
    try:
        yield response
    except httpx.TransportError as e:
        raise _cut_off(request, e) from e
    finally:
        response.close()


@asynccontextmanager
async def astream(client: AsyncAPIClient, call: Call[Any]) -> AsyncIterator[httpx.Response]:
    """:func:`stream` on the async client (``aiter_bytes``, ``aiter_lines``)."""
    key = client._idempotency_key(call)
    retries = 0
    while True:
        request = client._build_request(call, key)
        try:
            outcome: httpx.Response | httpx.RequestError = await client._http.send(request, stream=True)
        except httpx.RequestError as e:
            outcome = e
        if isinstance(outcome, httpx.Response) and not outcome.is_success:
            outcome = await _aread_error(outcome)
        step = client._decide(call, request, retries, outcome)
        if isinstance(step, APIResponse):
            break
        await anyio.sleep(step)
        retries += 1
    response = step.http_response
    try:
        yield response
    except httpx.TransportError as e:
        raise _cut_off(request, e) from e
    finally:
        await response.aclose()


def _read_error(response: httpx.Response) -> httpx.Response | httpx.RequestError:
    """A streamed error response read whole: its body is what the exception (or the retry) is decided on."""
    try:
        response.read()
    except httpx.RequestError as e:
        return e
    finally:
        response.close()
    return response


async def _aread_error(response: httpx.Response) -> httpx.Response | httpx.RequestError:
    try:
        await response.aread()
    except httpx.RequestError as e:
        return e
    finally:
        await response.aclose()
    return response


def _cut_off(request: httpx.Request, error: httpx.TransportError) -> exc.APIConnectionError:
    return exc.APIConnectionError(f"The response from {request.url} was cut off: {error}", request=request)
