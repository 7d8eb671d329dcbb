"""A sample bundle's own checks: the population's hash, the selection, the draw, the events."""

# Pasted into the sample bundle's verify.py (see bot/export/script.py): standard library and
# Python 3.8 syntax only.

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from bot.audit.chain import event_hash
from bot.export.reader import Reader, Report
from bot.sampling.draw import DRAW_ALGORITHM, draw_positions, member_of, population_sha256

SAMPLE_FORMAT = "soc2bot-sample-bundle"
SAMPLE_FORMAT_VERSION = 1
SAMPLE_JSON, POPULATION_TXT = "sample.json", "population.txt"
ITEMS_CSV, SAMPLE_EVIDENCE_CSV, SAMPLE_EVENTS = "items.csv", "evidence.csv", "sample_events.jsonl"


@dataclass
class SampleFindings:
    """What the sample's files say, once checked: for the verdict line."""

    population: int = 0
    sha256: str = ""
    drawn: int = 0
    seed: str = ""
    redrawn: bool = False  # the selection was drawn again from the seed and matched
    events: int = 0


def check_sample(reader: Reader, listed: dict[str, Any], report: Report) -> SampleFindings:
    """sample.json against itself, population.txt, items.csv, evidence.csv and the events."""
    found = SampleFindings()
    try:
        sample = json.loads(reader.read(SAMPLE_JSON))
        lines = [str(line) for line in sample["population"]["lines"]]
        stated = str(sample["population"]["sha256"])
        selection = [str(member) for member in sample["selection"]]
        draw = sample["draw"]
    except (KeyError, ValueError, TypeError):
        report.problems.append(f"INVALID  {SAMPLE_JSON}: not a soc2bot sample description")
        return found
    found.population, found.sha256, found.drawn = len(lines), stated, len(selection)
    found.seed = str(draw.get("seed", ""))
    _check_population(reader, lines, stated, sample["population"].get("size"), report)
    members = [member_of(line) for line in lines]
    _check_selection(members, selection, report)
    found.redrawn = _check_draw(draw, members, selection, report)
    _check_items(reader, set(selection), listed, report)
    found.events = _check_sample_events(reader, sample, selection, report)
    return found


def population_problems(lines: list[str], stated: str, size: Any, where: str) -> list[str]:
    """What is wrong with a population: its lines must hash to `stated`, `size` of them."""
    found, computed = [], population_sha256(lines)
    if computed != stated:
        found.append(
            f"POPULATION {where}: its lines hash to {computed}, not to the recorded "
            f"population SHA-256 {stated}"
        )
    if size != len(lines):
        found.append(f"POPULATION {where}: {len(lines)} lines, size says {size}")
    return found


def _check_population(
    reader: Reader, lines: list[str], stated: str, size: Any, report: Report
) -> None:
    report.problems.extend(population_problems(lines, stated, size, SAMPLE_JSON))
    if POPULATION_TXT in reader.names:
        text_sha = hashlib.sha256(reader.read(POPULATION_TXT)).hexdigest()
        if text_sha != stated:
            report.problems.append(
                f"POPULATION {POPULATION_TXT}: hashes to {text_sha}, not to the recorded "
                f"population SHA-256 {stated}"
            )


def _check_selection(
    members: list[str], selection: list[str], report: Report, where: str = SAMPLE_JSON
) -> None:
    known = set(members)
    for member in selection:
        if member not in known:
            report.problems.append(f"SELECTION {where}: {member} is not in the population")
    if len(set(selection)) != len(selection):
        report.problems.append(f"SELECTION {where}: a member is drawn more than once")


def _check_draw(
    draw: dict[str, Any],
    members: list[str],
    selection: list[str],
    report: Report,
    where: str = SAMPLE_JSON,
) -> bool:
    if draw.get("algorithm") != DRAW_ALGORITHM:
        report.notes.append(
            f"The draw was not repeated: algorithm {draw.get('algorithm')!r} is not the "
            f"{DRAW_ALGORITHM} this verifier knows"
        )
        return False
    try:
        rounds = [int(count) for count in draw["rounds"]]
        positions = draw_positions(str(draw["seed"]), len(members), rounds)
    except (KeyError, ValueError, TypeError):
        report.problems.append(f"DRAW     {where}: its seed and rounds cannot be drawn")
        return False
    redrawn = [members[p] for picked in positions for p in picked]
    if redrawn != selection:
        report.problems.append(
            f"DRAW     {where}: seed {draw['seed']!r} with rounds {rounds} draws "
            f"{', '.join(redrawn[:5])}…, not the recorded selection"
        )
        return False
    return True


def _check_items(reader: Reader, drawn: set[str], listed: dict[str, Any], report: Report) -> None:
    itemized = [row.get("member", "") for row in reader.rows(ITEMS_CSV)]
    if set(itemized) != drawn or len(itemized) != len(drawn):
        report.problems.append(f"ITEMS    {ITEMS_CSV}: its rows are not exactly the selection")
    for number, row in enumerate(reader.rows(SAMPLE_EVIDENCE_CSV), 1):
        if row.get("member", "") not in drawn:
            report.problems.append(
                f"EVIDENCE {SAMPLE_EVIDENCE_CSV} row {number}: {row.get('member')} is not drawn"
            )
        name = row.get("file") or ""
        if name and name not in listed:
            report.problems.append(f"MISSING  {name}: named by {SAMPLE_EVIDENCE_CSV} row {number}")


def _check_sample_events(
    reader: Reader, sample: dict[str, Any], selection: list[str], report: Report
) -> int:
    """Each event's own hash, and what the events recorded against sample.json."""
    if SAMPLE_EVENTS not in reader.names:
        report.problems.append(f"MISSING  {SAMPLE_EVENTS}: the sample's audit events")
        return 0
    try:
        events = [json.loads(line) for line in reader.read(SAMPLE_EVENTS).decode().splitlines()]
    except ValueError:
        report.problems.append(f"INVALID  {SAMPLE_EVENTS}: not one JSON event per line")
        return 0
    recorded: list[str] = []
    prefix = member_of(selection[0]).rpartition(":")[0] if selection else ""
    drawn_with = (sample["draw"].get("seed"), sample["population"].get("sha256"))
    for event in events:
        seq = event.get("seq")
        if event_hash(event) != event.get("hash"):
            report.problems.append(f"ALTERED  {SAMPLE_EVENTS}: event {seq} does not hash as stated")
        with_what, drawn = event_draw(event, prefix)
        if with_what != drawn_with:
            report.problems.append(
                f"EVENTS   {SAMPLE_EVENTS}: event {seq} records another seed or population"
            )
        recorded += drawn
    if recorded != selection:
        report.problems.append(
            f"EVENTS   {SAMPLE_EVENTS}: the audit events drew {len(recorded)} member(s), not "
            "the recorded selection"
        )
    return len(events)


def event_draw(event: dict[str, Any], prefix: str) -> tuple[tuple[Any, Any], list[str]]:
    """What a `sample.drawn` or `sample.extended` event drew with (its seed and population
    SHA-256), and the members it drew (`prefix:id`), in order."""
    details = event.get("details") or {}
    population = details.get("population") or {}
    added = details.get("selection") if event.get("action") == "sample.drawn" else None
    members = [f"{prefix}:{i}" for i in (added or details.get("added") or [])]
    return (details.get("seed"), population.get("sha256")), members
