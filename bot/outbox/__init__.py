"""Outbound chat messages and what they are about.

Rows with idempotency keys, their delivery, channel ids, inbound dedupe and conversations.
"""
