"""The S3 evidence store: a missing bucket or endpoint is unavailable, said without secrets."""

from __future__ import annotations

import socket

import pytest

from bot.evidence.s3 import S3EvidenceStore
from bot.evidence.store import EvidenceStoreUnavailable
from tests.bot.evidence.store_support import BUCKET, MB, PDF, as_stream


def test_s3_failures_are_unavailable_without_secrets(moto_endpoint: str) -> None:
    missing = S3EvidenceStore(
        "no-such-bucket",
        "p",
        max_bytes=MB,
        allowed_types=["application/pdf"],
        endpoint_url=moto_endpoint,
    )
    with pytest.raises(EvidenceStoreUnavailable, match="NoSuchBucket|404") as caught:
        missing.put(as_stream(PDF), original_name="a.pdf")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    unreachable = S3EvidenceStore(
        BUCKET, "p", max_bytes=MB, allowed_types=["application/pdf"], endpoint_url=closed
    )
    with pytest.raises(EvidenceStoreUnavailable, match="EndpointConnectionError") as refused:
        unreachable.put(as_stream(PDF), original_name="a.pdf")
    for error in (caught.value, refused.value):
        assert "testing" not in error.user_text()
