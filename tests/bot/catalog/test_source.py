"""Reading catalog YAML with line numbers: places named by id and line, keys given twice."""

from __future__ import annotations

import time

from bot.catalog.source import read_catalog_source

TEXT = """\
program:
  name: Acme
people:
  - {email: raj@acme.test, name: Raj}
controls:
  - id: CC6.1-AR
    owner: raj@acme.test
    tasks:
      - id: access-review
        due: 2 weeks
"""


def test_a_place_is_named_by_control_task_field_and_line() -> None:
    source = read_catalog_source(TEXT)
    loc = ("controls", 0, "tasks", 0, "due")
    assert source.describe(loc) == (
        "controls[0].tasks[0].due (control CC6.1-AR, task access-review, line 10)"
    )
    assert source.describe(("people", 0, "manager")) == (
        "people[0].manager (person raj@acme.test, line 4)"
    )
    assert source.describe(("program", "reminders", "before", 1)) == (
        "program.reminders.before[1] (line 1)"  # missing: its nearest parent's line
    )
    assert source.describe(("polices",)) == "polices (line 1)"
    assert source.describe(()) == "catalog (line 1)"


def test_keys_given_twice_are_recorded_with_both_lines_and_the_later_one_wins() -> None:
    source = read_catalog_source(TEXT.replace("    owner:", "    owner: ana@acme.test\n    owner:"))
    [duplicate] = source.duplicates
    assert (duplicate.loc, duplicate.key) == (("controls", 0, "owner"), "owner")
    assert (duplicate.first_line, duplicate.second_line) == (7, 8)
    assert source.data["controls"][0]["owner"] == "raj@acme.test"
    assert source.line_of(("controls", 0, "owner")) == 8


def test_nested_aliases_are_indexed_once_not_once_per_path() -> None:
    # Ten levels of ten aliases: 10**10 paths if every alias were followed.
    lines = ["a0: &a0 [x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    started = time.perf_counter()
    source = read_catalog_source("\n".join(lines) + "\n")
    elapsed = time.perf_counter() - started
    line, duplicates = source.line_of(("a9", 0)), len(source.duplicates)
    del source  # a failing assert must not print 10**10 shared lists
    assert elapsed < 2
    assert (line, duplicates) == (9, 0)  # an alias is placed where its anchor is (a8, line 9)
