"""Benchmark: a pulled access review of 10,000 GitHub accounts, pulled, mapped, started, posted.

    .venv/bin/python bench/bench_pulled_review.py                        # SQLite
    .venv/bin/python bench/bench_pulled_review.py --db sqlite,postgres
    .venv/bin/python bench/bench_pulled_review.py --members 1000 --latency-ms 0   # quick

A fake GitHub organization (`tests/bot/connectors/fake_github.py`, in its own process so it
shares neither the GIL nor the memory figures) with `--members` members (every 500th an
owner, every 40th without 2FA) answers every request after `--latency-ms`. The github source
lists the members (100 a page), the owners, the members without 2FA, the outside
collaborators and those without 2FA, one request after another: the floor of the pull is
the number of requests it made times the latency. A fresh database holds a catalog with the
GitHub review task (`reviewer: owner`, prompt in a channel) and `--people` people (SQLite
under data/bench; PostgreSQL: `bench_pulled_postgres` at BENCH_POSTGRES_URL, dropped and
created each run, as every bench database); the first
1,500 members' logins are people's email local parts (mapped), the next 100 are full-name
handles several people share (mapped to nobody), the rest are unknown (orphans).

Timed apart: the pull (`pull_population`); mapping and start (`pull_and_start` given the
pulled population: map, assign, snapshot files in the local evidence store, one campaign of
every account, audit, the prompt queued in the outbox); posting the prompt (the outbox
sender through `SlackChatPort` to `bench/fake_slack.py`, answering after `--slack-latency-ms`).
Also: redrawing the prompt (what each click on it costs: progress, view, Block Kit) and the
peak RSS of each phase (`--tracemalloc` adds Python's traced peak; it slows everything).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing as mp
import shutil
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402
import procs  # noqa: E402
import yaml  # noqa: E402
from seed_world import FIRST, LAST, manager_of  # noqa: E402
from slack_sdk.web.async_client import AsyncWebClient  # noqa: E402

from bot.catalog.bootstrap import apply_catalog  # noqa: E402
from bot.catalog.validate import validate_catalog_text  # noqa: E402
from bot.connectors.registry import pull_population  # noqa: E402
from bot.core.actor import Actor  # noqa: E402
from bot.core.db import Database  # noqa: E402
from bot.evidence.local import LocalEvidenceStore  # noqa: E402
from bot.reviews.messages import review_prompt_view  # noqa: E402
from bot.reviews.progress import get_review_progress  # noqa: E402
from bot.reviews.sources import current_review_work, pull_and_start  # noqa: E402
from handlers.slack.blocks import render_blocks  # noqa: E402
from handlers.slack.port import SlackChatPort  # noqa: E402
from schedules.sender import OutboxSender  # noqa: E402

ORG, TOKEN, TASK, CHANNEL = "acme", "ghp_bench_token", "github-access-review", "C0REVIEWS"
DOMAIN = "bench.example"
MAPPED, SHARED = 1500, 100  # members whose login is a person's handle; a handle many share
OWNER = 5  # the control's owner (an executive); their own account goes to their manager
T = TypeVar("T")


def email(i: int) -> str:
    return f"{FIRST[i % len(FIRST)]}-{LAST[i // len(FIRST) % len(LAST)]}-{i}@{DOMAIN}".lower()


def login(n: int) -> str:
    """Member n's login: a person's email local part, a shared full-name handle, or unknown."""
    if n < MAPPED:
        return email(n + 1).split("@")[0]
    if n < MAPPED + SHARED:
        k = n - MAPPED
        return f"{FIRST[k % len(FIRST)]}-{LAST[k // len(FIRST) % len(LAST)]}".lower()
    return f"dev-{n:05d}"


def serve_github(conn: Connection, members: int, outside: int, latency: float) -> None:
    """The fake GitHub, in a child process: its URL, then the requests it saw when asked
    ("requests"), or a new latency (a number, answered with None)."""
    from tests.bot.connectors.fake_github import FakeGitHub

    with FakeGitHub(org=ORG, token=TOKEN) as fake:
        fake.latency = latency
        # The fake writes headers and body apart: with Nagle's algorithm on, the body waits
        # for the client's delayed ACK (~40 ms a request here), which no real API adds.
        fake._server.RequestHandlerClass.disable_nagle_algorithm = True  # type: ignore[attr-defined]
        for n in range(members):
            fake.add_member(login(n), admin=n % 500 == 7, two_factor=n % 40 != 3)
        for n in range(outside):
            fake.add_outside_collaborator(f"contractor-{n:04d}", two_factor=n % 5 != 0)
        conn.send(fake.api_url)
        while (asked := conn.recv()) != "stop":
            if isinstance(asked, float):
                fake.latency = asked
                conn.send(None)
                continue
            seen = Counter(
                "/".join([r.path.rsplit("/", 1)[-1]] + [f"{k}={v}" for k, v in sorted(
                    r.query.items()) if k in ("role", "filter")])
                for r in fake.requests
            )  # fmt: skip
            conn.send(dict(seen))


def catalog_text(people: int, api_url: str, today: dt.date) -> str:
    person = [{"email": email(i), "name": f"{FIRST[i % 20]} {LAST[i // 20 % 14]}",
               "role": "admin" if i == 1 else "member",
               **({"manager": email(m)} if (m := manager_of(i)) else {})}
              for i in range(1, people + 1)]  # fmt: skip
    review = {"source": {"type": "github", "org": ORG, "api_url": api_url},
              "channel": CHANNEL, "reviewer": "owner"}  # fmt: skip
    task = {"id": TASK, "title": "Review GitHub access", "kind": "access_review",
            "schedule": "quarterly", "due": "14d", "evidence": "file",
            "review": review}  # fmt: skip
    quarter = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)  # this quarter's work
    window = {"start": quarter.isoformat(), "end": str(quarter + dt.timedelta(days=364))}
    document = {
        "program": {"name": "Pulled Review Bench", "timezone": "UTC", "window": window,
                    "channels": {"compliance": "C0COMPLIANCE"}},
        "people": person,
        "controls": [{"id": "CC6.1-GH", "title": "GitHub access review", "criteria": ["CC6.1"],
                      "owner": email(OWNER), "tasks": [task]}],
    }  # fmt: skip
    return yaml.safe_dump(document, sort_keys=False)


def measured(step: Callable[[], T], traced: bool) -> tuple[T, dict[str, float]]:
    """Run `step`: its result, wall and CPU seconds (this process: the fakes are apart),
    peak RSS and its growth (MB), and Python's traced peak when on."""
    benchlib.reset_peak_rss()
    before = benchlib.rss_mb()
    if traced:
        tracemalloc.reset_peak()
    started, cpu = time.perf_counter(), time.process_time()
    result = step()
    seconds = time.perf_counter() - started
    figures = {"s": round(seconds, 3), "cpu_s": round(time.process_time() - cpu, 3),
               "peak_rss_mb": round(benchlib.peak_rss_mb(), 1),
               "rss_growth_mb": round(benchlib.peak_rss_mb() - before, 1)}  # fmt: skip
    if traced:
        figures["traced_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / benchlib.MB, 1)
    return result, figures


async def post(db: Database, slack_url: str) -> int:
    """Drain the outbox like the ticker: how many rows the sender took on."""
    client = AsyncWebClient(token=procs.TOKEN, base_url=slack_url)
    sender = OutboxSender(db, {"slack": SlackChatPort(client)}, worker_id="bench:1")
    taken = 0
    while (n := await sender.run_once()) > 0:
        taken += n
    return taken


def redraw(db: Database, campaign_id: int) -> int:
    """What a click on the shared prompt redraws: its progress, its view, its Block Kit."""
    with db.session() as session:
        blocks = render_blocks(review_prompt_view(get_review_progress(
            session=session, campaign_id=campaign_id, page=0)))  # fmt: skip
    return len(blocks)


def run_one(kind: str, args: argparse.Namespace, github: Connection, api_url: str,
            slack_url: str) -> dict[str, Any]:  # fmt: skip
    name = f"bench_pulled_{kind}"
    setup_started = time.perf_counter()
    db = Database(benchlib.recreate_database(kind, name))
    db.upgrade()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    spec = validate_catalog_text(catalog_text(args.people, api_url, now.date()))
    apply_catalog(db, spec, actor=Actor.cli(), now=now, horizon_days=120, accept_overdue=True)
    evidence = benchlib.DATA / f"{name}-evidence"
    shutil.rmtree(evidence, ignore_errors=True)
    store = LocalEvidenceStore(evidence, max_bytes=256 * benchlib.MB,
                               allowed_types=("application/json", "text/csv"))  # fmt: skip
    with db.session() as session:
        occurrence = current_review_work(session=session, task_key=TASK, now=now)
        source = next(t.review for c in spec.controls for t in c.tasks if t.review).source
    setup = time.perf_counter() - setup_started
    env = {"GITHUB_TOKEN": TOKEN}
    github.send("requests")
    before = github.recv()
    population, pull = measured(lambda: pull_population(source, env=env, now=now), args.tracemalloc)
    github.send("requests")
    requests = {k: v - before.get(k, 0) for k, v in github.recv().items() if v > before.get(k, 0)}
    github.send(0.0)  # the same pull again with no latency: the cost of the requests themselves
    github.recv()
    _, bare = measured(lambda: pull_population(source, env=env, now=now), args.tracemalloc)
    github.send(args.latency_ms / 1000)
    github.recv()
    outcome, start = measured(lambda: pull_and_start(
        db=db, store=store, env=env, now=now, occurrence_id=occurrence,
        pull=lambda *_, **__: population), args.tracemalloc)  # fmt: skip
    if outcome.started is None:
        raise SystemExit(f"{kind}: the review did not start: {outcome.failure}")
    procs.slack_stats(slack_url, reset=True)
    taken, posted = measured(lambda: asyncio.run(post(db, slack_url)), args.tracemalloc)
    slack = procs.slack_stats(slack_url)
    campaign = outcome.started.campaign_ids[0]
    blocks, redrawn = measured(lambda: redraw(db, campaign), args.tracemalloc)
    with db.engine.connect() as conn:
        rows = {t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one()
                for t in ("campaignitem", "auditevent", "evidence", "outboxmessage")}  # fmt: skip
    db.dispose()
    count = sum(requests.values())
    floor = count * args.latency_ms / 1000
    slack_floor = slack["calls"].get("chat.postMessage", 0) * args.slack_latency_ms / 1000
    total = pull["s"] + start["s"] + posted["s"]
    return {
        "db": kind, "setup_s": round(setup, 1), "accounts": len(population.accounts),
        "github_requests": requests, "requests": count, "floor_s": round(floor, 2),
        "members_floor_s": round(-(-args.members // 100) * args.latency_ms / 1000, 2),
        "pull": pull, "pull_overhead_ms_per_request": round((pull["s"] - floor) / count * 1000, 2),
        "pull_at_0_ms": bare,
        "start": start, "items": outcome.started.accounts, "flagged": outcome.started.flagged,
        "post": posted, "outbox_rows_sent": taken, "slack_calls": slack["calls"],
        "slack_floor_s": round(slack_floor, 2), "redraw": redrawn, "redraw_blocks": blocks,
        "total_s": round(total, 2), "total_floor_s": round(floor + slack_floor, 2),
        "rows": rows, "load": benchlib.load(),
    }  # fmt: skip


def table(r: dict[str, Any]) -> str:
    mb = "traced_peak_mb"
    lines = [f"{r['db']}: {r['accounts']} accounts, {r['items']} items ({r['flagged']} flagged), "
             f"{r['requests']} GitHub requests {r['github_requests']}; setup {r['setup_s']} s",
             f"  {'phase':<26}{'time s':>8}{'CPU s':>7}{'floor s':>9}{'peak RSS':>10}{'growth':>8}"
             + (f"{'traced':>8}" if mb in r["pull"] else "")]  # fmt: skip
    rows = [("pull", r["pull"], r["floor_s"]), ("pull again, fake at 0 ms", r["pull_at_0_ms"], 0.0),
            (f"map + start ({r['items']:,} items)", r["start"], 0.0),
            ("post the prompt", r["post"], r["slack_floor_s"]),
            ("redraw the prompt (a click)", r["redraw"], 0.0)]  # fmt: skip
    for label, f, floor in rows:
        traced = f"{f[mb]:>8.1f}" if mb in f else ""
        lines.append(f"  {label:<26}{f['s']:>8.2f}{f['cpu_s']:>7.2f}{floor:>9.2f}"
                     f"{f['peak_rss_mb']:>10.1f}{f['rss_growth_mb']:>8.1f}{traced}")  # fmt: skip
    ratio = f"floor × {r['total_s'] / r['total_floor_s']:.2f}" if r["total_floor_s"] else "-"
    lines.append(
        f"  {'total (pull+start+post)':<26}{r['total_s']:>8.2f}{r['total_floor_s']:>9.2f}"
        f"   {ratio}; pull {r['pull_overhead_ms_per_request']} ms a request over its "
        f"floor; members-only floor {r['members_floor_s']} s; load {r['load']}"
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite", help="sqlite, postgres or both")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--outside", type=int, default=0, help="outside collaborators")
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=50.0, help="the fake GitHub's")
    parser.add_argument("--slack-latency-ms", type=float, default=50.0, help="the fake Slack's")
    parser.add_argument("--tracemalloc", action="store_true", help="also Python's traced peak")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.tracemalloc:
        tracemalloc.start()
    ours, theirs = mp.get_context("spawn").Pipe()
    github = mp.get_context("spawn").Process(
        target=serve_github, args=(theirs, args.members, args.outside, args.latency_ms / 1000),
        daemon=True,
    )  # fmt: skip
    github.start()
    try:
        api_url = ours.recv()
        results = []
        with procs.fake_slack(per_channel=1.0, burst=1.0,
                              latency_ms=args.slack_latency_ms) as slack_url:  # fmt: skip
            for kind in args.db.split(","):
                results.append(run_one(kind, args, ours, api_url, slack_url))
                if not args.json:
                    print(table(results[-1]), flush=True)
    finally:
        ours.send("stop")
        github.join(timeout=10)
    benchlib.report("pulled_review", {"members": args.members, "outside": args.outside,
                                      "people": args.people, "latency_ms": args.latency_ms,
                                      "slack_latency_ms": args.slack_latency_ms,
                                      "runs": results}, as_json=args.json)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
