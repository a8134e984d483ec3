"""Erasure: a deleted user's personal data leaves stored events, the webhook delivery log and the
email outbox, once the deliveries of their events are done (``service.py`` says how)."""
