"""The evidence store factory: the configured store, described without credentials."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.errors import InvalidInput
from bot.core.settings import DEFAULT_ALLOWED_TYPES, Settings
from bot.evidence.local import LocalEvidenceStore
from bot.evidence.s3 import S3EvidenceStore
from bot.evidence.stores import open_evidence_store
from tests.bot.evidence.store_support import BUCKET, MB, PDF, as_stream


def test_factory_builds_the_configured_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moto_endpoint: str
) -> None:
    monkeypatch.chdir(tmp_path)
    relative = open_evidence_store(Settings(SOC2BOT_EVIDENCE_URL="file://./data/evidence"))
    assert isinstance(relative, LocalEvidenceStore)
    assert relative.root == tmp_path / "data" / "evidence" and relative.root.is_dir()
    absolute = open_evidence_store(Settings(SOC2BOT_EVIDENCE_URL=f"file://{tmp_path}/abs"))
    assert isinstance(absolute, LocalEvidenceStore) and absolute.root == tmp_path / "abs"
    monkeypatch.setenv("SOC2BOT_S3_ENDPOINT_URL", moto_endpoint)
    s3 = open_evidence_store(Settings(SOC2BOT_EVIDENCE_URL=f"s3://{BUCKET}/team/evidence/"))
    assert isinstance(s3, S3EvidenceStore)
    assert (s3.bucket, s3.prefix, s3.endpoint_url) == (BUCKET, "team/evidence", moto_endpoint)
    stored = s3.put(as_stream(PDF + b"factory"), original_name="a.pdf")
    assert b"".join(s3.open(stored.key)) == PDF + b"factory"
    with pytest.raises(InvalidInput, match="bucket"):
        open_evidence_store(Settings(SOC2BOT_EVIDENCE_URL="s3:///prefix"))


def test_describe_names_the_store_without_credentials(tmp_path: Path) -> None:
    local = LocalEvidenceStore(tmp_path, max_bytes=MB, allowed_types=DEFAULT_ALLOWED_TYPES)
    assert str(tmp_path) in local.describe()
    s3 = S3EvidenceStore(
        BUCKET,
        "p",
        max_bytes=MB,
        allowed_types=DEFAULT_ALLOWED_TYPES,
        endpoint_url="http://minio:hunter2@minio.internal:9000",
    )
    assert s3.describe() == f"S3 evidence store s3://{BUCKET}/p at http://minio.internal:9000"
