"""Draw an auditor's sample, add to it, read it: each draw and addition in the audit trail."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlmodel import Session, select

from bot.audit.trail import record_event
from bot.core.actor import Actor
from bot.core.errors import Conflict, InvalidInput, NotFound
from bot.core.permissions import Action, require
from bot.sampling import population as populations
from bot.sampling.draw import DRAW_ALGORITHM, draw_positions, new_seed
from bot.sampling.facts import Population, PopulationKind, SampleDetail, SizeChoice
from bot.sampling.items import describe_items
from bot.sampling.sizes import campaign_size, control_size, given_size
from models import Sample

DRAWN, EXTENDED = "sample.drawn", "sample.extended"
MAX_SIZE = 10_000
# Seeds are typed and read back by people: printable ASCII without spaces, bounded.
_SEED = re.compile(r"[!-~]{1,64}", re.A)


def draw_sample(
    *,
    session: Session,
    actor: Actor,
    now: dt.datetime,
    control: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    campaign_id: int | None = None,
    follow_ups: bool = False,
    size: int | None = None,
    seed: str | None = None,
) -> Sample:
    """Auditor/admin: draw from a control's work due in [start, end] or from a campaign's
    items (its follow-ups with `follow_ups`); record the sample and `sample.drawn`."""
    require(actor, Action.SAMPLE)
    if seed is not None and not _SEED.fullmatch(seed):
        raise InvalidInput("A seed is 1 to 64 letters, digits or signs, without spaces.")
    found = _population(session, control, start, end, campaign_id, follow_ups)
    choice = _size(found, size)
    seed = seed or new_seed()
    [positions] = draw_positions(seed, found.size, [choice.size])
    sample = Sample(
        population_kind=str(found.kind), control_id=found.control_id,
        campaign_id=found.campaign_id, window_start=found.window[0] if found.window else None,
        window_end=found.window[1] if found.window else None, seed=seed,
        population_size=found.size, population_sha256=found.sha256,
        selection=[found.ids[p] for p in positions], created_by=actor.label, created_at=now,
        details={"algorithm": DRAW_ALGORITHM, "label": found.label, "rounds": [choice.size],
                 "frequency": choice.frequency, "rule": choice.rule,
                 "population": list(found.lines)},
    )  # fmt: skip
    session.add(sample)
    session.flush()
    record_event(
        session=session,
        actor=actor,
        action=DRAWN,
        subject_type="sample",
        subject_id=sample.id or 0,
        details={**_described(sample), "size": choice.size, "rule": choice.rule,
                 "selection": list(sample.selection)},
    )  # fmt: skip
    return sample


def _population(
    session: Session,
    control: str | None,
    start: dt.date | None,
    end: dt.date | None,
    campaign_id: int | None,
    follow_ups: bool,
) -> Population:
    if (control is None) == (campaign_id is None):
        raise InvalidInput("Sample either a control's work (with dates) or a campaign, not both.")
    if control is not None:
        if start is None or end is None:
            raise InvalidInput("A control's sample needs the window: a start and an end date.")
        return populations.control_population(
            session=session, control_key=control, start=start, end=end
        )
    if start is not None or end is not None:
        raise InvalidInput("A campaign is sampled whole: leave out the dates.")
    assert campaign_id is not None
    if follow_ups:
        return populations.follow_up_population(session=session, campaign_id=campaign_id)
    return populations.campaign_population(session=session, campaign_id=campaign_id)


def _size(found: Population, size: int | None) -> SizeChoice:
    if size is not None:
        if not 0 < size <= min(found.size, MAX_SIZE):
            raise InvalidInput(
                f"The population has {found.size} member(s): ask for 1 to "
                f"{min(found.size, MAX_SIZE)}."
            )
        return given_size(size, found.size)
    if found.kind is PopulationKind.OCCURRENCES:
        return control_size(found.schedules, found.size)
    return campaign_size(found.size)


def extend_sample(
    *, session: Session, actor: Actor, sample_id: int, count: int, now: dt.datetime
) -> Sample:
    """Auditor/admin: draw `count` more from the members not drawn yet, continuing the
    seed's stream (the same additions give the same members); record `sample.extended`."""
    require(actor, Action.SAMPLE)
    sample = _locked(session, sample_id)
    left = sample.population_size - len(sample.selection)
    if left == 0:
        raise Conflict(f"Sample {sample_id} already holds its whole population.")
    if not 0 < count <= left:
        raise InvalidInput(
            f"Sample {sample_id} has {left} member(s) left to draw: add 1 to {left}."
        )
    rounds = [*sample.details.get("rounds", [len(sample.selection)]), count]
    ids = populations.recorded_ids(sample.details.get("population", []))
    drawn = draw_positions(sample.seed, sample.population_size, rounds)
    if len(ids) != sample.population_size or [ids[p] for r in drawn[:-1] for p in r] != list(
        sample.selection
    ):
        raise Conflict(f"Sample {sample_id}'s record does not redraw as stored; nothing added.")
    added = [ids[p] for p in drawn[-1]]
    sample.selection = [*sample.selection, *added]  # a new list: JSON columns see only those
    sample.details = {**sample.details, "rounds": rounds}
    session.add(sample)
    session.flush()
    record_event(
        session=session,
        actor=actor,
        action=EXTENDED,
        subject_type="sample",
        subject_id=sample_id,
        details={**_described(sample), "round": len(rounds) - 1, "added": added,
                 "size": len(sample.selection)},
    )  # fmt: skip
    return sample


