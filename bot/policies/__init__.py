"""Policies as living documents: versions, approval in chat, publication, acknowledgement."""
