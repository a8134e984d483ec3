"""No query parameter or path parameter carries a control character (U+0000–U+001F, U+007F).

Checked for every route of the ``/v1`` router (from its ``before_request`` hook, once the caller is
admitted) and by the fast read path, so no such text reaches a query: PostgreSQL refuses U+0000 in
text, and none of them belongs in an id, a search or a cursor. The answer is 400
``validation_error`` naming the parameter. Integer parameters are bounded where they are declared
(``http/listing.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from redcore_server import errors
from redcore_server.text import control_character

if TYPE_CHECKING:
    from litestar import Request


def check_values(values: Iterable[tuple[str, Any]]) -> None:
    """400 naming every parameter (or parameter name) that carries a control character."""
    problems: list[tuple[str, str]] = []
    for name, value in values:
        issue = control_character(name)
        if issue is None and isinstance(value, str):
            issue = control_character(value)
        if issue is not None:
            problems.append((name, issue))
    if problems:
        raise errors.ValidationError.of(*problems)


def check_query_string(raw: bytes) -> None:
    """The same check on a raw query string (for the fast read path, which parses nothing else)."""
    if raw:
        check_values(parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace"))


def check_request(request: Request[Any, Any, Any]) -> None:
    path: Mapping[str, Any] = request.path_params
    if path:
        check_values(path.items())
    if request.scope.get("query_string"):
        check_values(request.query_params.multi_items())
