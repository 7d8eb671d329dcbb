"""Default sample sizes by a control's frequency, and by population for busy controls."""

from __future__ import annotations

import pytest

from bot.sampling.sizes import (
    campaign_size,
    control_size,
    frequency_of,
    operations_per_year,
    scaled_size,
)


@pytest.mark.parametrize(
    ("schedules", "frequency", "size"),
    [
        (["annual"], "annual", 1),
        (["semiannual"], "semiannual", 1),
        (["quarterly"], "quarterly", 2),
        (["monthly"], "monthly", 2),
        (["monthly", "quarterly"], "monthly", 2),  # 16 a year: nearer monthly than weekly
        (["biweekly"], "weekly", 5),
        (["weekly"], "weekly", 5),
        (["FREQ=WEEKLY;BYDAY=MO,TH"], "weekly", 5),  # twice a week
        (["daily"], "daily", 25),
        (["FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR"], "daily", 25),  # working days
    ],
)
def test_the_default_follows_the_controls_frequency(
    schedules: list[str], frequency: str, size: int
) -> None:
    choice = control_size(schedules, population=10_000)
    assert (choice.frequency, choice.size) == (frequency, size)
    assert choice.rule == f"{frequency} control: {size}"


def test_several_tasks_a_day_scale_from_25_to_60_with_the_population() -> None:
    assert operations_per_year(["daily", "daily"]) == 730
    assert frequency_of(730) == "several a day"
    sizes = {n: control_size(["daily", "daily"], n).size for n in (60, 250, 251, 625, 1000, 9000)}
    assert sizes == {60: 25, 250: 25, 251: 26, 625: 43, 1000: 60, 9000: 60}
    assert (
        control_size(["daily"] * 3, 625).rule == "several a day: 25 to 60 by population, 43 for 625"
    )


def test_never_more_than_the_population() -> None:
    choice = control_size(["daily"], population=12)
    assert choice.size == 12 and choice.rule.endswith("the whole population of 12")
    assert control_size(["quarterly"], population=1).size == 1


def test_a_campaign_draws_25_to_60_by_its_size_never_more_than_it_has() -> None:
    assert [campaign_size(n).size for n in (8, 25, 250, 1000, 50_000)] == [8, 25, 25, 60, 60]
    assert campaign_size(40).frequency is None
    assert scaled_size(400) == 32
