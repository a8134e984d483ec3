"""The caller (``/v1/me``): who a credential is, and a signed-in user's own name, avatar, email and password."""
