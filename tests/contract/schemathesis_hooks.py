"""Schemathesis hooks (loaded through ``SCHEMATHESIS_HOOKS``) that make it behave like a careful client
where the OpenAPI document cannot say what a careful client does:

- every request gets an ``Idempotency-Key`` of its own: one key sent with two different requests is
  a client's mistake, which the server rightly refuses (400 ``idempotency_key_reused``);
- ``offset``, ``page`` and ``starting_after`` are alternatives (two at once is a 400, as the contract
  says), a constraint between query parameters that OpenAPI cannot express: the first is kept;
- ``starting_after`` is a cursor the API issued (``meta.next_cursor``): a client sends back the ones
  it was given, never made-up text (which is a 400, "not a cursor this API issued");
- a client never revokes, rolls or changes the very key it calls with: schemathesis learns ids from
  responses (``GET /v1/api_keys`` lists its own key), and once it rolled that key, the key expired a
  minute later and every later request of the run was a 401 (its "authentication failed" warning,
  for 42 operations). Writes to that key (``REDCORE_SCHEMATHESIS_KEY_ID``) go to an id that names
  no key instead (404);
- ``If-Match`` likewise carries an ETag the API gave (made-up text names no version: 412, as the
  document says; tests/server cover ``If-Match`` with real ETags), so it is left out.

Nothing else is filtered: every other generated value is sent as generated.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import schemathesis
from schemathesis.core.parameters import ParameterLocation

PAGING = ("offset", "page", "starting_after")
OWN_KEY_ID = os.environ.get("REDCORE_SCHEMATHESIS_KEY_ID", "")


def _negative(case: Any, where: str) -> bool:
    """Whether that part of the case was made to break the document (then it is sent as it is: the
    server must refuse it, and it does, whatever else is wrong with it)."""
    meta = getattr(case, "meta", None)
    return bool(meta is not None and meta.is_negative_at(ParameterLocation[where]))


@schemathesis.hook
def before_call(ctx: Any, case: Any, **kwargs: Any) -> None:
    query = case.query
    if query and not _negative(case, "QUERY"):
        query.pop("starting_after", None)
    if query and not _negative(case, "QUERY") and sum(name in query for name in PAGING) > 1:  # keep the first
        first = next(name for name in PAGING if name in query)
        for name in PAGING:
            if name != first:
                query.pop(name, None)
    path_parameters = case.path_parameters
    if (
        OWN_KEY_ID
        and path_parameters
        and path_parameters.get("id") == OWN_KEY_ID
        and case.method.upper() != "GET"
        and case.operation.path.startswith("/v1/api_keys/")
    ):
        path_parameters["id"] = "key_0000000000000000000000000"
    headers = case.headers
    if headers and not _negative(case, "HEADER"):
        headers.pop("If-Match", None)
    if headers and isinstance(headers.get("Idempotency-Key"), str):
        value = headers["Idempotency-Key"]
        if 1 <= len(value) <= 255 and all(" " <= c <= "~" for c in value):  # a valid key: make it unique
            headers["Idempotency-Key"] = str(uuid.uuid4())