def get_sample(*, session: Session, actor: Actor, sample_id: int) -> Sample:
    """Auditor/admin: the sample as recorded."""
    require(actor, Action.SAMPLE)
    sample = session.get(Sample, sample_id)
    if sample is None:
        raise NotFound(f"There is no sample {sample_id}.")
    return sample


def get_sample_detail(
    *, session: Session, actor: Actor, sample_id: int, now: dt.datetime
) -> SampleDetail:
    """Auditor/admin: the sample with each drawn member's state now and its evidence."""
    sample = get_sample(session=session, actor=actor, sample_id=sample_id)
    return detail_of(session, sample, now)


def detail_of(
    session: Session, sample: Sample, now: dt.datetime, *, added: int = 0
) -> SampleDetail:
    """A recorded sample as shown (no permission check: the caller made it or checked it)."""
    rounds = sample.details.get("rounds", [len(sample.selection)])
    drawn_in = [n for n, count in enumerate(rounds) for _ in range(count)]
    items = describe_items(
        session=session, kind=PopulationKind(sample.population_kind),
        ids=sample.selection, rounds=drawn_in, now=now,
    )  # fmt: skip
    return SampleDetail(
        sample_id=sample.id or 0, label=str(sample.details.get("label", "")), seed=sample.seed,
        population_size=sample.population_size, population_sha256=sample.population_sha256,
        rule=str(sample.details.get("rule", "")), drawn_by=sample.created_by,
        drawn_at=sample.created_at, items=tuple(items), added=added,
    )  # fmt: skip


def _locked(session: Session, sample_id: int) -> Sample:
    """The sample row, locked: two additions at once queue instead of drawing alike."""
    sample = session.exec(select(Sample).where(Sample.id == sample_id).with_for_update()).first()
    if sample is None:
        raise NotFound(f"There is no sample {sample_id}.")
    return sample


def _described(sample: Sample) -> dict[str, Any]:
    """What every sample event repeats: what the draw was from, and how."""
    return {
        "seed": sample.seed,
        "algorithm": sample.details.get("algorithm", DRAW_ALGORITHM),
        "population": {
            "kind": sample.population_kind,
            "label": sample.details.get("label"),
            "size": sample.population_size,
            "sha256": sample.population_sha256,
            "window": [str(sample.window_start), str(sample.window_end)]
            if sample.window_start
            else None,
        },
    }
