"""What an email address is, and when two are the same.

- **Valid**: what the ``email-validator`` library accepts, syntax only (no DNS at request time):
  a dot-atom local part (internationalised ones included, RFC 6531), a domain name with a dot
  that is not special-use (``.local``, ``.localhost``, ``.invalid``, ``.onion``, ``.arpa`` are
  refused; ``.test`` is accepted, like ``example.com``, for staging and tests). No quoted local
  parts (``"a b"@x.com``: legal, but rare and a favourite of injection tricks), no IP-literal
  domains (``a@[127.0.0.1]``), no display names (``Bob <bob@x.com>``).
- **Stored**: the library's normalised form: the local part in NFC, the domain lower-cased and
  IDNA-normalised (``Bob@BÜCHER.example`` → ``Bob@bücher.example``; the local part's case is kept
  as given).
- **Fast path**: a plain ASCII address (dot-atom local part, letters-digits-hyphens domain labels, a
  letters-only top-level domain that is not special-use) is checked by one regular expression and
  normalised by lower-casing its domain, which is what the library answers for it, about thirty
  times faster (an import checks a million addresses). Anything else goes to the library.
  ``tests/server/users/test_email_fast_path.py`` checks that the two agree.
- **Compared**: by :func:`email_key`, the normalised form folded by :func:`redcore_server.text.fold`
  (NFC, full case folding, NFC), stored in ``users.email_key`` under the unique index, so
  ``René@x.test``, ``rene\\u0301@x.test`` and ``RENÉ@X.TEST`` are one user on SQLite and
  PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
import re

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

from redcore_server.text import fold


class InvalidEmail(ValueError):
    """The address is not one this API accepts; the message says why, for the person who gave it."""


_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PLAIN = re.compile(rf"({_ATEXT}(?:\.{_ATEXT})*)@((?:{_LABEL}\.)+([A-Za-z]{{2,63}}))")
# Special-use names (``test`` is accepted, as with test_environment=True); each is a top-level domain.
_SPECIAL_USE = frozenset(name for name in SPECIAL_USE_DOMAIN_NAMES if name != "test")
assert all("." not in name for name in _SPECIAL_USE)


def plain_address(address: str) -> str | None:
    """The normalised form of a plain ASCII ``address`` (already stripped), or None when it is not one
    (then only the library can say whether, and how, it is valid)."""
    match = _PLAIN.fullmatch(address)
    if match is None or len(address) > 254 or len(match[1]) > 64 or "--" in match[2]:
        return None  # lengths, and IDNA's reserved "ab--" labels, left to the library's wording
    if match[3].lower() in _SPECIAL_USE:
        return None
    return f"{match[1]}@{match[2].lower()}"


def normalize_email(address: str) -> str:
    """The normalised form of ``address`` (surrounding spaces ignored), or :class:`InvalidEmail`."""
    address = address.strip()
    if (plain := plain_address(address)) is not None:
        return plain
    try:
        checked = validate_email(
            address,
            check_deliverability=False,
            test_environment=True,  # accept ``.test`` domains; the special-use others stay refused
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
        )
    except EmailNotValidError as exc:
        reason = str(exc).rstrip(".")
        raise InvalidEmail(reason[:1].lower() + reason[1:]) from None
    return checked.normalized


def email_key(normalized: str) -> str:
    """The key an address is compared by: its normalised form, folded."""
    return fold(normalized)


def counter_key(address: str) -> str:
    """What a limiter counts an address under: a digest of :func:`lookup_key`, so every spelling of
    one address shares a count and no address is kept in clear in Redis."""
    return hashlib.sha256(lookup_key(address).encode()).hexdigest()[:32]


def lookup_key(address: str) -> str:
    """The key to look ``address`` up by, as given by someone signing in: that of its normalised
    form, or (for an address no user can have) its plain fold, which matches nobody."""
    try:
        return email_key(normalize_email(address))
    except InvalidEmail:
        return fold(address.strip())
