"""How `make test` splits the suite over two workers (pytest-xdist, `--dist loadgroup`).

Each test is a unit of its own, given to whichever worker is free, except:
- the tests in SERIAL, which share the group "serial": one worker runs them one after another,
  so no two of them ever run side by side. They either hold a time bound (latency, click acks,
  leases, throughput, seeding speed) or start processes or servers of their own (replicas,
  `serve --workers`, a throwaway PostgreSQL, killed children), which take more than their core
  and would slow the others past their bounds. The other worker meanwhile runs ordinary tests.
- the tests of a module with a module- or class-scoped fixture (a seeded demo, a browser's
  drawings, an app): they stay on one worker, so that the fixture is built once, not twice.

A plain `pytest` (no `-n`) runs everything in one process, as always; these groups mean nothing.
"""

from __future__ import annotations

import pytest

SERIAL = (
    # several `soc2bot serve` processes, a PostgreSQL of their own, or killed children
    "tests/schedules/test_replicas.py",
    "tests/reliability/test_replica_delivery.py",
    "tests/reliability/test_postgres_restart.py",
    "tests/handlers/test_cli_workers.py",
    "tests/schedules/test_leader.py",
    "tests/reliability/test_evidence_faults.py",
    # bounds on time: latency percentiles, acks within 1 s, lease renewals, send rates
    "tests/reliability/test_click_latency.py",
    "tests/handlers/slack/test_click_ack.py",
    "tests/handlers/teams/test_card_ack.py",
    "tests/schedules/test_leases.py",
    "tests/schedules/test_sender_throughput.py",
    "tests/schedules/test_sender_channels.py",
    "tests/schedules/test_backpressure.py",
    "tests/schedules/test_scheduler.py",
    "tests/reliability/test_delivery_faults.py",
    "tests/bot/export/test_bundle_memory.py",
    "tests/bot/demo/test_seed.py",
    "tests/bot/reminders/test_services.py::test_ten_thousand_due_occurrences_decide_in_well_under",
    # the Slack app sheds load ("busy") when its event loop runs 0.5 s late
    "tests/handlers/slack/test_actions.py::test_two_hundred_tasks_in_mine_page",
)
SHARED_SCOPES = ("module", "class", "package")


def group_of(item: pytest.Item) -> str | None:
    """The xdist group of a test: "serial", its module's path (with the parameters of its shared
    fixtures, so that each parameter's tests can go to another worker), or None."""
    if item.nodeid.startswith(SERIAL):
        return "serial"
    fixtures = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
    shared = sorted(
        n for n, defs in fixtures.items() if any(d.scope in SHARED_SCOPES for d in defs)
    )
    if not shared:
        return None
    params = getattr(getattr(item, "callspec", None), "params", {})
    key = ",".join(f"{name}={params[name]}" for name in shared if name in params)
    group = item.nodeid.partition("::")[0] + (f":{key}" if key else "")
    return group.replace("@", "_").replace("]", "_")  # xdist splits a node id at them


def assign_groups(items: list[pytest.Item]) -> None:
    for item in items:
        group = group_of(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
