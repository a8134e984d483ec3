"""How a text value is written to, and read back from, a CSV cell that a spreadsheet may open.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to Excel,
LibreOffice and Google Sheets (OWASP's "CSV injection"): a user named ``=HYPERLINK(…)`` in an export
would run in the admin's spreadsheet. Exports write such a cell with a leading ``'`` (what the
spreadsheets themselves do to show text as text), and a cell that starts with ``'`` gets one more, so
imports can remove exactly one quote again: an export read back by an import gives the values it was
made from.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_QUOTED_STARTS = (*FORMULA_STARTS, "'")


def escape_cell(text: str) -> str:
    """``text`` as it is written to a CSV cell."""
    return "'" + text if text.startswith(_QUOTED_STARTS) else text


def unescape_cell(text: str) -> str:
    """The value a CSV cell written by :func:`escape_cell` holds."""
    return text[1:] if text.startswith("'") and text[1:].startswith(_QUOTED_STARTS) else text
