"""Cross-checks of a bundle's access-review trail (access_reviews.csv) against its audit log."""

# Pasted into the bundle's verify.py (see bot/export/script.py): standard library and
# Python 3.8 syntax only. Each row ties a review to its snapshot, its decisions file and
# each revoke's follow-up with the file that verified it; every one of those must be what
# the hash-chained log recorded, and every file the row names must be in the bundle.

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.export.crosscheck import _KEPT, Ledger, Recorded, _show, _text
from bot.export.reader import Reader, Report

REVIEWS_TABLE = "access_reviews.csv"
REVIEW_HASHES = (
    "snapshot_json_sha256",
    "snapshot_csv_sha256",
    "decisions_sha256",
    "verification_sha256",
)
REVIEW_TOTALS = ("review_campaigns", "revocations", "revocations_verified", "revocations_open")
STILL_OPEN = "open"  # verification_sha256 of a revoke nobody has removed yet


class ReviewLedger(Ledger):
    """The ledger, plus what the log says about access reviews: their snapshots, decisions
    files, and each revoke's follow-up with how it was closed."""

    def __init__(self) -> None:
        super().__init__()
        self.snapshots: dict[str, tuple[str, str, int]] = {}  # campaign: json, csv, event
        self.decisions: dict[str, tuple[str, int]] = {}  # campaign: decisions sha, event
        self.follow_ups: dict[str, tuple[str, str, int]] = {}  # follow-up: campaign, item, event
        self.closed: dict[str, tuple[str, str, int]] = {}  # follow-up: sha, evidence, event

    def take(self, event: Mapping[str, Any]) -> None:
        action, details = event.get("action"), event.get("details")
        details = details if isinstance(details, dict) else {}
        subject, seq = _text(event.get("subject_id")), int(event["seq"])
        if action == "review.snapshot_taken":
            self._snapshot(event, details)
        elif action == "campaign.completed" and details.get("sha256"):
            self.decisions[subject] = (_text(details["sha256"]), seq)
        elif action == "follow_up.created":
            item = _text(details.get("item"))
            self.follow_ups[_text(details.get("follow_up"))] = (subject, item, seq)
        elif action == "follow_up.completed":
            self._closed(event, details, subject, seq)
        super().take(event)

    def _snapshot(self, event: Mapping[str, Any], details: dict[str, Any]) -> None:
        """The frozen population: two files, filed as evidence under the first campaign."""
        campaigns = details.get("campaigns") or []
        shas = (_text(details.get("json_sha256")), _text(details.get("csv_sha256")))
        for campaign in campaigns:
            self.snapshots[_text(campaign)] = (shas[0], shas[1], int(event["seq"]))
        for sha in shas:
            if campaigns and sha:
                self._evidence(event, _text(campaigns[0]), {"sha256": sha, "kind": "file"})

    def _closed(
        self, event: Mapping[str, Any], details: dict[str, Any], subject: str, seq: int
    ) -> None:
        """A follow-up closed: by a re-pull with its evidence file, or by a person."""
        follow_up, sha = _text(details.get("follow_up")), _text(details.get("sha256"))
        self.closed[follow_up] = (sha, _text(details.get("evidence")), seq)
        if sha:
            item = self.follow_ups.get(follow_up, ("", "", 0))[1]
            self._evidence(
                event, subject,
                {"sha256": sha, "kind": "file", "evidence": details.get("evidence"),
                 "statement": details.get("verified"), "item": item},
            )  # fmt: skip

    def _evidence(self, event: Mapping[str, Any], campaign: str, what: dict[str, Any]) -> None:
        record = Recorded(dict(event, details=what), _KEPT)
        self.evidence.setdefault(("campaign", campaign), []).append(record)


def check_review_files(reader: Reader, listed: Mapping[str, Any], report: Report) -> None:
    """Every file access_reviews.csv names is in the manifest (which vouches for its hash)."""
    for number, row in enumerate(reader.rows(REVIEWS_TABLE), start=1):
        for column in REVIEW_HASHES:
            sha = row.get(column) or ""
            if sha and sha != STILL_OPEN and "files/" + sha not in listed:
                report.problems.append(
                    f"MISSING  files/{sha}: named by {REVIEWS_TABLE} row {number} ({column})"
                )


def check_reviews(reader: Reader, ledger: ReviewLedger, report: Report) -> None:
    """access_reviews.csv against the log, campaigns.csv and coverage.csv."""
    if REVIEWS_TABLE not in reader.names:
        if any(r.get("kind") == "access_review" for r in reader.rows("campaigns.csv")):
            report.notes.append(
                f"The bundle has no {REVIEWS_TABLE} (it predates it): access reviews' "
                "snapshots and verified revokes were not cross-checked"
            )
        return
    check = ReviewCheck(ledger)
    check.table(reader.rows(REVIEWS_TABLE))
    check.campaigns(reader.rows("campaigns.csv"))
    check.coverage(reader.rows("coverage.csv"))
    check.hidden()
    report.problems.extend(check.problems)


