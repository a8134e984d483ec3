"""Text rules every domain shares.

- :func:`fold` is the one way two spellings of a name are found to be the same: emails, SKUs, and
  any name unique "case-insensitively" (team names too). It runs in Python, so SQLite and
  PostgreSQL agree; the result is stored in a ``*_key`` column that carries the unique index.
- Control characters (U+0000–U+001F and U+007F) are refused in every query parameter, path id,
  list cursor and body string (free text such as a description may keep tab and line breaks;
  secrets only lose U+0000, which PostgreSQL cannot store). The patterns below say so in the
  OpenAPI document; they use JSON Schema's (ECMA-262) reading of ``$``, the end of the text, so the
  server checks with :func:`control_character` rather than with Python's ``re.search`` (whose
  ``$`` also matches before a final line feed).
"""

from __future__ import annotations

import re
import unicodedata

import msgspec

CONTROL_RANGE = "U+0000–U+001F, U+007F"
SINGLE_LINE_PATTERN = r"^[^\x00-\x1f\x7f]*$"
MULTI_LINE_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"  # tab, line feed and carriage return allowed
NO_NUL_PATTERN = r"^[^\x00]*$"

# Annotations for msgspec string types: the pattern documents the rule in the OpenAPI document and
# msgspec checks it; the body reader (http/body.py) then enforces the rule exactly (a final line
# feed included). A body string with none of them is single-line.
SingleLine = msgspec.Meta(pattern=SINGLE_LINE_PATTERN)
MultiLine = msgspec.Meta(pattern=MULTI_LINE_PATTERN)
Secret = msgspec.Meta(pattern=NO_NUL_PATTERN)

_RULES: dict[str, tuple[re.Pattern[str], str]] = {
    SINGLE_LINE_PATTERN: (re.compile(r"[\x00-\x1f\x7f]"), f"must not contain control characters ({CONTROL_RANGE})"),
    MULTI_LINE_PATTERN: (
        re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"),
        f"must not contain control characters ({CONTROL_RANGE}) other than tab and line breaks",
    ),
    NO_NUL_PATTERN: (re.compile(r"\x00"), "must not contain U+0000"),
}
RULE_PATTERNS = frozenset(_RULES)


def pattern_issue(pattern: str) -> str | None:
    """The issue to report when a value breaks the rule ``pattern`` names (None: not one of these)."""
    rule = _RULES.get(pattern)
    return rule[1] if rule else None


def control_character(text: str, pattern: str = SINGLE_LINE_PATTERN) -> str | None:
    """What is wrong with ``text`` under the rule ``pattern`` names (an issue for a validation
    error), or None. Printable text, the usual case, costs one C-level scan."""
    if text.isprintable():
        return None
    found, issue = _RULES[pattern]
    return issue if found.search(text) else None


def fold(text: str) -> str:
    """The key under which spellings of one name are one: NFC, full Unicode case folding, NFC.

    ``"ren\\u00e9"`` and ``"rene\\u0301"`` (é composed or not), ``"É"`` and ``"é"``, ``"Straße"``
    and ``"STRASSE"`` fold alike. Case folding can undo composition, hence NFC on both sides.
    """
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())
