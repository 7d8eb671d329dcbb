"""The local evidence store: read-only objects, unusable roots, full disks, orphan temp files."""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

import pytest

from bot.core.settings import DEFAULT_ALLOWED_TYPES
from bot.evidence.local import LocalEvidenceStore
from bot.evidence.store import EvidenceStoreUnavailable
from tests.bot.evidence.store_support import MB, PDF, as_stream


def test_local_objects_are_read_only(tmp_path: Path) -> None:
    store = LocalEvidenceStore(tmp_path, max_bytes=MB, allowed_types=DEFAULT_ALLOWED_TYPES)
    stored = store.put(as_stream(PDF), original_name="a.pdf")
    assert (tmp_path / stored.key).stat().st_mode & 0o777 == 0o444


def test_root_that_is_a_file_is_unavailable(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    root.write_text("not a directory")
    with pytest.raises(EvidenceStoreUnavailable, match="Evidence storage is unavailable"):
        LocalEvidenceStore(root, max_bytes=MB, allowed_types=DEFAULT_ALLOWED_TYPES)


@pytest.mark.parametrize("blocked", ["tmp", "sha256"])
def test_unwritable_store_is_unavailable_and_keeps_nothing(tmp_path: Path, blocked: str) -> None:
    store = LocalEvidenceStore(tmp_path, max_bytes=MB, allowed_types=DEFAULT_ALLOWED_TYPES)
    # A file where a directory must be fails even for root, unlike chmod.
    if blocked == "tmp":
        (tmp_path / "tmp").rmdir()
    (tmp_path / blocked).write_text("in the way")
    with pytest.raises(EvidenceStoreUnavailable, match="nothing was stored"):
        store.put(as_stream(PDF), original_name="a.pdf")
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [blocked]


def test_disk_full_is_unavailable_and_keeps_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalEvidenceStore(tmp_path, max_bytes=MB, allowed_types=DEFAULT_ALLOWED_TYPES)

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(EvidenceStoreUnavailable, match="No space left on device"):
        store.put(as_stream(PDF), original_name="a.pdf")
    assert list((tmp_path / "tmp").iterdir()) == []
    assert not (tmp_path / "sha256").exists()


def test_orphan_temp_files_older_than_an_hour_are_removed(tmp_path: Path) -> None:
    (tmp_path / "tmp").mkdir()
    old, new = tmp_path / "tmp" / "upload-old.part", tmp_path / "tmp" / "upload-new.part"
    old.write_bytes(b"crashed")
    new.write_bytes(b"in progress")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    LocalEvidenceStore(tmp_path, max_bytes=MB, allowed_types=DEFAULT_ALLOWED_TYPES)
    assert not old.exists() and new.exists()