class ReviewCheck:
    """The access-review rows, then the tables that point at them, then what they left out."""

    def __init__(self, ledger: ReviewLedger) -> None:
        self.ledger = ledger
        self.problems: list[str] = []
        self.campaign_rows: dict[str, dict[str, str]] = {}
        self.listed_follow_ups: set[str] = set()
        self.totals: dict[str, list[Any]] = {}  # occurrence: campaigns, revokes, verified, open

    def table(self, rows: Iterable[dict[str, str]]) -> None:
        for number, row in enumerate(rows, start=1):
            campaign = row.get("campaign_id", "")
            where = f"MISMATCH {REVIEWS_TABLE} row {number} (camp-{campaign})"
            self.campaign_rows.setdefault(campaign, row)
            for problem in (*self._files(row, campaign), *self._follow_up(row, campaign)):
                self.problems.append(f"{where}: {problem}")
            self._count(row, campaign)

    def _files(self, row: dict[str, str], campaign: str) -> list[str]:
        snapshot = self.ledger.snapshots.get(campaign)
        decisions = self.ledger.decisions.get(campaign)
        pairs = [
            ("snapshot_json_sha256", snapshot[0] if snapshot else "", snapshot),
            ("snapshot_csv_sha256", snapshot[1] if snapshot else "", snapshot),
            ("decisions_sha256", decisions[0] if decisions else "", decisions),
        ]
        return [
            f"{column} is {_show(row.get(column, ''))} but "
            + (f"event {found[-1]} says {_show(logged)}" if found else "no audit event names one")
            for column, logged, found in pairs
            if row.get(column, "") != logged
        ]

    def _follow_up(self, row: dict[str, str], campaign: str) -> list[str]:
        follow_up = row.get("follow_up_id", "")
        closing = ("follow_up_status", "verification_sha256", "verification_evidence_id")
        ours = tuple(row.get(c, "") for c in closing)
        if not follow_up:
            return [] if ours == ("", "", "") else ["a revoke's outcome without a follow-up"]
        self.listed_follow_ups.add(follow_up)
        created = self.ledger.follow_ups.get(follow_up)
        if created is None or created[0] != campaign:
            return [f"no audit event created follow-up {follow_up} for this campaign"]
        found = []
        if row.get("item_id", "") != created[1]:
            found.append(
                f"item_id is {_show(row.get('item_id', ''))} but event {created[2]} created "
                f"follow-up {follow_up} for item {_show(created[1])}"
            )
        closed = self.ledger.closed.get(follow_up)
        if closed is None:
            logged, since = ("open", STILL_OPEN, ""), "no audit event closed it"
        else:
            status = "verified" if closed[0] else "done"
            logged, since = (
                (status, closed[0], closed[1] if closed[0] else ""),
                f"event {closed[2]}",
            )
        if ours != logged:
            found.append(
                f"follow-up {follow_up} is {_show('/'.join(ours))} but the audit log makes it "
                f"{_show('/'.join(logged))} ({since})"
            )
        return found

    def _count(self, row: dict[str, str], campaign: str) -> None:
        occurrence = row.get("occurrence_id", "")
        if not occurrence:
            return
        totals = self.totals.setdefault(occurrence, [[], 0, 0, 0])
        if campaign not in totals[0]:
            totals[0].append(campaign)
        if row.get("follow_up_id"):
            totals[1] += 1
            totals[2] += row.get("follow_up_status") == "verified"
            totals[3] += row.get("follow_up_status") == "open"

    def campaigns(self, rows: Iterable[dict[str, str]]) -> None:
        """Every access review in campaigns.csv has its rows, tied to the same work."""
        reviews = {r.get("campaign_id", ""): r for r in rows if r.get("kind") == "access_review"}
        for campaign in sorted(set(reviews) | set(self.campaign_rows), key=_number):
            ours, listed = self.campaign_rows.get(campaign), reviews.get(campaign)
            if ours is None:
                self.problems.append(
                    f"MISSING  {REVIEWS_TABLE}: access review camp-{campaign} of campaigns.csv "
                    "has no row"
                )
            elif listed is None:
                self.problems.append(
                    f"MISMATCH {REVIEWS_TABLE}: camp-{campaign} is not an access review in "
                    "campaigns.csv"
                )
            else:
                for column in ("control_id", "occurrence_id"):
                    if ours.get(column, "") != listed.get(column, ""):
                        self.problems.append(
                            f"MISMATCH {REVIEWS_TABLE}: camp-{campaign}'s {column} is "
                            f"{_show(ours.get(column, ''))}, campaigns.csv says "
                            f"{_show(listed.get(column, ''))}"
                        )

    def coverage(self, rows: Iterable[dict[str, str]]) -> None:
        """coverage.csv's review columns are the totals of access_reviews.csv."""
        for number, row in enumerate(rows, start=1):
            if "review_campaigns" not in row:
                return  # a coverage.csv from before these columns
            occurrence = row.get("occurrence_id", "")
            totals = self.totals.get(occurrence)
            expected = ["", "", "", ""]
            if totals is not None:
                campaigns = ";".join(sorted(totals[0], key=_number))
                expected = [campaigns, *(str(n) for n in totals[1:])]
            ours = [row.get(c, "") for c in REVIEW_TOTALS]
            if ours != expected:
                self.problems.append(
                    f"MISMATCH coverage.csv row {number} (#{occurrence}): review columns "
                    f"{_show(','.join(ours))}, access_reviews.csv makes them "
                    f"{_show(','.join(expected))}"
                )

    def hidden(self) -> None:
        """Revokes the log records for a listed review that no row shows."""
        for follow_up, (campaign, _, seq) in sorted(self.ledger.follow_ups.items()):
            if campaign in self.campaign_rows and follow_up not in self.listed_follow_ups:
                self.problems.append(
                    f"MISSING  {REVIEWS_TABLE}: event {seq} created follow-up {follow_up} "
                    f"for camp-{campaign}, which {REVIEWS_TABLE} does not list"
                )


def _number(text: str) -> tuple[int, str]:
    return (int(text), "") if text.isdigit() else (0, text)
