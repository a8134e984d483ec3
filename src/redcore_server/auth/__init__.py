"""Credentials and scopes: who is calling, for which organization, allowed to do what."""
