"""Cross-checks of a bundle's tables against its audit log: evidence rows, occurrence states."""

# Pasted into the bundle's verify.py (see bot/export/script.py): standard library and
# Python 3.8 syntax only. The audit log is hash-chained and its head can be held elsewhere
# (`--head`, digest witnesses), so once every evidence row and every occurrence's state must
# agree with it, forging a table means rewriting the chain too, which those checks catch.

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from bot.export.expirycheck import counting_evidence, coverage_class, expiry_mismatch

# Actions whose event records one piece of evidence; the details say what it was.
EVIDENCE_ACTIONS = frozenset(
    {
        "evidence.submitted",
        "review.item_decided",
        "campaign.item_acknowledged",
        "campaign.training_completed",
        "campaign.completed",  # an access review's decisions file (its details carry the hash)
    }
)
OCCURRENCE_STATES = {
    "occurrence.completed": "done",
    "occurrence.skipped": "skipped",
    "occurrence.reopened": "pending",
}
# Retiring a task skips its pending work in bulk, logged once as `task.retired`.
RETIRED_REASON = "task retired from the catalog"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # the bundle's CSV cells quote these


# The details that tables are checked against; the rest of an event is not kept in memory.
_KEPT = ("sha256", "kind", "evidence", "statement", "name", "size", "at", "item", "reason",
         "expires_at")  # fmt: skip
_KEPT_STATE = ("at", "on_time", "reason")


class Recorded:
    """The parts of one audit event that tables are checked against (slotted: a long log
    holds hundreds of thousands of them)."""

    __slots__ = ("seq", "action", "who", "platform", "details", "used")

    def __init__(self, event: Mapping[str, Any], kept: tuple[str, ...]) -> None:
        details = event.get("details")
        details = details if isinstance(details, dict) else {}
        person = event.get("actor_person_id") is not None
        self.seq = int(event["seq"])
        self.action = sys.intern(_text(event.get("action")))
        # The person's email; "" when the actor was no person (the CLI, the scheduler).
        self.who = sys.intern(_text(event.get("actor"))) if person else ""
        self.platform = sys.intern(_text(event.get("actor_platform")))
        self.details: dict[str, Any] = {k: details[k] for k in kept if k in details}
        self.used = False


class Ledger:
    """What the audit log says about evidence and occurrences, gathered as the chain is read."""

    def __init__(self) -> None:
        self.evidence: dict[tuple[str, str], list[Recorded]] = {}
        self.superseded: dict[str, list[Recorded]] = {}
        self.states: dict[str, list[Recorded]] = {}
        self.retired_tasks: set[str] = set()
        self.expiries: dict[str, str] = {}  # evidence: the expiry an admin last set

    def take(self, event: Mapping[str, Any]) -> None:
        action = event.get("action")
        kind, subject = _text(event.get("subject_type")), _text(event.get("subject_id"))
        if action in EVIDENCE_ACTIONS:
            record = Recorded(event, _KEPT)
            if action != "campaign.completed" or record.details.get("sha256"):
                self.evidence.setdefault((kind, subject), []).append(record)
        elif action == "evidence.superseded" and kind == "evidence":
            self.superseded.setdefault(subject, []).append(Recorded(event, _KEPT_STATE))
        elif action in OCCURRENCE_STATES and kind == "occurrence":
            self.states.setdefault(subject, []).append(Recorded(event, _KEPT_STATE))
        elif action == "task.retired" and kind == "task":
            self.retired_tasks.add(subject)
        elif action == "evidence.expiry_set" and kind == "evidence":
            self.expiries[subject] = _text(Recorded(event, _KEPT).details.get("expires_at"))


