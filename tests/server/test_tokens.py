"""The token formats and the stored digest are part of the data already on disk: they must not change."""

from __future__ import annotations

import base64
import re

from redcore_server.tokens import base62_token, base64_token, hash_secret, urlsafe_token


def test_the_digest_is_sha256_hex_so_stored_rows_keep_matching() -> None:
    # A fixed vector: a changed digest would lock out every key, session and invitation already issued.
    secret = "sk_live_0123456789abcdefghijABCDEFGHIJ01"
    assert hash_secret(secret) == "5073733b028d011cc5992f820ee86a3b2e5228a205b9759f931d8705ad713d27"


def test_urlsafe_tokens_are_the_prefix_and_43_url_safe_characters() -> None:
    made = {urlsafe_token("rca_") for _ in range(200)}
    assert len(made) == 200
    assert all(re.fullmatch(r"rca_[A-Za-z0-9_-]{43}", token) for token in made)


def test_base62_tokens_are_the_prefix_and_letters_and_digits() -> None:
    made = {base62_token("sk_live_", 32) for _ in range(200)}
    assert len(made) == 200
    assert all(re.fullmatch(r"sk_live_[A-Za-z0-9]{32}", token) for token in made)


def test_base64_tokens_are_the_prefix_and_padded_standard_base64() -> None:
    made = {base64_token("whsec_", 24) for _ in range(200)}
    assert len(made) == 200
    for token in made:
        body = token.removeprefix("whsec_")
        assert token.startswith("whsec_") and len(body) == 32
        assert len(base64.b64decode(body, validate=True)) == 24
