"""Invitations: a user made without a password is sent a single-use link to choose one."""
