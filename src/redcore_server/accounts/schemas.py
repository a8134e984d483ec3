from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from redcore_server.text import SingleLine
from redcore_server.users.schemas import Email, Password

TokenKind = Literal["password_reset", "email_verification"]
RESET_PREFIX = "rcp_"  # password-reset link tokens are ``rcp_…``
VERIFICATION_PREFIX = "rcv_"  # email-verification link tokens are ``rcv_…``
REQUEST_ID_PREFIX = "prr"  # queued password-reset requests are ``prr_…`` (``ids.new_id``)

LinkToken = Annotated[str, msgspec.Meta(min_length=1, max_length=200), SingleLine]


class PasswordResetRequest(msgspec.Struct, forbid_unknown_fields=True):
    """The organization (`org_…`) and the address of the account whose password is forgotten."""

    organization: Annotated[str, msgspec.Meta(min_length=1, max_length=64), SingleLine]
    email: Email


class PasswordResetRequested(msgspec.Struct):
    """The same answer whether or not an active user has the address."""

    message: str


class ConfirmPasswordReset(msgspec.Struct, forbid_unknown_fields=True):
    """The token from a password-reset link, and the new password."""

    token: LinkToken
    password: Password


class VerifyEmail(msgspec.Struct, forbid_unknown_fields=True):
    """The token from an email-verification link."""

    token: LinkToken
