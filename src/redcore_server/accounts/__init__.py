"""Account emails: password reset and email verification links (no key needed to use them)."""
