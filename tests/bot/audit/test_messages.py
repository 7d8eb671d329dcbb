"""The audit trail as people read it: sentences, short hashes, their own timezone, `event N`."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.audit.facts import History, Names
from bot.audit.messages import event_view, history_view
from bot.audit.sentences import ACTIONS, sentence
from bot.core.plain import render_plain
from models import AuditEvent
from tests.both_platforms import both

SHA = "83684b2c" + "0" * 56
PREV = "ab" * 32
NY = ZoneInfo("America/New_York")
AT = dt.datetime(2026, 1, 12, 13, 26, tzinfo=dt.UTC)  # 08:26 in New York (EST)
NAMES = Names(
    {"sofia@acme.test": "Sofia Rossi", "raj@acme.test": "Raj Iyer", "ana@acme.test": "Ana Ruiz"},
    {7: "Raj Iyer", 8: "Ana Ruiz"},
)
SOFIA = "sofia@acme.test"
# Every action the code records, with details of the shape it records them in.
SAMPLES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "program.created": ("program", "1", {"name": "Acme SOC 2"}),
    "program.updated": ("program", "1", {"changes": {"name": ["Acme", "Acme SOC 2"]}}),
    "person.created": ("person", "raj@acme.test", {"role": "member", "source": "slack"}),
    "person.updated": ("person", "raj@acme.test", {"changes": {"name": ["Raj", "Raj Iyer"]}}),
    "person.manager_changed": ("person", "raj@acme.test", {"changes": {"manager_id": [None, 8]}}),
    "person.reactivated": ("person", "raj@acme.test", {"source": "okta"}),
    "person.deactivated": ("person", "raj@acme.test", {"reason": "inactive in slack"}),
    "person.linked": ("person", "raj@acme.test", {"platform": "teams", "external_id": "29:1"}),
    "control.created": ("control", "CC6.1-AR", {"owner": SOFIA, "criteria": ["CC6.1", "CC6.2"]}),
    "control.updated": ("control", "CC6.1-AR", {"changes": {"in_scope": [True, False]}}),
    "control.restored": ("control", "CC6.1-AR", {"changes": {"retired_at": ["2026-01-01", None]}}),
    "control.owner_changed": ("control", "CC6.1-AR", {"from": SOFIA, "to": "raj@acme.test"}),
    "control.criteria_changed": (
        "control", "CC6.1-AR", {"changes": {"criteria": [["CC6.1", "CC6.2"], ["CC6.1"]]}}
    ),
    "control.retired": ("control", "CC6.1-AR", {"reason": "removed from catalog"}),
    "task.created": ("task", "prod-access", {"control": "CC6.1-AR", "schedule": "quarterly"}),
    "task.updated": ("task", "prod-access", {"changes": {"assignee_id": [7, None]}}),
    "task.retired": ("task", "prod-access", {"reason": "removed from catalog"}),
    "task.replanned": ("task", "prod-access", {"changes": {"planned_from": [None, "2026-03-01"]}}),
    "occurrences.generated": ("program", "1", {"created": 12, "through": "2026-06-30"}),
    "occurrence.completed": ("occurrence", "195", {"on_time": True, "at": "2026-01-12T13:26Z"}),
    "occurrence.skipped": ("occurrence", "73", {"reason": "host retired"}),
    "occurrence.snoozed": (
        "occurrence", "73", {"days": 3, "until": "2026-01-15T13:26:00+00:00", "reason": None}
    ),
    "occurrence.reopened": ("occurrence", "73", {"reason": "its only evidence was superseded"}),
    "evidence.submitted": (
        "occurrence", "195",
        {"kind": "file", "name": "prod-access-review-2026-Q4.csv", "sha256": SHA, "size": 502},
    ),
    "evidence.superseded": ("evidence", "216", {"reason": "wrong file", "occurrence": 195}),
    "evidence.expiry_set": (
        "evidence", "216",
        {"occurrence": 195, "expires_on": "2027-01-31", "expires_at": "2027-02-01T05:00:00.000Z",
         "was": None},
    ),
    "campaign.started": (
        "campaign", "12",
        {"name": "Q1 prod", "accounts": 20, "reviewer": "raj@acme.test", "control": None},
    ),
    "campaign.completed": (
        "campaign", "12",
        {"kept": 18, "revoked": 2, "follow_ups": 2, "sha256": SHA, "reviewed_by": [SOFIA]},
    ),
    "campaign.person_enrolled": ("campaign", "3", {"person": SOFIA, "due_on": "2026-03-14"}),
    "campaign.item_withdrawn": ("campaign", "3", {"person": SOFIA, "reason": "deactivated"}),
    "campaign.superseded": ("campaign", "3", {"by": 4, "version": "3.0", "new_version": "3.1"}),
    "campaign.item_acknowledged": ("campaign", "3", {"person": SOFIA, "version": "3.1"}),
    "campaign.training_completed": ("campaign", "2", {"person": SOFIA, "sha256": SHA}),
    "review.item_decided": (
        "campaign", "12", {"item": 4, "decision": "revoke", "statement": "Revoke access: svc-ci"}
    ),
    "follow_up.created": (
        "campaign", "12", {"title": "Remove svc-ci", "assignee_id": 7, "due_on": "2026-01-19"}
    ),
    "follow_up.completed": ("campaign", "12", {"title": "Remove svc-ci", "on_behalf": True}),
    "export.created": (
        "export", "2026-01-01..2026-06-30",
        {"window": {"start": "2026-01-01", "end": "2026-06-30"}, "bundle_sha256": SHA,
         "built_against_head": {"seq": 659, "hash": PREV}, "file_name": "bundle.zip"},
    ),
    "sample.drawn": (
        "sample", "7",
        {"seed": "abc", "size": 2, "selection": [4, 9],
         "population": {"kind": "occurrences", "label": "CC6.1-AR, 2026-01-01 to 2026-06-30",
                        "size": 6, "sha256": SHA}},
    ),
    "sample.extended": (
        "sample", "7",
        {"seed": "abc", "added": [5, 8], "size": 4, "population": {"size": 6, "sha256": SHA}},
    ),
    "sample.exported": ("sample", "7", {"bundle_sha256": SHA, "file_name": "s7.zip"}),
    "review.snapshot_taken": (
        "occurrence", "195",
        {"source": "GitHub organization acme", "accounts": 1234, "flagged": 37,
         "json_sha256": SHA, "csv_sha256": SHA, "campaigns": [12]},
    ),
    "review.pull_failed": (
        "occurrence", "195",
        {"kind": "unauthorized", "reason": "GitHub: the credentials were refused (401)"},
    ),
    "policy.registered": ("policy", "acceptable-use", {"title": "Acceptable Use"}),
    "policy.updated": ("policy", "acceptable-use", {"changes": {"title": ["AUP", "A. Use"]}}),
    "policy.retired": ("policy", "acceptable-use", {"reason": "removed from catalog"}),
    "policy.version_registered": ("policy", "acceptable-use", {"version": "3", "sha256": SHA}),
    "policy.reviewed": ("policy", "acceptable-use", {"version": "3", "sha256": SHA}),
    "policy.version_submitted": ("policy", "acceptable-use", {"version": "4", "sha256": SHA}),
    "policy.document_replaced": (
        "policy", "acceptable-use", {"version": "4", "sha256": SHA, "invalidated": 1},
    ),
    "policy.approved": (
        "policy", "acceptable-use", {"version": "4", "step": 1, "steps": 2, "sha256": SHA},
    ),
    "policy.changes_requested": (
        "policy", "acceptable-use",
        {"version": "4", "step": 2, "steps": 2, "comment": "Say who owns laptops"},
    ),
    "policy.published": (
        "policy", "acceptable-use",
        {"version": "4", "sha256": SHA, "campaign": 31, "people": 42, "superseded": "3"},
    ),
}  # fmt: skip
_REPR = re.compile(r"\b(True|False|None)\b|[\[\]{}]|'[a-z_]+':")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def event(seq: int, action: str, subject: tuple[str, str, dict[str, Any]]) -> AuditEvent:
    kind, sid, details = subject
    return AuditEvent(seq=seq, occurred_at=AT, actor=SOFIA, actor_platform="slack", action=action,
                      subject_type=kind, subject_id=sid, details=details, prev_hash=PREV,
                      hash=f"{seq:064x}")  # fmt: skip


def trail() -> History:
    """A page of a control's trail, newest first: what it shows most, and an unknown action."""
    shown = ("control.created", "control.updated", "task.updated", "occurrence.completed",
             "occurrence.snoozed", "evidence.submitted", "campaign.completed")  # fmt: skip
    events = [event(654 + i, a, SAMPLES[a]) for i, a in enumerate(shown)]  # ends with 660
    unknown = event(699, "widget.frobbed", ("widget", "7", {"ok": False, "tags": ["a", "b"]}))
    return History("control CC6.1-AR", [unknown, *reversed(events)], NAMES)


