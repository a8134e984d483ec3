"""API keys: credentials bound to one organization, carrying scopes."""
