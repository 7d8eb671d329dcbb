"""Cross-checks of a bundle's samples: each sample file, its samples.csv rows, and the audit log."""

# Pasted into the bundle's verify.py (see bot/export/script.py): standard library and
# Python 3.8 syntax only. A sample file holds its population's lines and its draw: the lines
# must hash to the recorded SHA-256, the seed must draw exactly the selection again, and the
# hash-chained log's `sample.drawn` and `sample.extended` events must record the same seed,
# population and members. samples.csv must say what the files say, and whether each drawn
# member's evidence is in evidence.csv must be what evidence.csv holds.

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.export.crosscheck import _cell, _show, _text
from bot.export.policycheck import PolicyLedger
from bot.export.reader import Reader, Report
from bot.export.reviewcheck import _number
from bot.export.sample_check import (
    _check_draw,
    _check_selection,
    event_draw,
    population_problems,
)
from bot.sampling.draw import member_of

SAMPLES_TABLE = "samples.csv"
SAMPLE_ACTIONS = ("sample.drawn", "sample.extended")
# The evidence.csv column that ties evidence to a member, by the member's prefix (a
# follow-up's evidence sits on its account's campaign item: not checked against a column).
_EVIDENCE_COLUMNS = {"occurrence": "occurrence_id", "item": "campaign_item_id"}
Rows = Any  # list of (row number, row) of one sample, in samples.csv order


def sample_file(sample_id: str) -> str:
    """Where a sample's file lives inside the bundle."""
    return f"samples/sample-{sample_id}.json"


def in_bundle(evidence: list[str], listed: set[str]) -> str:
    """How samples.csv says whether a member's evidence (its ids) is among `listed` (the
    ids evidence.csv holds): `none` when it has none, else `yes`, `partly` or `no`."""
    present = sum(1 for e in evidence if e in listed)
    if not evidence:
        return "none"
    if present == len(evidence):
        return "yes"
    return "partly" if present else "no"


def _list(value: Any) -> list[Any] | None:
    return value if isinstance(value, list) else None


class SampleLedger(PolicyLedger):
    """The ledger, plus each sample's `sample.drawn` and `sample.extended` events, in order
    (only what the checks read, in shapes they can rely on)."""

    def __init__(self) -> None:
        super().__init__()
        self.samples: dict[str, list[dict[str, Any]]] = {}

    def take(self, event: Mapping[str, Any]) -> None:
        if event.get("action") in SAMPLE_ACTIONS and event.get("subject_type") == "sample":
            details = event.get("details")
            details = details if isinstance(details, dict) else {}
            population = details.get("population")
            kept = {
                "seed": details.get("seed"),
                "population": population if isinstance(population, dict) else {},
                "selection": _list(details.get("selection")),
                "added": _list(details.get("added")),
            }
            self.samples.setdefault(_text(event.get("subject_id")), []).append(
                {"seq": event.get("seq"), "action": event.get("action"),
                 "actor": event.get("actor"), "occurred_at": event.get("occurred_at"),
                 "details": kept}
            )  # fmt: skip
        super().take(event)


def check_samples(
    reader: Reader, ledger: SampleLedger, manifest: Mapping[str, Any], report: Report
) -> None:
    """Each listed sample's file and rows against each other, evidence.csv and the log; then
    the samples the log drew or extended in the window that samples.csv leaves out."""
    listed: dict[str, Rows] = {}
    for number, row in enumerate(reader.rows(SAMPLES_TABLE), start=1):
        listed.setdefault(row.get("sample_id", ""), []).append((number, row))
    evidence = _EvidenceIndex(reader, listed) if listed else None
    for sample_id, rows in listed.items():
        _check_one(reader, sample_id, rows, ledger.samples.get(sample_id, []), report)
        if evidence is not None:
            report.problems.extend(evidence.problems(sample_id, rows))
    counted = (manifest.get("counts") or {}).get("samples")
    if counted is not None and counted != len(listed):
        report.problems.append(
            f"COUNT    {SAMPLES_TABLE}: {len(listed)} samples, the manifest says {counted}"
        )
    named = {sample_file(s) for s in listed}
    for name in sorted(n for n in reader.names if n.startswith("samples/") and n not in named):
        report.problems.append(f"EXTRA    {name}: no {SAMPLES_TABLE} row names it")
    window = manifest.get("window") or {}
    start, end = _text(window.get("from_utc")), _text(window.get("until_utc"))
    for sample_id, events in sorted(ledger.samples.items()):
        inside = [e for e in events if start <= _text(e["occurred_at"]) < end]
        if inside and sample_id not in listed:
            report.problems.append(
                f"MISSING  {SAMPLES_TABLE}: event {inside[0]['seq']} ({inside[0]['action']}) "
                f"is about sample {sample_id}, which {SAMPLES_TABLE} does not list"
            )


