"""Processes the benchmarks start and stop: `soc2bot serve`, the bare app, the fake Slack."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchlib import DATA, REPO

BIN = Path(sys.executable).parent
SECRET = "bench-signing-secret-not-for-production"
TOKEN = "xoxb-bench-token"
LOGS = DATA / "logs"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process and its live children have used (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(child) for child in _children(pid))


def _children(pid: int) -> list[int]:
    """Child processes (`serve --workers` runs its workers as children of a supervisor)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def wait_http(url: str, process: subprocess.Popen[bytes], timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}; see {LOGS}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as answer:
            if answer.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready after {timeout:.0f} s")


@contextlib.contextmanager
def running(
    cmd: list[str], *, log: str, env: dict[str, str] | None = None, cwd: Path = DATA
) -> Iterator[subprocess.Popen[bytes]]:
    """Run `cmd` with output to data/bench/logs/`log`; stop it (SIGINT, then SIGKILL) after."""
    LOGS.mkdir(parents=True, exist_ok=True)
    with (LOGS / log).open("wb") as out:
        process = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, cwd=cwd
        )
        try:
            yield process
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def fake_slack(
    *, per_channel: float = 1.0, burst: float = 1.0, latency_ms: float = 0.0
) -> Iterator[str]:
    """A fake Slack Web API in its own process; its base URL (with the trailing slash)."""
    port = free_port()
    cmd = [sys.executable, str(REPO / "bench" / "fake_slack.py"), "--port", str(port),
           "--per-channel", str(per_channel), "--burst", str(burst),
           "--latency-ms", str(latency_ms)]  # fmt: skip
    with running(cmd, log="fake_slack.log") as process:
        wait_http(f"http://127.0.0.1:{port}/stats", process, timeout=30)
        yield f"http://127.0.0.1:{port}/api/"


def slack_stats(base_url: str, *, reset: bool = False) -> dict[str, Any]:
    root = base_url.removesuffix("api/")
    url = f"{root}reset" if reset else f"{root}stats"
    request = urllib.request.Request(url, method="POST" if reset else "GET")
    with urllib.request.urlopen(request, timeout=10) as answer:
        return dict(json.loads(answer.read()))


def bot_env(meta: dict[str, Any], *, port: int, slack_url: str) -> dict[str, str]:
    """`soc2bot serve` on a seeded database, Slack at the fake, scheduler off."""
    return {
        "DATABASE_URL": meta["url"],
        "SOC2BOT_EVIDENCE_URL": meta["evidence_url"],
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack_url,
        "SOC2BOT_SCHEDULER": "false",
        "SOC2BOT_HOST": "127.0.0.1",
        "SOC2BOT_PORT": str(port),
    }


@contextlib.contextmanager
def bot_server(
    meta: dict[str, Any], *, slack_url: str, workers: int = 1
) -> Iterator[tuple[int, int]]:
    """`soc2bot serve [--workers N]` (port, pid), started in data/bench so no .env is read."""
    port = free_port()
    env = bot_env(meta, port=port, slack_url=slack_url)
    cmd = [str(BIN / "soc2bot"), "serve", "--workers", str(workers)]
    with running(cmd, log=f"serve-{meta['db']}.log", env=env) as p:
        wait_http(f"http://127.0.0.1:{port}/readyz", p)
        yield port, p.pid


@contextlib.contextmanager
def bare_server(*, bolt_slack_url: str | None = None) -> Iterator[tuple[int, int]]:
    """The bare signed endpoint (bench/bare_app.py): (port, pid); through Bolt with a URL."""
    port = free_port()
    cmd = [sys.executable, str(REPO / "bench" / "bare_app.py"), "--port", str(port)]
    env = {"SLACK_SIGNING_SECRET": SECRET}
    if bolt_slack_url:
        cmd.append("--bolt")
        env["SLACK_API_URL"] = bolt_slack_url
    log = "bolt.log" if bolt_slack_url else "bare.log"
    with running(cmd, log=log, env=env, cwd=REPO / "bench") as process:
        wait_http(f"http://127.0.0.1:{port}/healthz", process)
        yield port, process.pid
