"""Benchmark 6: the auditor's bundle for a 12-month window of the large seeded program.

    .venv/bin/python bench/export_program.py --db sqlite,postgres

`soc2bot export --from --to --out` runs in its own process on the seeded program (seeded
first if missing), for the 12 months up to the seed's "now"; then `soc2bot audit verify
BUNDLE` checks the result in another. Reported for each: wall time and peak resident memory
(the process's own high-water mark, from wait4), with the bundle's size and what the export
printed. `bench/export_bundle.py` measures the same build over gigabytes of large files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402
import procs  # noqa: E402
from slash_load import seeded  # noqa: E402


def measured(cmd: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run `cmd`; its exit code, wall seconds, peak RSS (MB) and output."""
    started = time.perf_counter()
    process = subprocess.Popen(
        cmd, env={**os.environ, **env}, cwd=benchlib.DATA, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    assert process.stdout is not None
    output = process.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return {
        "exit": process.returncode,
        "seconds": round(time.perf_counter() - started, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux reports KiB
        "output": output.strip().splitlines(),
    }


def run_one(kind: str, occurrences: int) -> dict[str, Any]:
    meta = seeded(kind, occurrences)
    last = dt.datetime.fromisoformat(meta["now"]).date()
    first = last.replace(year=last.year - 1) + dt.timedelta(days=1)
    out = benchlib.DATA / f"bundle-{meta['name']}-{kind}.zip"
    out.unlink(missing_ok=True)
    env = {"DATABASE_URL": meta["url"], "SOC2BOT_EVIDENCE_URL": meta["evidence_url"]}
    soc2bot = str(procs.BIN / "soc2bot")
    export = measured(
        [soc2bot, "export", "--from", str(first), "--to", str(last), "--out", str(out)], env
    )
    verify = measured([soc2bot, "audit", "verify", str(out)], env)
    result = {
        "db": kind, "occurrences": occurrences, "window": f"{first} – {last}",
        "load": benchlib.load(), "bundle_mb": round(out.stat().st_size / benchlib.MB, 1)
        if out.exists() else None,
        "export": export, "verify": verify,
    }  # fmt: skip
    out.unlink(missing_ok=True)
    print(
        f"{kind:<8} export {export['seconds']:>6.1f} s  peak {export['peak_rss_mb']:>6.1f} MB  "
        f"bundle {result['bundle_mb']} MB  verify {verify['seconds']:>5.1f} s  "
        f"peak {verify['peak_rss_mb']:>6.1f} MB  exit {export['exit']}/{verify['exit']}",
        flush=True,
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--occurrences", type=int, default=100_000, help="seeded program size")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    runs = [run_one(kind, args.occurrences) for kind in args.db.split(",")]
    benchlib.report("export_program", {"runs": runs}, as_json=args.json)
    return 0 if all(r["export"]["exit"] == 0 == r["verify"]["exit"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
