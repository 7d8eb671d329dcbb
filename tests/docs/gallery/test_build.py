"""The gallery's table of message kinds (docs/gallery/build.py)."""

from __future__ import annotations

import re

from docs.gallery.build import KINDS


def test_every_kind_has_its_own_name_usable_as_a_file_name_and_an_anchor() -> None:
    names = [name for name, _, _ in KINDS]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name) for name in names)
