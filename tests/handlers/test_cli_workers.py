"""`soc2bot serve --workers N`: several processes on one port, one set of metrics; not on SQLite."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from prometheus_client.mmap_dict import MmapedDict
from typer.testing import CliRunner

from bot.web.metrics import MULTIPROCESS_DIR
from handlers.cli import app
from schedules.leader import libpq_url
from tests.conftest import NO_POSTGRES, POSTGRES_URL
from tests.schedules.replicas import free_port, serve_command, wait_until

# One per process: neither another xdist worker nor another run on this machine drops it.
DATABASE = f"soc2bot_workers_{os.getpid()}"


def test_workers_are_refused_on_sqlite_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/one.db")
    monkeypatch.delenv(MULTIPROCESS_DIR, raising=False)
    result = CliRunner().invoke(app, ["serve", "--workers", "2"])
    assert result.exit_code == 2
    assert "--workers needs PostgreSQL" in result.output and "Traceback" not in result.output
    assert MULTIPROCESS_DIR not in os.environ
    assert not (tmp_path / "one.db").exists()  # nothing was started or created


@pytest.fixture
def own_database() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    url = sa.engine.make_url(POSTGRES_URL)
    admin = libpq_url(str(url.set(database="postgres")))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    yield url.set(database=DATABASE).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def get(port: int, path: str) -> str:
    # A new connection each time, so that the kernel hands requests to both workers.
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"Connection": "close"}
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        return str(answer.read().decode())


def test_two_workers_serve_one_port_and_report_their_requests_together(
    own_database: str, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": own_database,
        "SOC2BOT_EVIDENCE_URL": f"file://{tmp_path}/evidence",
        "SOC2BOT_SCHEDULER": "false",
        "TMPDIR": str(tmp_path),  # where the workers' shared metrics folder is made
    }
    env.pop(MULTIPROCESS_DIR, None)
    command = [*serve_command(port)[:-4], "--port", str(port), "--workers", "2"]
    with (tmp_path / "serve.log").open("wb") as log:
        process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=log, stderr=log)
    try:
        wait_until(lambda: _answers(port), timeout=60, what="soc2bot serve --workers 2")
        [folder] = tmp_path.glob("soc2bot-metrics-*")
        sent = 0

        def workers_seen() -> set[str]:
            """Workers whose own counter file has counted a /healthz request."""
            return {
                f.stem.rsplit("_", 1)[1]
                for f in folder.glob("counter_*.db")
                if any(
                    "/healthz" in key and value > 0
                    for key, value, *_ in MmapedDict.read_all_values_from_file(str(f))
                )
            }

        # Batches of 12 from 6 clients at once until both workers have answered some: the
        # second may still be starting (it waits for the first's migrations) at first.
        with ThreadPoolExecutor(6) as clients:
            deadline = time.monotonic() + 30
            while len(workers_seen()) < 2 and time.monotonic() < deadline:
                list(clients.map(lambda _: get(port, "/healthz"), range(12)))
                sent += 12
        assert len(workers_seen()) == 2, f"only {workers_seen()} answered"
        metrics = get(port, "/metrics")
        line = 'soc2bot_http_requests_total{method="GET",route="/healthz",status="200"}'
        counted = [row for row in metrics.splitlines() if row.startswith(line)]
        # Whichever worker answers /metrics counts every worker's requests (the readiness
        # polls went to /readyz): all of them.
        assert counted == [f"{line} {float(sent)}"], counted
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)
    assert process.returncode == 0, (tmp_path / "serve.log").read_text()[-2000:]
    assert not list(tmp_path.glob("soc2bot-metrics-*"))  # removed when the service stops


def _answers(port: int) -> bool:
    try:
        get(port, "/readyz")  # raises unless 200
        return True
    except OSError:
        time.sleep(0.2)
        return False
