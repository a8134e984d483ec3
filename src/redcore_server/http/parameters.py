"""No query parameter or path parameter carries a control character (U+0000–U+001F, U+007F).

Checked for every route of the ``/v1`` router (from its ``before_request`` hook, once the caller is
admitted) and by the fast read path, so no such text reaches a query: PostgreSQL refuses U+0000 in
text, and none of them belongs in an id, a search or a cursor. The answer is 400
``validation_error`` naming the parameter. Integer parameters are bounded where they are declared
(``kit/params.py``).
"""

from __future__ import annotations

import typing
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
        items = list(request.query_params.multi_items())
        check_values(items)
        _check_given_once_and_typed(items, _typed_parameters(request.route_handler))


def _check_given_once_and_typed(items: list[tuple[str, Any]], typed: frozenset[str]) -> None:
    """Every parameter here takes one value: a second one is a 400, never "the last wins". And the
    word ``null`` is no value of a typed parameter (a role, a number, a time): the framework would
    read it as "not given", so ``?status=null`` would list every status."""
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, value in items:
        if name in seen:
            problems.append((name, "is given more than once; give it once"))
        seen.add(name)
        if value == "null" and name in typed:
            problems.append((name, "is not a value it takes (leave it out not to filter)"))
    if problems:
        raise errors.ValidationError.of(*problems)


_typed_cache: dict[int, frozenset[str]] = {}


def _typed_parameters(handler: Any) -> frozenset[str]:
    """The query parameters of ``handler`` (its own and its dependencies') that are not free text."""
    found = _typed_cache.get(id(handler))
    if found is None:
        functions = [handler.fn] + [p.dependency for p in handler.resolve_dependencies().values()]
        names: set[str] = set()
        for function in functions:
            try:
                hints = typing.get_type_hints(function)
            except Exception:  # a dependency without resolvable hints declares no typed parameter
                hints = {}
            for name, hint in hints.items():
                kinds = {t for t in typing.get_args(hint) or (hint,) if t is not type(None)}
                if name != "return" and kinds and kinds != {str}:
                    names.add(name)
        found = _typed_cache[id(handler)] = frozenset(names)
    return found
