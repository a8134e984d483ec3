"""Checks a service makes beyond a body's types, gathered so that one 400 lists every problem."""

from __future__ import annotations

import re

from redcore_server import errors

Problems = list[tuple[str, str]]  # (field, issue)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def display_name(value: str, problems: Problems, field: str = "name") -> str:
    """A name people read: trimmed, not blank, on one line."""
    value = value.strip()
    if not value:
        problems.append((field, "must not be blank"))
    elif _CONTROL.search(value):
        problems.append((field, "must not contain control characters"))
    return value


def raise_if(problems: Problems) -> None:
    if problems:
        raise errors.ValidationError.of(*problems)
