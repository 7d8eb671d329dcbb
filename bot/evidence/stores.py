"""Opens the evidence store the settings name: local files or S3."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.errors import InvalidInput
from bot.evidence.local import LocalEvidenceStore
from bot.evidence.store import EvidenceStore

if TYPE_CHECKING:
    from bot.core.settings import Settings


def open_evidence_store(settings: Settings) -> EvidenceStore:
    """The store named by `settings.evidence_url` (file://path or s3://bucket/prefix)."""
    url = settings.evidence_url
    max_bytes, types = settings.evidence_max_bytes, settings.evidence_allowed_types
    if url.startswith("file://"):
        root = Path.cwd() / url.removeprefix("file://")  # an absolute path replaces the cwd
        return LocalEvidenceStore(root, max_bytes=max_bytes, allowed_types=types)
    if url.startswith("s3://"):
        # Imported here so boto3 loads only when S3 is configured.
        from bot.evidence.s3 import S3EvidenceStore

        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        if not bucket:
            raise InvalidInput("SOC2BOT_EVIDENCE_URL needs a bucket: s3://bucket/prefix")
        return S3EvidenceStore(
            bucket,
            prefix.strip("/"),
            max_bytes=max_bytes,
            allowed_types=types,
            endpoint_url=settings.s3_endpoint_url,
        )
    raise InvalidInput("SOC2BOT_EVIDENCE_URL must start with file:// or s3://")
