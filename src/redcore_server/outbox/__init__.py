"""Transactional outboxes (webhook deliveries, email): rows written with the change that causes
them, sent afterwards by workers that lease what they take."""
