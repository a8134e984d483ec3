"""Sign-in sessions: a user's access and refresh tokens, listed and revoked per user."""