def _check_one(
    reader: Reader, sample_id: str, rows: Rows, events: list[dict[str, Any]], report: Report
) -> None:
    """The file: its population, selection and draw; then the log and its rows against it."""
    name = sample_file(sample_id)
    if name not in reader.names:
        report.problems.append(f"MISSING  {name}: named by {SAMPLES_TABLE} row {rows[0][0]}")
        return
    try:
        sample = json.loads(reader.read(name))
        population, draw = dict(sample["population"]), dict(sample["draw"])
        lines = [str(line) for line in population["lines"]]
        selection = [str(member) for member in sample["selection"]]
        additions = [[str(m) for m in added] for added in sample.get("additions") or []]
        rounds = [int(n) for n in draw.get("rounds") or []]
    except (KeyError, ValueError, TypeError, AttributeError):
        report.problems.append(f"INVALID  {name}: not a soc2bot sample description")
        return
    stated = _text(population.get("sha256"))
    report.problems.extend(population_problems(lines, stated, population.get("size"), name))
    members = [member_of(line) for line in lines]
    _check_selection(members, selection, report, name)
    _check_draw(draw, members, selection, report, name)
    later = [m for added in additions for m in added]
    first_round = rounds[0] if rounds else 0
    if [len(a) for a in additions] != rounds[1:] or later != selection[first_round:]:
        report.problems.append(f"SELECTION {name}: its additions are not its later rounds")
    prefix = members[0].rpartition(":")[0] if members else ""
    report.problems.extend(_against_log(name, sample, selection, events, prefix))
    report.problems.extend(_against_file(name, sample, selection, rounds, rows))


def _against_log(
    name: str, sample: dict[str, Any], selection: list[str], events: list[dict[str, Any]],
    prefix: str,
) -> list[str]:  # fmt: skip
    """The seed, population and members the sample's events recorded, and who drew it."""
    if not events:
        return [f"MISMATCH {name}: no audit event records sample {sample.get('sample')}"]
    found, recorded = [], []
    population = sample["population"]
    drawn_with = (sample["draw"].get("seed"), population.get("sha256"))
    for event in events:
        seq, (with_what, drawn) = event["seq"], event_draw(event, prefix)
        if with_what != drawn_with:
            found.append(
                f"MISMATCH {name}: seed {_show(_text(drawn_with[0]))} and population "
                f"{_show(_text(drawn_with[1]))}, but event {seq} records seed "
                f"{_show(_text(with_what[0]))} and population {_show(_text(with_what[1]))}"
            )
        logged = event["details"]["population"]
        for key in ("kind", "label", "size"):
            if logged.get(key) != population.get(key):
                found.append(
                    f"MISMATCH {name}: population {key} is {_show(_text(population.get(key)))} "
                    f"but event {seq} says {_show(_text(logged.get(key)))}"
                )
        recorded += drawn
    first = events[0]
    if first["action"] != SAMPLE_ACTIONS[0]:
        found.append(f"MISMATCH {name}: no {SAMPLE_ACTIONS[0]} event before event {first['seq']}")
    elif _text(first["actor"]) != _text(sample.get("drawn_by")):
        found.append(
            f"MISMATCH {name}: drawn_by is {_show(_text(sample.get('drawn_by')))} but event "
            f"{first['seq']} says {_show(_text(first['actor']))} drew it"
        )
    if recorded != selection:
        found.append(
            f"MISMATCH {name}: its selection is {_show(', '.join(selection))} but the audit "
            f"events drew {_show(', '.join(recorded))}"
        )
    return found


