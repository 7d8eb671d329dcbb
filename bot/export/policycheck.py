"""Cross-checks of a bundle's policies.csv: documents, approvals, and the audit log behind them."""

# Pasted into the bundle's verify.py (see bot/export/script.py): standard library and
# Python 3.8 syntax only. Each version's document hash, each approver's decision (who, on
# which hash, at which step) and each publication must be what the hash-chained log
# recorded; a published version needs every approver's still-valid approval, in order.

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.export.crosscheck import _show, _text
from bot.export.reader import Reader, Report
from bot.export.reviewcheck import ReviewLedger

POLICY_TABLE = "policies.csv"
# What each event says about a version (its details name it as `version`, with `sha256`).
POLICY_DOCUMENT_EVENTS = (
    "policy.version_registered", "policy.version_submitted", "policy.document_replaced",
)  # fmt: skip
POLICY_DECISION_EVENTS = {
    "policy.approved": "approved", "policy.changes_requested": "changes_requested",
}  # fmt: skip
POLICY_PUBLISHED = "policy.published"
POLICY_VERSION_EVENTS = frozenset(
    (*POLICY_DOCUMENT_EVENTS, *POLICY_DECISION_EVENTS, POLICY_PUBLISHED)
)
POLICY_ONCE_PUBLISHED = ("published", "superseded")
# The columns a version repeats on each of its rows.
POLICY_VERSION_COLUMNS = (
    "policy_id", "approvers", "version", "status", "current", "published_at", "sha256", "file",
)  # fmt: skip
VersionKey = Any  # ("id", version id) or ("policy", policy id, version label)


def policy_event_key(event: Mapping[str, Any]) -> VersionKey | None:
    """How an event names its version: `version_id` in its details, else `version` (the
    label) of the policy it is about, as the catalog sync and the policy services log it."""
    details = event.get("details")
    details = details if isinstance(details, dict) else {}
    if _text(details.get("version_id")):
        return ("id", _text(details["version_id"]))
    version = _text(details.get("version"))
    if not version or event.get("subject_type") != "policy":
        return None
    return ("policy", _text(event.get("subject_id")), version)


def policy_version_keys(policy: str, label: str, version_id: str) -> list[VersionKey]:
    """Every key an event may name this version by."""
    return [("id", version_id), ("policy", policy, label)]


def approvals_published(details: Any) -> list[str] | None:
    """The approvers in step order, as a `policy.published` event lists its approvals."""
    chain = details.get("approvals") if isinstance(details, dict) else None
    if not isinstance(chain, list) or not all(isinstance(a, dict) for a in chain):
        return None
    return [
        _text(a.get("approver")) for a in sorted(chain, key=lambda a: _text(a.get("step")).zfill(9))
    ]


class PolicyRecord:
    """One audit event about a policy version, as far as policies.csv is checked against it."""

    __slots__ = ("seq", "action", "who", "at", "sha256", "step", "chain", "used")

    def __init__(self, event: Mapping[str, Any]) -> None:
        details = event.get("details")
        details = details if isinstance(details, dict) else {}
        self.seq = int(event["seq"])
        self.action = _text(event.get("action"))
        person = event.get("actor_person_id") is not None
        self.who = _text(event.get("actor")) if person else ""
        self.at = _text(event.get("occurred_at"))
        self.sha256 = _text(details.get("sha256"))
        self.step = _text(details.get("step"))
        self.chain = approvals_published(details)
        self.used = False


class PolicyLedger(ReviewLedger):
    """The ledger, plus every event about a policy version, by how it names the version."""

    def __init__(self) -> None:
        super().__init__()
        self.policy_versions: dict[VersionKey, list[PolicyRecord]] = {}

    def take(self, event: Mapping[str, Any]) -> None:
        key = policy_event_key(event) if event.get("action") in POLICY_VERSION_EVENTS else None
        if key is not None:
            self.policy_versions.setdefault(key, []).append(PolicyRecord(event))
        super().take(event)


