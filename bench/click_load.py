"""Benchmark 1b: CPU per button click and per slash command, beside the Bolt floor, in one run.

    .venv/bin/python bench/click_load.py            # SQLite, 10k program, 4 clients, 20 s
    .venv/bin/python bench/click_load.py --seconds 5 --clients 2 --occurrences 1000
    PYTHONPATH=<checkout of the earlier code> .venv/bin/python bench/click_load.py --label before

In one run: a Bolt app whose listeners only acknowledge (bench/bare_app.py --bolt: a click
and `/soc2`), then `soc2bot serve` on the seeded program with a new policy round, where each
click is a signed `block_actions` "I accept" (`camp_ack:<item>`) by the item's person (`--people`
are added to the program so that each item is pressed once, while items last), and
`/soc2 status`. Slack is the local fake (in its own
process, `--latency-ms` per call); the click's follow-ups (the redrawn card and the answer,
posted to its response_url at the fake) are part of the cost: the server's CPU is read after
they have gone out. Reported per phase: p50/p99 of the HTTP answer, requests/s, and the
server's CPU time per request (user + system, from /proc), against the target of 3 ms a click.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402
import procs  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from loadgen import Body, run_load, slash_body  # noqa: E402
from slash_load import seeded  # noqa: E402

from bot.campaigns.rounds import start_policy_campaign  # noqa: E402
from bot.core.actor import Actor  # noqa: E402
from bot.core.db import Database  # noqa: E402
from models import ChatIdentity, Person  # noqa: E402

TARGET_CPU_MS_PER_CLICK = 3.0


def policy_round(url: str, people: int) -> list[tuple[str, int]]:
    """A new policy round on the bench database: (Slack user, item) for every linked person.

    `people` more are added first, linked to Slack, so that every click is a first press.
    """
    db = Database(url)
    version = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")  # a new version every run
    with db.transaction() as session:
        for n in range(people):
            person = Person(email=f"clicker{version}-{n}@bench.example", name=f"Clicker {n}")
            session.add(person)
            session.flush()
            user = f"UK{version}{n:05d}"
            session.add(ChatIdentity(person_id=person.id or 0, platform="slack", external_id=user))
        started = start_policy_campaign(
            session=session, actor=Actor.cli(), title="Bench acceptable use policy",
            version=version, now=dt.datetime.now(dt.UTC), link="https://intranet.example/aup",
        )  # fmt: skip
        campaign_id = started.campaign.id
    query = sa.text(
        "SELECT c.external_id, i.id FROM campaignitem i JOIN chatidentity c "
        "ON c.person_id = i.person_id AND c.platform = 'slack' WHERE i.campaign_id = :c "
        "ORDER BY i.id"
    )
    with db.engine.connect() as conn:
        rows = [(str(u), int(i)) for u, i in conn.execute(query, {"c": campaign_id})]
    db.dispose()
    return rows


def click_body(user: str, item: int, n: int, response_url: str) -> bytes:
    """An "I accept" press in the person's DM, as Slack posts a `block_actions` payload."""
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": "T1"},
        "api_app_id": "A1",
        "team": {"id": "T1", "domain": "bench"},
        "container": {"type": "message", "message_ts": f"{1700000000 + n}.000100",
                      "channel_id": f"D{user[1:]}", "is_ephemeral": False},
        "channel": {"id": f"D{user[1:]}", "name": "directmessage"},
        "trigger_id": f"{n}.42",
        "response_url": response_url,
        "actions": [{"action_id": f"camp_ack:{item}", "block_id": "b1", "value": str(item),
                     "type": "button", "action_ts": f"{time.time():.6f}"}],
    }  # fmt: skip
    return urlencode({"payload": json.dumps(payload)}).encode()


def phase(name: str, port: int, pid: int, body: Body, args: Any, slack_url: str) -> dict[str, Any]:
    def run_for(seconds: float) -> Any:
        return asyncio.run(
            run_load(port, body, secret=procs.SECRET, clients=args.clients, seconds=seconds,
                     warmup=0.0)
        )  # fmt: skip

    run_for(args.warmup)  # first requests fill caches (compiled SQL, templates): not counted
    _settle(slack_url)
    cpu = procs.cpu_seconds(pid)
    load = run_for(args.seconds)
    _settle(slack_url)  # follow-ups still going out are part of the cost
    used = procs.cpu_seconds(pid) - cpu
    summary = load.summary()
    total = summary["requests"]
    result = {
        "phase": name,
        **summary,
        "load": benchlib.load(),
        "server_cpu_ms_per_request": round(used * 1000 / total, 2) if total else None,
    }
    print(
        f"{name:<22} {result['rps']:>7.1f} req/s  p50 {result['p50_ms']:>6.1f}  p99 "
        f"{result['p99_ms']:>6.1f} ms  errors {result['errors']}  "
        f"cpu {result['server_cpu_ms_per_request']} ms/req  load {result['load']}",
        flush=True,
    )
    return result


def _settle(slack_url: str, quiet: float = 1.0, limit: float = 30.0) -> None:
    """Wait until the fake Slack has had no call for `quiet` seconds."""
    deadline, last, since = time.monotonic() + limit, -1, time.monotonic()
    while time.monotonic() < deadline:
        calls = sum(procs.slack_stats(slack_url).get("calls", {}).values())
        if calls != last:
            last, since = calls, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.2)


def run(args: argparse.Namespace) -> dict[str, Any]:
    meta = seeded("sqlite", args.occurrences, args.label)
    items = policy_round(meta["url"], args.people)
    phases: list[dict[str, Any]] = []
    with procs.fake_slack(latency_ms=args.latency_ms) as slack_url:
        hook = slack_url + "response_url"

        def click(n: int) -> bytes:
            user, item = items[n % len(items)]  # each item once while they last
            return click_body(user, item, n, hook)

        def status(n: int) -> bytes:
            return slash_body("status", items[n % len(items)][0], n)

        with procs.bare_server(bolt_slack_url=slack_url) as (port, pid):
            phases.append(phase("Bolt, no-op click", port, pid, click, args, slack_url))
            phases.append(phase("Bolt, no-op /soc2", port, pid, status, args, slack_url))
        with procs.bot_server(meta, slack_url=slack_url) as (port, pid):
            phases.append(phase("soc2bot click", port, pid, click, args, slack_url))
            phases.append(phase("soc2bot /soc2 status", port, pid, status, args, slack_url))
    clicks = phases[2]
    clicks["target_cpu_ms"] = TARGET_CPU_MS_PER_CLICK
    clicks["cpu_met"] = (clicks["server_cpu_ms_per_request"] or 1e9) <= TARGET_CPU_MS_PER_CLICK
    clicks["items"] = len(items)
    return {"clients": args.clients, "seconds": args.seconds, "occurrences": args.occurrences,
            "latency_ms": args.latency_ms, "phases": phases}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--occurrences", type=int, default=10_000, help="seeded program size")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--people", type=int, default=3000, help="added, one item each")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="fake Slack, per call")
    parser.add_argument("--label", default="", help="bench database of its own (`before` runs)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args)
    benchlib.report("click_load", result, as_json=args.json)
    return 0 if result["phases"][2]["cpu_met"] else benchlib.MISSED


if __name__ == "__main__":
    sys.exit(main())
