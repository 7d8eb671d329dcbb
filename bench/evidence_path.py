"""Benchmark 4: large files through the local evidence store, against `sha256sum`.

    .venv/bin/python bench/evidence_path.py                 # 100 MB and 1 GB
    .venv/bin/python bench/evidence_path.py --sizes-mb 100

For each size a file (a PDF header, then random bytes) is written under data/bench and read
once so that it sits in the page cache; then, in this order: `sha256sum` on it, the file
through `LocalEvidenceStore.put` (stream, sniff, hash, write, fsync, link), `sha256sum`
again. The store's throughput is compared with the faster `sha256sum` run (target: at least
80%), and the growth of this process's peak resident memory during `put` is reported
(target: under 64 MB, i.e. streamed). Files and the store are removed afterwards.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402

from bot.evidence.local import LocalEvidenceStore  # noqa: E402

MB = benchlib.MB
WORK = benchlib.DATA / "evidence-path"


def make_file(path: Path, size_mb: int) -> None:
    block = bytearray(os.urandom(MB))
    block[:9] = b"%PDF-1.4\n"
    with path.open("wb") as out:
        for n in range(size_mb):
            block[9:17] = n.to_bytes(8, "big")  # no two blocks alike
            out.write(block)


def read_through(path: Path) -> None:
    with path.open("rb") as src:
        while src.read(8 * MB):
            pass


def sha256sum(path: Path) -> tuple[str, float]:
    started = time.perf_counter()
    out = subprocess.run(["sha256sum", str(path)], check=True, capture_output=True, text=True)
    return out.stdout.split()[0], time.perf_counter() - started


def through_store(path: Path, size_mb: int) -> dict[str, Any]:
    root = WORK / "store"
    shutil.rmtree(root, ignore_errors=True)
    store = LocalEvidenceStore(
        root, max_bytes=(size_mb + 1) * MB, allowed_types=("application/pdf",)
    )
    gc.collect()
    before = benchlib.rss_mb()
    reset = benchlib.reset_peak_rss()
    with path.open("rb") as stream:
        started = time.perf_counter()
        stored = store.put(stream, original_name=path.name, media_type="application/pdf")
        seconds = time.perf_counter() - started
    peak = benchlib.peak_rss_mb()
    shutil.rmtree(root, ignore_errors=True)
    return {"sha256": stored.sha256, "seconds": seconds,
            "rss_growth_mb": round(peak - before, 1) if reset else None}  # fmt: skip


def run_size(size_mb: int) -> dict[str, Any]:
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"evidence-{size_mb}mb.pdf"
    make_file(path, size_mb)
    read_through(path)
    try:
        digest1, sum1 = sha256sum(path)
        store = through_store(path, size_mb)
        digest2, sum2 = sha256sum(path)
    finally:
        path.unlink(missing_ok=True)
    assert digest1 == digest2 == store["sha256"], "hashes differ"
    best = min(sum1, sum2)
    share = best / store["seconds"]
    result = {
        "size_mb": size_mb,
        "sha256sum_s": [round(sum1, 2), round(sum2, 2)],
        "sha256sum_mb_s": round(size_mb / best, 1),
        "store_s": round(store["seconds"], 2),
        "store_mb_s": round(size_mb / store["seconds"], 1),
        "share_of_sha256sum": round(share, 3),
        "rss_growth_mb": store["rss_growth_mb"],
        "load": benchlib.load(),
        "throughput_met": share >= 0.8,
        "memory_met": store["rss_growth_mb"] is not None and store["rss_growth_mb"] < 64,
    }
    print(f"{size_mb:>5} MB: store {result['store_mb_s']} MB/s, sha256sum "
          f"{result['sha256sum_mb_s']} MB/s ({share:.0%}), peak RSS +{result['rss_growth_mb']} MB"
          f"; load {result['load']}", flush=True)  # fmt: skip
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes-mb", default="100,1024")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = [run_size(int(s)) for s in args.sizes_mb.split(",")]
    shutil.rmtree(WORK, ignore_errors=True)
    benchlib.report("evidence_path", {"runs": results}, as_json=args.json)
    return 0 if all(r["throughput_met"] and r["memory_met"] for r in results) else benchlib.MISSED


if __name__ == "__main__":
    sys.exit(main())
