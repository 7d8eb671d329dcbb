"""`make gallery`: every message soc2bot shows, drawn for Teams and Slack, into docs/messages.

Run from the repository root: `.venv/bin/python -m docs.gallery.build` (Makefile: `gallery`).
It installs Chromium and the npm packages when missing (install.py), seeds the demo company
into a throwaway SQLite at a fixed clock (world.py), produces each kind of message in KINDS
through the real code paths, renders it with the adapters' own renderers (pages.py) and draws
each card with Microsoft's adaptivecards library in headless Chromium (render.mjs). It fails
when the library finds an error in any card. To show one more kind of message, add one row.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from bot.demo.clock import audit_clock
from docs.gallery import evidence, policies, pulled
from docs.gallery.install import ensure_installed
from docs.gallery.pages import Entry, for_platforms, write_all
from docs.gallery.seeding import build_world
from docs.gallery.teams_render import render
from docs.gallery.world import ADMIN, LEADER, NOW, Shown, World

ROOT = Path(__file__).resolve().parents[2]
SCALE = 2  # device pixels per CSS pixel in the PNGs: sharp on high-density screens

# Each row: name (file name and anchor), what it is, how the bot comes to show it. Rows run
# in order against one world: kinds that read come before the presses that change things.
# Commands, action ids and days may name the world's refs (seeding.py): {control},
# {policy}, {policy_slug}, {policy_item}, {policy_eve}, {overdue} (the
# member's first overdue work) and {next_due_week} (days until a week before the member's
# next work is due).
KINDS: tuple[tuple[str, str, Callable[[World], Shown]], ...] = (
    ("help", "`help`: every command", lambda w: w.command("help")),
    ("help-topic", "`help review`: one command's usage", lambda w: w.command("help review")),
    ("status", "`status`: readiness, overdue, coverage", lambda w: w.command("status", ADMIN)),
    ("mine", "`mine`: a member's open work and rounds", lambda w: w.command("mine")),
    ("controls", "`controls`: the long list, page 1", lambda w: w.command("controls", ADMIN)),
    ("controls-page-2", "`controls`, page 2 (More)", lambda w: w.command("controls", ADMIN, 1)),
    ("controls-search", "`controls access`", lambda w: w.command("controls access")),
    ("control", "`control <id>`: one control", lambda w: w.command("control {control}")),
    ("audit-control", "`audit <control>`", lambda w: w.command("audit {control}")),
    ("audit-round", "`audit camp-N`: a policy round", lambda w: w.command("audit camp-{policy}")),
    ("whoami", "`whoami`", lambda w: w.command("whoami")),
    ("digest", "`digest`: the weekly leadership digest", lambda w: w.command("digest", LEADER)),
    ("ack", "`ack <policy>`: the policy to accept", lambda w: w.command("ack {policy_slug}")),
    ("training", "`training`: the round to confirm", lambda w: w.command("training", w.trainee)),
    ("review-prompt", "access review prompt: 20 accounts, 5 decided", lambda w: w.review_prompt()),
    ("reminder", "reminder before the due day (DM)",
     lambda w: w.due("assignee", "before", days="{next_due_week}")),
    ("reminder-overdue", "overdue reminder (DM)", lambda w: w.due("assignee", "overdue")),
    ("escalation-manager", "escalation to the assignee's manager", lambda w: w.due("manager")),
    ("escalation-compliance", "escalation to #soc2", lambda w: w.due("compliance")),
    ("undeliverable", "#soc2: nobody can be reminded", lambda w: w.due("assignee", kind="alert")),
    ("round-reminder", "policy reminder, the day before its due day",
     lambda w: w.due("assignee", "before", days="{policy_eve}", rounds=True)),
    ("round-escalation", "round escalation: a manager's people who have not answered",
     lambda w: w.due("manager", rounds=True)),
    ("round-escalation-compliance", "round escalation to #soc2",
     lambda w: w.due("compliance", kind="alert", rounds=True)),
    ("task-card", "one occurrence's card", lambda w: w.task_card("{overdue}")),
    ("policy-pending", "policy DM: read and accept", lambda w: w.round_card(w.policy_id, "")),
    ("training-pending", "training DM", lambda w: w.round_card(w.training_id, w.trainee)),
    ("policy-accepted", "policy DM after accepting", lambda w: w.card("camp_ack:{policy_item}")),
    ("policy-recorded", "reply to the accept button", lambda w: w.reply("camp_ack:{policy_item}")),
    ("snoozed", "after snoozing reminders",
     lambda w: w.card("occ_snooze_submit:{overdue}", days="3", reason="Waiting for the vendor")),
    ("evidence-awaited", "Attach evidence (Teams)", lambda w: w.reply("occ_attach:{overdue}")),
    ("evidence-recorded", "a file sent as evidence: stored and hashed",
     lambda w: w.file_evidence("{overdue}", "access-policy-2026.pdf", b"%PDF-1.7 approved")),
    ("review-pulled", "access review pulled from GitHub: flagged accounts first",
     pulled.pulled_prompt),
    ("review-pull-failed", "to the control's owner: the source refused the token",
     pulled.pull_failed),
    ("review-split", "#soc2-reviews: a review split by manager", pulled.split_summary),
    ("revoke-still-there", "DM: revoked access still there after its due day",
     pulled.still_present),
    ("policies", "`policies`: every policy, its version, state and acceptance",
     policies.listed),
    ("policy", "`policy <id>`: versions, approvals, who has not accepted", policies.detail),
    ("policy-review", "policy owner's DM: the review is open", policies.review_card),
    ("policy-approval", "approver's DM: a new version to approve", policies.approval_card),
    ("policy-approved", "reply to Approve", policies.approved),
    ("policy-changes", "reply to Request changes (comment submitted)", policies.changes_requested),
    ("policy-changes-owner", "owner's DM: an approver asked for changes",
     policies.changes_to_owner),
    ("sample", "`sample --control … --from … --to …`: the auditor's sample", evidence.sample),
    ("status-expiry", "`status` with evidence expiring and expired", evidence.status),
    ("expiry-reminder", "DM: evidence expires soon", evidence.reminder),
    ("expire", "`expire <evidence> <day>`: an admin sets an expiry", evidence.expire),
    ("error-unknown", "error: unknown command", lambda w: w.command("frobnicate the thing")),
    ("error-usage", "error: missing arguments", lambda w: w.command("done")),
    ("error-not-found", "error: no such control", lambda w: w.command("control XX9.9-NOPE")),
    ("error-permission", "error: not allowed", lambda w: w.command("assign {control} @priya")),
)  # fmt: skip


def produce(world: World) -> tuple[list[Entry], dict[str, str]]:
    """Every kind of KINDS as Slack and Teams are sent it, and the kinds that failed (why)."""
    entries, failed = [], {}
    for name, about, make in KINDS:
        try:
            entries.append(for_platforms(name, about, make(world)))
        except Exception as error:  # one broken code path must not hide the others
            failed[name] = f"{type(error).__name__}: {error}"
    return entries, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="where messages.md goes")
    parser.add_argument(
        "--keep-going", action="store_true", help="write the kinds that work when some fail"
    )
    args = parser.parse_args(argv)
    for step, seconds in ensure_installed().items():
        print(f"installed: {step} in {seconds:.1f}s")
    start = time.monotonic()
    # The audit trail stamps events with the wall clock; pinned, the trail and the digest's
    # signed head come out the same on every run.
    with tempfile.TemporaryDirectory(prefix="soc2bot-gallery-") as tmp, audit_clock(NOW):
        entries, broken = produce(build_world(Path(tmp)))
    print(f"{len(entries)} kinds of message produced in {time.monotonic() - start:.1f}s")
    for name, why in broken.items():
        print(f"error: {name} could not be produced: {why}", file=sys.stderr)
    if broken and not args.keep_going:
        return 1
    start = time.monotonic()
    cards = {e.name: e.card for e in entries}
    drawn = render(cards, images={e.name: e.images for e in entries}, scale=SCALE)
    print(f"drawn for Teams in {time.monotonic() - start:.1f}s")
    entries = [replace(e, teams=drawn[e.name]) for e in entries]
    write_all(args.out, entries)
    width = max(len(e.name) for e in entries)
    for e in entries:
        print(f"  {e.name:<{width}} {drawn[e.name].height:>5} px")
    failed = bool(broken)
    for e in entries:
        for problem in drawn[e.name].warnings:
            print(f"warning: {e.name}: {problem}", file=sys.stderr)
        for problem in drawn[e.name].errors:
            print(f"error: {e.name}: {problem}", file=sys.stderr)
            failed = True
    print(f"wrote {args.out / 'messages.md'} and {args.out / 'messages'}/")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
