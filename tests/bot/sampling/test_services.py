"""Drawing, adding to and reading a sample: recorded, reproducible, refused without a trace."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from sqlmodel import col, select

from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from bot.sampling.draw import draw_positions
from bot.sampling.services import draw_sample, extend_sample, get_sample_detail
from models import AuditEvent, Sample
from tests.bot.sampling.sampling_support import H1, NOW, Program, build, occurrence, records


@pytest.fixture
def program(db: Database) -> Program:
    return build(db)


def draw(db: Database, actor: Actor, **asked: Any) -> Sample:
    with db.transaction() as s:
        return draw_sample(session=s, actor=actor, now=NOW, **asked)


def scans(db: Database, actor: Actor, **asked: Any) -> Sample:
    return draw(db, actor, control="cc7.1-vs", start=H1[0], end=H1[1], **asked)


def events(db: Database, action: str) -> list[AuditEvent]:
    with db.session() as s:
        query = select(AuditEvent).where(AuditEvent.action == action)
        return list(s.exec(query.order_by(col(AuditEvent.seq))).all())


def test_a_monthly_control_gets_two_one_from_each_half_of_the_window(
    db: Database, program: Program
) -> None:
    sample = scans(db, program.audrey)
    assert sample.population_size == 6 and len(sample.selection) == 2
    months = [
        next(p for p in ("01", "02", "03", "04", "05", "06")
             if occurrence(db, "vuln-scan", f"2026-{p}") == oid)
        for oid in sample.selection
    ]  # fmt: skip
    assert months[0] <= "03" < months[1]
    assert (
        sample.details["rule"] == "monthly control: 2" and sample.created_by == "audrey@audit.test"
    )


def test_the_draw_is_in_the_audit_trail_with_seed_population_hash_and_selection(
    db: Database, program: Program
) -> None:
    sample = scans(db, program.audrey, seed="fy2026")
    [event] = events(db, "sample.drawn")
    assert (event.subject_type, event.subject_id, event.actor) == (
        "sample",
        str(sample.id),
        "audrey@audit.test",
    )
    assert event.details["seed"] == "fy2026" and event.details["selection"] == sample.selection
    population = event.details["population"]
    assert population["size"] == 6 and population["sha256"] == sample.population_sha256
    assert population["window"] == ["2026-01-01", "2026-06-30"]
    lines = sample.details["population"]
    assert lines[0].startswith(f"occurrence:{occurrence(db, 'vuln-scan', '2026-01')}\t2026-01-08\t")
    text = "".join(f"{line}\n" for line in lines).encode()
    assert hashlib.sha256(text).hexdigest() == sample.population_sha256


def test_the_same_seed_draws_the_same_sample_and_another_seed_another(
    db: Database, program: Program
) -> None:
    first = draw(db, program.ana, control="CC7.2-LOG", start=H1[0], end=H1[1], seed="s1")
    again = draw(db, program.ana, control="CC7.2-LOG", start=H1[0], end=H1[1], seed="s1")
    other = draw(db, program.ana, control="CC7.2-LOG", start=H1[0], end=H1[1], seed="s2")
    assert first.population_size == 181 and len(first.selection) == 25  # daily: 25
    assert first.selection == again.selection != other.selection
    assert first.population_sha256 == other.population_sha256


def test_without_a_seed_one_is_made_and_recorded(db: Database, program: Program) -> None:
    a, b = scans(db, program.audrey), scans(db, program.audrey)
    assert len(a.seed) == 16 and a.seed != b.seed
    [positions] = draw_positions(a.seed, 6, [2])
    assert [a.details["population"][p].split("\t")[0] for p in positions] == [
        f"occurrence:{i}" for i in a.selection
    ]


def test_skipped_work_stays_in_the_population_and_shows_as_skipped(
    db: Database, program: Program
) -> None:
    sample = scans(db, program.audrey, size=6)
    with db.session() as s:
        detail = get_sample_detail(
            session=s, actor=program.audrey, sample_id=sample.id or 0, now=NOW
        )
    states = {item.what.split()[-1]: (item.state, item.evidence) for item in detail.items}
    assert states["2026-04"] == ("skipped", 0) and states["2026-01"] == ("done", 1)
    assert states["2026-05"] == ("overdue", 0)
    assert sorted(i.day for i in detail.items)[0] == dt.date(2026, 1, 8)


@pytest.mark.parametrize("who", ["raj", "lena"])
def test_members_and_leadership_are_refused_and_nothing_is_recorded(
    db: Database, program: Program, who: str
) -> None:
    before = records(db)
    with pytest.raises(PermissionDenied, match="only auditors and admins"):
        scans(db, getattr(program, who))
    sample = scans(db, program.audrey)
    after = records(db)
    with pytest.raises(PermissionDenied), db.transaction() as s:
        extend_sample(session=s, actor=getattr(program, who), sample_id=sample.id or 0,
                      count=1, now=NOW)  # fmt: skip
    with pytest.raises(PermissionDenied), db.session() as s:
        get_sample_detail(session=s, actor=getattr(program, who), sample_id=sample.id or 0, now=NOW)
    assert after == (before[0] + 1, before[1] + 1) == records(db)


def test_adding_continues_the_seed_is_logged_and_the_same_twice(
    db: Database, program: Program
) -> None:
    grown = []
    for _ in range(2):  # two samples with one seed, each grown the same way
        sample = draw(db, program.audrey, control="CC7.2-LOG", start=H1[0], end=H1[1],
                      size=10, seed="again")  # fmt: skip
        with db.transaction() as s:
            extend_sample(
                session=s, actor=program.audrey, sample_id=sample.id or 0, count=4, now=NOW
            )
        with db.transaction() as s:
            grown.append(
                extend_sample(
                    session=s, actor=program.ana, sample_id=sample.id or 0, count=3, now=NOW
                )
            )
    assert grown[0].selection == grown[1].selection and len(grown[0].selection) == 17
    rounds = draw_positions("again", 181, [10, 4, 3])
    ids = [int(line.split("\t")[0].split(":")[1]) for line in grown[0].details["population"]]
    assert grown[0].selection == [ids[p] for r in rounds for p in r]
    logged = events(db, "sample.extended")
    assert [(e.actor, e.details["round"], len(e.details["added"])) for e in logged[:2]] == [
        ("audrey@audit.test", 1, 4), ("ana@acme.test", 2, 3)
    ]  # fmt: skip
    assert logged[1].details["added"] == grown[0].selection[-3:] and logged[1].details["size"] == 17


def test_adding_beyond_the_population_is_refused(db: Database, program: Program) -> None:
    sample = scans(db, program.audrey, size=5)
    with (
        pytest.raises(InvalidInput, match="1 member\\(s\\) left to draw: add 1 to 1"),
        db.transaction() as s,
    ):
        extend_sample(session=s, actor=program.audrey, sample_id=sample.id or 0, count=2, now=NOW)
    with db.transaction() as s:
        extend_sample(session=s, actor=program.audrey, sample_id=sample.id or 0, count=1, now=NOW)
    with pytest.raises(Conflict, match="whole population"), db.transaction() as s:
        extend_sample(session=s, actor=program.audrey, sample_id=sample.id or 0, count=1, now=NOW)
    with pytest.raises(NotFound, match="no sample 999"), db.transaction() as s:
        extend_sample(session=s, actor=program.audrey, sample_id=999, count=1, now=NOW)


def test_a_campaigns_items_and_its_follow_ups_can_be_sampled(
    db: Database, program: Program
) -> None:
    items = draw(db, program.audrey, campaign_id=program.campaign_id, seed="c")
    assert items.population_kind == "campaign_items" and items.population_size == 30
    assert len(items.selection) == 25 and items.details["rule"].startswith("campaign: 25 to 60")
    follow_ups = draw(db, program.audrey, campaign_id=program.campaign_id, follow_ups=True)
    assert follow_ups.population_kind == "follow_ups" and follow_ups.selection != []
    assert follow_ups.population_size == 3 == len(follow_ups.selection)
    assert follow_ups.details["population"][0].endswith("\tcamp-1\tRemove user-00")
    with db.session() as s:
        detail = get_sample_detail(session=s, actor=program.audrey, sample_id=follow_ups.id or 0,
                                   now=NOW)  # fmt: skip
    assert {i.state for i in detail.items} == {"open"}
    assert detail.items[0].ref.startswith("camp-1 follow-up ")


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ({"control": "CC7.1-VS", "campaign_id": 1}, "not both"),
        ({"control": "CC7.1-VS"}, "needs the window"),
        ({"campaign_id": 1, "start": H1[0]}, "sampled whole"),
        ({"control": "CC7.1-VS", "start": H1[1], "end": H1[0]}, "is after the end date"),
        ({"control": "CC7.1-VS", "start": dt.date(2025, 1, 1), "end": dt.date(2025, 6, 30)},
         "nothing to sample"),
        ({"control": "CC7.1-VS", "start": H1[0], "end": H1[1], "size": 7}, "ask for 1 to 6"),
        ({"control": "CC7.1-VS", "start": H1[0], "end": H1[1], "seed": "two words"}, "seed"),
    ],
)  # fmt: skip
def test_bad_requests_are_told_plainly_and_record_nothing(
    db: Database, program: Program, asked: dict[str, Any], message: str
) -> None:
    before = records(db)
    with pytest.raises(InvalidInput, match=message):
        draw(db, program.audrey, **asked)
    assert records(db) == before


def test_unknown_controls_and_campaigns_are_not_found(db: Database, program: Program) -> None:
    with pytest.raises(NotFound, match="no control 'CC9.9'"):
        draw(db, program.audrey, control="CC9.9", start=H1[0], end=H1[1])
    with pytest.raises(NotFound, match="no campaign camp-42"):
        draw(db, program.audrey, campaign_id=42)
