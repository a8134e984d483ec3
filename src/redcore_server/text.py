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
# A name: single-line text that is not blank. The spaces listed are what Python's ``str.strip()``
# removes beyond the control range, so "not blank" means the same here and in the services.
NAME_PATTERN = (
    r"^[^\x00-\x1f\x7f]*[^\x00-\x20\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    r"[^\x00-\x1f\x7f]*$"
)
# An absolute http(s) URL: a host that is an ASCII name or IPv4 address (an internationalised name
# in its xn-- form) or an IPv6 address in brackets, an optional port up to 65535, and no spaces or
# control characters anywhere. The server checks exactly this pattern, so the OpenAPI document and
# the server agree on every string.
_H16 = "[0-9A-Fa-f]{1,4}"
_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_LS32 = f"(?:{_H16}:{_H16}|{_OCTET}(?:\\.{_OCTET}){{3}})"
_IPV6 = (
    "(?:"
    + "|".join(  # RFC 3986's IPv6address
        [
            f"(?:{_H16}:){{6}}{_LS32}",
            f"::(?:{_H16}:){{5}}{_LS32}",
            f"(?:{_H16})?::(?:{_H16}:){{4}}{_LS32}",
            f"(?:(?:{_H16}:){{0,1}}{_H16})?::(?:{_H16}:){{3}}{_LS32}",
            f"(?:(?:{_H16}:){{0,2}}{_H16})?::(?:{_H16}:){{2}}{_LS32}",
            f"(?:(?:{_H16}:){{0,3}}{_H16})?::{_H16}:{_LS32}",
            f"(?:(?:{_H16}:){{0,4}}{_H16})?::{_LS32}",
            f"(?:(?:{_H16}:){{0,5}}{_H16})?::{_H16}",
            f"(?:(?:{_H16}:){{0,6}}{_H16})?::",
        ]
    )
    + ")"
)
_NOT_SPACE = r"[^\x00-\x20\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
HTTP_URL_PATTERN = (
    r"^[Hh][Tt][Tt][Pp][Ss]?://(?:[A-Za-z0-9._~!$&'()*+,;=%:-]*@)?"
    rf"(?:[A-Za-z0-9._~!$&'()*+,;=%-]+|\[{_IPV6}\])"
    r"(?::(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4})?)?"
    rf"(?:[/?#]{_NOT_SPACE}*)?$"
)

# Annotations for msgspec string types: the pattern documents the rule in the OpenAPI document and
# msgspec checks it; the body reader (http/body.py) then enforces the rule exactly (a final line
# feed included). A body string with none of them is single-line.
SingleLine = msgspec.Meta(pattern=SINGLE_LINE_PATTERN)
MultiLine = msgspec.Meta(pattern=MULTI_LINE_PATTERN)
Secret = msgspec.Meta(pattern=NO_NUL_PATTERN)
NonBlank = msgspec.Meta(pattern=NAME_PATTERN)
HttpUrl = msgspec.Meta(pattern=HTTP_URL_PATTERN)
# A role's key (``roles/``): a lowercase letter, then up to 31 of a-z, 0-9, ``_`` and ``-``.
ROLE_KEY_PATTERN = r"^[a-z][a-z0-9_-]{0,31}$"
RoleKeyText = msgspec.Meta(pattern=ROLE_KEY_PATTERN)

_RULES: dict[str, tuple[re.Pattern[str], str]] = {
    SINGLE_LINE_PATTERN: (re.compile(r"[\x00-\x1f\x7f]"), f"must not contain control characters ({CONTROL_RANGE})"),
    MULTI_LINE_PATTERN: (
        re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"),
        f"must not contain control characters ({CONTROL_RANGE}) other than tab and line breaks",
    ),
    NO_NUL_PATTERN: (re.compile(r"\x00"), "must not contain U+0000"),
    NAME_PATTERN: (
        re.compile(r"[\x00-\x1f\x7f]"),
        f"must not be blank, nor contain control characters ({CONTROL_RANGE})",
    ),
    ROLE_KEY_PATTERN: (
        re.compile(r"[\x00-\x1f\x7f]"),
        "must be a lowercase letter then up to 31 of a-z, 0-9, `_` and `-` (a role's key)",
    ),
    HTTP_URL_PATTERN: (
        re.compile(r"[\x00-\x1f\x7f]"),
        "must be an absolute http(s) URL: a host name in ASCII (xn-- for an internationalised one) or an "
        "IP address (IPv6 in brackets), a port up to 65535, no spaces or control characters",
    ),
}
RULE_PATTERNS = frozenset(_RULES)


def pattern_issue(pattern: str) -> str | None:
    """The issue to report when a value breaks the rule ``pattern`` names (None: not one of these).
    msgspec shortens a long pattern in its message to its start, ``...`` and its end."""
    rule = _RULES.get(pattern)
    if rule is None and "..." in pattern:
        head, _, tail = pattern.partition("...")
        rule = next((r for p, r in _RULES.items() if p.startswith(head) and p.endswith(tail)), None)
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
