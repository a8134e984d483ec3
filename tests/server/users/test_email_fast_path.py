"""The fast path for plain ASCII addresses (``users/emails.py``) agrees with the email-validator
library on every address it takes: same validity, same normalised form. Generated addresses are
built from the characters and shapes where the two could part: dots, specials, hyphens, digits,
case, special-use and numeric top-level domains, and lengths at the limits."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from redcore_server.users.emails import InvalidEmail, normalize_email, plain_address

LOCAL_CHARS = "aZ09.!#$%&'*+/=?^_`{|}~-\"( ),:;<>@[\\]é"
LABEL_CHARS = "aZ09-_é."
TLDS = ["com", "COM", "test", "local", "LocalHost", "arpa", "onion", "invalid", "c", "123", "x1", "co-m", "xn--p1ai"]


def _library(address: str) -> str | None:
    try:
        return validate_email(
            address,
            check_deliverability=False,
            test_environment=True,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
        ).normalized
    except EmailNotValidError:
        return None


addresses = st.builds(
    lambda local, labels, tld: f"{local}@{'.'.join([*labels, tld])}",
    st.text(LOCAL_CHARS, min_size=0, max_size=70),
    st.lists(st.text(LABEL_CHARS, min_size=0, max_size=66), min_size=0, max_size=4),
    st.sampled_from(TLDS) | st.text("aZ09-", min_size=1, max_size=64),
)

# Near the fast path's edge: mostly what it takes, with dots, hyphens and lengths where it might not.
plausible = st.builds(
    lambda local, labels, tld: f"{local}@{'.'.join([*labels, tld])}",
    st.text("aZ09.+-_'~", min_size=1, max_size=66),
    st.lists(st.text("aZ09-", min_size=1, max_size=64), min_size=1, max_size=3),
    st.sampled_from(TLDS),
)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plausible | addresses | st.text(max_size=80))
@example("Ada.Lovelace@Example.COM")
@example("a" * 64 + "@example.com")
@example("a" * 65 + "@example.com")
@example("a@" + "b" * 63 + ".com")
@example("a@" + "b" * 64 + ".com")
@example("a@" + ".".join(["b" * 60] * 4) + ".com")
@example("ab--cd@ab--cd.com")
@example("x@sub.home.arpa")
def test_the_fast_path_agrees_with_the_library(address: str) -> None:
    fast = plain_address(address)
    if fast is not None:
        assert fast == _library(address), address


@pytest.mark.parametrize(
    "address", ["ada@example.com", "Grace.Hopper+news@Navy.MIL", "o'brien@x.test", "a.b-c@sub.example-1.org"]
)
def test_common_addresses_take_the_fast_path(address: str) -> None:
    assert plain_address(address) == _library(address) is not None


@pytest.mark.parametrize("address", ["a@b.local", "a..b@example.com", "a@example", "a@-x.com", " a@b.c@d.com"])
def test_what_the_fast_path_leaves_is_judged_by_the_library(address: str) -> None:
    assert plain_address(address.strip()) is None
    with pytest.raises(InvalidEmail):
        normalize_email(address)