def check_policies(
    reader: Reader, ledger: PolicyLedger, manifest: Mapping[str, Any], report: Report
) -> None:
    """policies.csv against the log; then the log's decisions it leaves out."""
    versions: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for number, row in enumerate(reader.rows(POLICY_TABLE), start=1):
        versions.setdefault(row.get("version_id", ""), []).append((number, row))
    check, claimed = PolicyCheck(ledger), set()
    for version, rows in versions.items():
        first = rows[0][1]
        keys = policy_version_keys(first.get("policy_id", ""), first.get("version", ""), version)
        claimed.update(keys)
        found = {r.seq: r for k in keys for r in ledger.policy_versions.get(k, ())}
        check.version(version, rows, [found[seq] for seq in sorted(found)])
    check.current(versions)
    window = manifest.get("window") or {}
    check.hidden(claimed, _text(window.get("from_utc")), _text(window.get("until_utc")))
    report.problems.extend(check.problems)


class PolicyCheck:
    """One version's rows at a time: the document, each decision, then the publication."""

    def __init__(self, ledger: PolicyLedger) -> None:
        self.ledger = ledger
        self.problems: list[str] = []

    def version(
        self, version: str, rows: list[tuple[int, dict[str, str]]], records: list[PolicyRecord]
    ) -> None:
        """The version's rows against `records`, its events in log order."""
        number, first = rows[0]
        where = f"MISMATCH {POLICY_TABLE} row {number} ({first.get('policy_id', '?')} v{version})"
        found = self._same(rows) + self._document(first, records)
        if not records:
            found = [f"no audit event records policy version {version}"] + found
        for problem in found:
            self.problems.append(f"{where}: {problem}")
        decisions = [(n, r) for n, r in rows if r.get("approval_step")]
        for n, row in decisions:
            for problem in self._decision(first, row, records):
                self.problems.append(
                    f"MISMATCH {POLICY_TABLE} row {n} ({first.get('policy_id', '?')} v{version}, "
                    f"step {row.get('approval_step')}): {problem}"
                )
        if any(r.action == POLICY_PUBLISHED for r in records):
            for problem in _approved_in_order(first, [r for _, r in decisions]):
                self.problems.append(f"{where}: {problem}")
        for record in records:
            if record.action in POLICY_DECISION_EVENTS and not record.used:
                self.problems.append(
                    f"MISSING  {POLICY_TABLE}: event {record.seq} records a decision on "
                    f"policy version {version} that {POLICY_TABLE} does not list"
                )

    @staticmethod
    def _same(rows: list[tuple[int, dict[str, str]]]) -> list[str]:
        first = rows[0][1]
        return [
            f"row {n} gives the same version another {column}"
            for n, row in rows[1:]
            for column in POLICY_VERSION_COLUMNS
            if row.get(column, "") != first.get(column, "")
        ]

    @staticmethod
    def _document(row: dict[str, str], records: list[PolicyRecord]) -> list[str]:
        """The hash the log last gave the document, the file named by it, the publication."""
        found = []
        sha, file = row.get("sha256", ""), row.get("file", "")
        documents = [r for r in records if r.action in POLICY_DOCUMENT_EVENTS and r.sha256]
        if documents and sha != documents[-1].sha256:
            found.append(
                f"sha256 is {_show(sha)} but event {documents[-1].seq} says "
                f"{_show(documents[-1].sha256)}"
            )
        if file and file != "files/" + sha:
            found.append("its file is not named by its document's SHA-256")
        published = [r for r in records if r.action == POLICY_PUBLISHED]
        registered = any(r.action == "policy.version_registered" for r in records)
        shown = row.get("status", "") in POLICY_ONCE_PUBLISHED or bool(row.get("published_at"))
        if published and not shown:
            found.append(
                f"status is {_show(row.get('status', ''))} but event {published[0].seq} "
                "published it"
            )
        elif shown and not published and not registered and records:
            found.append(
                f"status is {_show(row.get('status', ''))} but no audit event published it"
            )
        for record in published:
            listed = [a for a in row.get("approvers", "").split(";") if a]
            if record.chain is not None and record.chain != listed:
                found.append(
                    f"approvers are {_show(';'.join(listed))} but event {record.seq} published "
                    f"it approved by {_show(';'.join(record.chain))}"
                )
            if record.sha256 and record.sha256 != sha:
                found.append(
                    f"event {record.seq} published {_show(record.sha256)}, not this sha256"
                )
        return found

    @staticmethod
    def _decision(
        version: dict[str, str], row: dict[str, str], records: list[PolicyRecord]
    ) -> list[str]:
        """Pair the row with the unused event of that decision; what differs when none agrees."""
        wanted = (
            row.get("decision", ""),
            row.get("approver_email", ""),
            row.get("approved_sha256", ""),
        )
        pool = [
            r
            for r in records
            if not r.used
            and POLICY_DECISION_EVENTS.get(r.action) == wanted[0]
            and (not r.step or r.step == row.get("approval_step", ""))
        ]
        paired = next((r for r in pool if (r.who, r.sha256) == wanted[1:]), None)
        if paired is None:
            if not pool:
                return [f"no audit event records this {_show(wanted[0])} decision"]
            pool[0].used = True
            return [
                f"{row.get('decision')} by {_show(wanted[1])} on {_show(wanted[2])}, but event "
                f"{pool[0].seq} says by {_show(pool[0].who)} on {_show(pool[0].sha256)}"
            ]
        paired.used = True
        if wanted[0] != "approved":
            return []  # a request for changes never counts towards publication
        replaced = [
            r.seq for r in records if r.action == "policy.document_replaced" and r.seq > paired.seq
        ]
        invalidated = bool(row.get("invalidated_at"))
        if invalidated and not replaced:
            return [
                f"invalidated, but no audit event replaced the document after event {paired.seq}"
            ]
        if not invalidated and replaced:
            return [f"still valid, but event {replaced[0]} replaced the document after it"]
        if not invalidated and wanted[2] != version.get("sha256", ""):
            return ["a valid approval of another document than the version's sha256"]
        return []

    def current(self, versions: Mapping[str, list[tuple[int, dict[str, str]]]]) -> None:
        """A policy has one version in force at a time."""
        current: dict[str, list[str]] = {}
        for version, rows in versions.items():
            if rows[0][1].get("current") == "yes":
                current.setdefault(rows[0][1].get("policy_id", ""), []).append(version)
        for policy, listed in sorted(current.items()):
            if len(listed) > 1:
                self.problems.append(
                    f"MISMATCH {POLICY_TABLE}: policy {policy} has {len(listed)} current versions "
                    f"({', '.join(listed)})"
                )

    def hidden(self, listed: set[VersionKey], start: str, end: str) -> None:
        """Events of the window about a version that no row lists (the bundle lists every
        version the log names in its window; times compare as text: one ISO spelling)."""
        for key, records in sorted(self.ledger.policy_versions.items()):
            inside = [r for r in records if start <= r.at < end]
            if key not in listed and inside:
                self.problems.append(
                    f"MISSING  {POLICY_TABLE}: event {inside[0].seq} ({inside[0].action}) is "
                    f"about policy version {' '.join(key[1:])}, which {POLICY_TABLE} does not "
                    "list"
                )


def _approved_in_order(version: dict[str, str], rows: Iterable[dict[str, str]]) -> list[str]:
    """A published version: each approver's valid approval, one per step, in step order,
    on the document it published, before it was published."""
    approvers = [a for a in version.get("approvers", "").split(";") if a]
    valid = [r for r in rows if r.get("decision") == "approved" and not r.get("invalidated_at")]
    by_step = {r.get("approval_step", ""): r for r in valid}
    found, last = [], ""
    for step, approver in enumerate(approvers, start=1):
        row = by_step.get(str(step))
        if row is None:
            found.append(f"published without step {step}'s valid approval (by {_show(approver)})")
            continue
        at = row.get("decided_at", "")
        if row.get("approver_email", "") != approver:
            found.append(
                f"step {step} was approved by {_show(row.get('approver_email', ''))}, "
                f"not by its approver {_show(approver)}"
            )
        if at < last:
            found.append(f"step {step} was approved at {at}, before step {step - 1}")
        published = version.get("published_at", "")
        if published and at > published:
            found.append(f"step {step} was approved at {at}, after publication at {published}")
        last = max(last, at)
    if not approvers:
        found.append("published, but policies.csv names no approvers")
    return found