def _text(value: Any) -> str:
    """A value as the bundle's CSV files spell it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _cell(value: Any) -> str:
    shown = _text(value)
    return "'" + shown if shown.startswith(_FORMULA_START) else shown


def _show(value: str) -> str:
    return "(empty)" if not value else repr(value if len(value) <= 70 else value[:67] + "...")


def _differences(pairs: Iterable[tuple[str, str, str]]) -> list[str]:
    return [
        f"{label} is {_show(ours)} but the audit log says {_show(logged)}"
        for label, ours, logged in pairs
        if ours != logged
    ]


class CrossCheck:
    """Checks the tables, in order (evidence, occurrences, coverage), against a ledger."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.problems: list[str] = []
        self.accepted: Counter[str] = Counter()
        self.occurrences: dict[str, tuple[str, str, int]] = {}  # id: status, due_at, accepted
        self.expiring: dict[str, list[str]] = {}  # occurrence: its accepted rows' expires_at

    def evidence(self, rows: Iterable[dict[str, str]]) -> None:
        for number, row in enumerate(rows, start=1):
            where = f"evidence.csv row {number} (evidence {row.get('evidence_id', '?')})"
            if row.get("kind") == "file" and row.get("file") != "files/" + row.get("sha256", ""):
                self.problems.append(f"MISMATCH {where}: its file is not named by its SHA-256")
            logged = self.ledger.evidence.get(("occurrence", row.get("occurrence_id", "")), [])
            expiry = expiry_mismatch(row, self.ledger.expiries, logged)
            for problem in (self._match(row), *self._supersede(row), expiry):
                if problem:
                    self.problems.append(f"MISMATCH {where}: {problem}")
            if row.get("occurrence_id") and row.get("superseded") != "yes":
                self.accepted[row["occurrence_id"]] += 1
                self.expiring.setdefault(row["occurrence_id"], []).append(row.get("expires_at", ""))

    def _match(self, row: dict[str, str]) -> str | None:
        """Pair the row with an unused event recording it; what differs when none agrees."""
        if row.get("occurrence_id"):
            subject, item = ("occurrence", row["occurrence_id"]), ""
        else:
            subject = ("campaign", row.get("campaign_id", ""))
            item = row.get("campaign_item_id", "")
        pool = [
            r
            for r in self.ledger.evidence.get(subject, ())
            if not r.used and _text(r.details.get("item")) == item
        ]
        for record in pool:
            if not _evidence_differences(row, record):
                record.used = True
                return None
        if not pool:
            return f"no audit event records this evidence for {subject[0]} {subject[1]}"
        pool[0].used = True
        return f"{_evidence_differences(row, pool[0])[0]} (event {pool[0].seq})"

    def _supersede(self, row: dict[str, str]) -> list[str]:
        records = self.ledger.superseded.get(row.get("evidence_id", ""), [])
        if row.get("superseded") != "yes":
            return [f"not superseded, but event {r.seq} superseded it" for r in records[-1:]]
        if not records:
            return ["superseded, but no audit event records that"]
        last = records[-1]
        pairs = [
            (
                "supersede_reason",
                row.get("supersede_reason", ""),
                _cell(last.details.get("reason")),
            ),
            ("superseded_by_email", row.get("superseded_by_email", ""), last.who),
        ]
        return [f"{d} (event {last.seq})" for d in _differences(pairs)]

    def occurrences_csv(self, rows: Iterable[dict[str, str]]) -> None:
        for number, row in enumerate(rows, start=1):
            occurrence = row.get("occurrence_id", "")
            accepted = self.accepted[occurrence]
            self.occurrences[occurrence] = (row.get("status", ""), row.get("due_at", ""), accepted)
            problems = self._state(row)
            if row.get("accepted_evidence") != str(accepted):
                problems.append(
                    f"accepted_evidence is {_show(row.get('accepted_evidence', ''))} but "
                    f"evidence.csv holds {accepted} accepted evidence for it"
                )
            for problem in problems:
                self.problems.append(
                    f"MISMATCH occurrences.csv row {number} (#{occurrence}): {problem}"
                )

    def _state(self, row: dict[str, str]) -> list[str]:
        """The row's status replayed from its events: completed, skipped, reopened."""
        state, last = "pending", None
        for record in self.ledger.states.get(row.get("occurrence_id", ""), ()):
            state, last = OCCURRENCE_STATES[record.action], record
        status = row.get("status", "")
        if status != state:
            if (status, state) == ("skipped", "pending") and self._retired(row):
                return []
            since = f"event {last.seq}" if last else "no audit event changed it"
            return [
                f"status is {_show(status)} but the audit log leaves it {_show(state)} ({since})"
            ]
        if last is None or status == "pending":
            return []
        if status == "skipped":
            pairs = [("skip_reason", row.get("skip_reason", ""), _cell(last.details.get("reason")))]
            return [f"{d} (event {last.seq})" for d in _differences(pairs)]
        pairs = [("completed_by_email", row.get("completed_by_email", ""), last.who)]
        if "at" in last.details:
            pairs.append(("completed_at", row.get("completed_at", ""), _text(last.details["at"])))
        found = [f"{d} (event {last.seq})" for d in _differences(pairs)]
        done, due, on_time = (
            row.get("completed_at", ""),
            row.get("due_at", ""),
            last.details.get("on_time"),
        )
        if (on_time is True and done > due) or (on_time is False and done < due):
            said = "on time" if on_time else "late"
            found.append(
                f"completed_at {done} against due_at {due}, but event {last.seq} says {said}"
            )
        return found

    def _retired(self, row: dict[str, str]) -> bool:
        """Skipped in bulk when its task was retired (no event per occurrence)."""
        reason, task = row.get("skip_reason"), row.get("task_id")
        return reason == RETIRED_REASON and task in self.ledger.retired_tasks

    def coverage(self, rows: Iterable[dict[str, str]], generated_at: str, summary: Any) -> None:
        tally: Counter[str] = Counter()
        for number, row in enumerate(rows, start=1):
            occurrence = row.get("occurrence_id", "")
            where = f"MISMATCH coverage.csv row {number} (#{occurrence})"
            if occurrence not in self.occurrences:
                self.problems.append(f"{where}: the occurrence is not in occurrences.csv")
                continue
            status, due_at, accepted = self.occurrences[occurrence]
            counting = counting_evidence(self.expiring.get(occurrence, []), due_at, generated_at)
            expected = coverage_class(status, due_at, counting, generated_at)
            tally[row.get("coverage", "")] += 1
            if (row.get("coverage"), row.get("accepted_evidence")) != (expected, str(accepted)):
                self.problems.append(
                    f"{where}: coverage {_show(row.get('coverage', ''))} with "
                    f"{_show(row.get('accepted_evidence', ''))} accepted, but occurrences.csv "
                    f"and evidence.csv make it {_show(expected)} with {accepted}"
                )
        if sum(tally.values()) != len(self.occurrences):
            self.problems.append(
                f"MISMATCH coverage.csv: {sum(tally.values())} rows for "
                f"{len(self.occurrences)} occurrences"
            )
        stated = summary if isinstance(summary, dict) else {}
        for kind in sorted(set(stated) | set(tally)):
            if stated.get(kind, 0) != tally[kind]:
                self.problems.append(
                    f"MISMATCH manifest.json: coverage says {stated.get(kind, 0)} {kind}, "
                    f"coverage.csv has {tally[kind]}"
                )

    def unlisted(self) -> None:
        """Evidence events about listed occurrences that no row answered (a row was hidden).

        Occurrences only: they are the audit population, and every piece of their evidence
        is in the bundle; campaign events can also be about answers that are not evidence.
        """
        for (kind, subject), records in self.ledger.evidence.items():
            if kind != "occurrence" or subject not in self.occurrences:
                continue
            for record in records:
                if not record.used:
                    self.problems.append(
                        f"MISSING  evidence.csv: event {record.seq} records evidence for "
                        f"occurrence {subject} that evidence.csv does not list"
                    )


def _evidence_differences(row: dict[str, str], record: Recorded) -> list[str]:
    details = record.details
    pairs = [("sha256", row.get("sha256", ""), _text(details.get("sha256")))]
    optional = (
        ("kind", "kind", _text),
        ("evidence", "evidence_id", _text),
        ("statement", "statement", _cell),
        ("name", "original_name", _cell),
        ("size", "size", _text),
        ("at", "submitted_at", _text),
    )
    for key, column, spell in optional:
        if key in details:
            pairs.append((column, row.get(column, ""), spell(details[key])))
    pairs.append(("submitted_by_email", row.get("submitted_by_email", ""), record.who))
    pairs.append(("platform", row.get("platform", ""), record.platform))
    return _differences(pairs)
