"""Webhooks: endpoints that subscribe to events, and the durable outbox that delivers them signed."""