def _against_file(
    name: str, sample: dict[str, Any], selection: list[str], rounds: list[int], rows: Rows
) -> list[str]:
    """samples.csv's rows of the sample: its columns as the file says, a row per member."""
    population, sample_id = sample["population"], _text(sample.get("sample"))
    expected = {
        "population_kind": population.get("kind"), "population": population.get("label"),
        "population_size": population.get("size"), "population_sha256": population.get("sha256"),
        "seed": sample["draw"].get("seed"), "size": len(selection),
        "drawn_by": sample.get("drawn_by"), "drawn_at": sample.get("drawn_at"), "file": name,
    }  # fmt: skip
    drawn_in = [str(n) for n, count in enumerate(rounds) for _ in range(count)]
    found = []
    for index, (number, row) in enumerate(rows):
        where = f"MISMATCH {SAMPLES_TABLE} row {number} (sample {row.get('sample_id', '')})"
        for column, value in expected.items():
            if row.get(column, "") != _cell(value):
                found.append(
                    f"{where}: {column} is {_show(row.get(column, ''))} but {name} says "
                    f"{_show(_cell(value))}"
                )
        member = selection[index] if index < len(selection) else ""
        if row.get("member", "") != member:
            drew = f"drew {_show(member)} there" if member else "drew no more members"
            found.append(f"{where}: member is {_show(row.get('member', ''))} but {name} {drew}")
        elif index < len(drawn_in) and row.get("round", "") != drawn_in[index]:
            found.append(f"{where}: round is {_show(row.get('round', ''))}, not {drawn_in[index]}")
    if len(rows) < len(selection):
        found.append(
            f"MISSING  {SAMPLES_TABLE}: sample {sample_id} drew {len(selection)} member(s), "
            f"{len(rows)} row(s) list them"
        )
    return found


class _EvidenceIndex:
    """What evidence.csv holds about the drawn members: read once, only for them."""

    def __init__(self, reader: Reader, listed: Mapping[str, Rows]) -> None:
        rows = [row for sample in listed.values() for _, row in sample]
        wanted = {e for row in rows for e in _ids(row)}
        drawn = {row.get("member", "") for row in rows}
        self.held: dict[str, list[str]] = {}  # evidence id → the members it is evidence of
        self.of_member: dict[str, set[str]] = {}  # a drawn member → its evidence ids
        for row in reader.rows("evidence.csv"):
            evidence = row.get("evidence_id", "")
            members = [f"{p}:{row[c]}" for p, c in _EVIDENCE_COLUMNS.items() if row.get(c)]
            for member in members:
                if member in drawn:
                    self.of_member.setdefault(member, set()).add(evidence)
            if evidence in wanted:
                self.held[evidence] = members

    def problems(self, sample_id: str, rows: Rows) -> list[str]:
        found = []
        for number, row in rows:
            where = f"MISMATCH {SAMPLES_TABLE} row {number} (sample {sample_id})"
            ids, member, shown = _ids(row), row.get("member", ""), row.get("evidence_in_bundle")
            expected = in_bundle(ids, set(self.held))
            if shown != expected:
                named = f" (evidence {';'.join(ids)})" if ids else ""
                found.append(
                    f"{where}: evidence_in_bundle is {_show(_text(shown))} but evidence.csv "
                    f"makes it {_show(expected)}{named}"
                )
            if member.rpartition(":")[0] not in _EVIDENCE_COLUMNS:
                continue
            for evidence in ids:
                if evidence in self.held and member not in self.held[evidence]:
                    found.append(f"{where}: evidence.csv's evidence {evidence} is not {member}'s")
            left_out = sorted(self.of_member.get(member, set()) - set(ids), key=_number)
            if left_out:
                found.append(
                    f"{where}: evidence.csv holds evidence {', '.join(left_out)} of {member}, "
                    "which evidence_ids leaves out"
                )
        return found


def _ids(row: Mapping[str, str]) -> list[str]:
    return [e for e in (row.get("evidence_ids") or "").split(";") if e]