def test_every_action_the_code_records_has_its_sentence() -> None:
    root = Path(__file__).parents[3] / "bot"
    literal = re.compile(
        r'"((?:program|person|control|task|occurrences?|evidence|campaign|review|follow_up|export|sample'
        r'|policy)\.[a-z_]+)"'
    )
    recorded = {
        action
        for path in root.rglob("*.py")
        if "migrations" not in path.parts and not path.name.startswith("sentences")
        for action in literal.findall(path.read_text("utf-8"))
        if not action.endswith((".id", ".csv", ".json"))  # foreign keys, bundle files
    }
    assert len(recorded) > 30 and recorded == ACTIONS, sorted(recorded ^ ACTIONS)
    assert set(SAMPLES) == ACTIONS


@pytest.mark.parametrize("action", sorted(SAMPLES))
def test_each_sentence_reads_as_words(action: str) -> None:
    said = sentence(event(660, action, SAMPLES[action]), NAMES, NY)
    assert said.startswith("Sofia Rossi "), said
    assert not _REPR.search(said) and not _HEX64.search(said) and "_" not in said, said


def test_sentences_people_will_read() -> None:
    said = {a: sentence(event(1, a, s), NAMES, NY) for a, s in SAMPLES.items()}
    assert said["evidence.submitted"] == (
        "Sofia Rossi submitted prod-access-review-2026-Q4.csv for #195 (sha256 83684b2c…)"
    )
    assert said["occurrence.completed"] == "Sofia Rossi completed #195 on time"
    assert said["control.owner_changed"] == (
        "Sofia Rossi made Raj Iyer the owner of CC6.1-AR (was Sofia Rossi)"
    )
    assert said["control.criteria_changed"].endswith("criteria CC6.1, CC6.2 → CC6.1")
    assert said["person.manager_changed"].endswith("Raj Iyer’s manager from none to Ana Ruiz")
    assert said["follow_up.created"].endswith("for Raj Iyer, due Mon 19 Jan 2026")
    assert said["occurrence.snoozed"].endswith("until Thu 15 Jan 2026 08:26 EST")
    assert said["review.item_decided"] == "Sofia Rossi revoked access for svc-ci"


