"""Rate limiting per API key, shared by every worker and server through Redis."""