def test_an_unknown_action_still_reads_as_words() -> None:
    unknown = event(5, "widget.frobbed", ("widget", "7", {"ok": False, "tags": ["a", "b"]}))
    assert (
        sentence(unknown, NAMES, NY) == "Sofia Rossi: widget frobbed, widget 7 (ok no; tags a, b)"
    )


def test_the_trail_on_both_platforms_has_no_reprs_short_hashes_local_times_event_numbers() -> None:
    message = history_view(trail(), zone=NY, typed=lambda c: f"/soc2 {c}")
    assert "times in America/New_York" in (message.context or "")
    for platform, shown in {**both(message), "plain": render_plain(message)}.items():
        assert not _REPR.search(shown.replace("*", "")), platform
        assert not _HEX64.search(shown), platform
        assert "sha256 83684b2c…" in shown and "Mon 12 Jan 2026 08:26 EST" in shown, platform
        assert "event 660" in shown and "#660" not in shown and "#195" in shown, platform
        assert "UTC" not in shown, platform
    assert message.footer == "One event in full, with whole hashes: /soc2 audit event 699"


def test_one_event_in_full_has_whole_hashes_and_no_reprs() -> None:
    export = event(660, "export.created", SAMPLES["export.created"])
    message = event_view(History("event 660", [export], NAMES), zone=NY)
    fields = {f.label: f.value for f in message.fields}
    assert message.title == "Audit event 660"
    assert fields["Who"] == "Sofia Rossi <sofia@acme.test> · Slack"
    assert fields["When"] == "Mon 12 Jan 2026 08:26 EST (2026-01-12 13:26:00 UTC)"
    assert fields["File name"] == "bundle.zip" and fields["Action"] == "export.created"
    # Whole hashes are lines of their own (a 64-character word would widen a fact table).
    (hashes,) = message.sections
    assert [(i.detail, i.text) for i in hashes.items] == [
        ("bundle sha256", SHA),
        ("built against head", f"event 659; hash {PREV}"),
        ("this event's hash", f"{660:064x}"),
        ("the one before", PREV),
    ]
    assert not any(_HEX64.search(f.value) for f in message.fields)
    for shown in both(message).values():
        assert SHA in shown.replace("\\", "") and not _REPR.search(shown.replace("*", ""))
