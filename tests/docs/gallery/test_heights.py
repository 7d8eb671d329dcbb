"""Messages fit a Teams screen: drawn by the official renderer at 450 px, from the demo world."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.demo.clock import audit_clock
from docs.gallery.build import KINDS
from docs.gallery.pages import for_platforms
from docs.gallery.seeding import build_world
from docs.gallery.teams_render import Rendered, render, unavailable
from docs.gallery.world import NOW

pytestmark = pytest.mark.skipif(unavailable() is not None, reason=str(unavailable()))

# The issue's bar (issue 15): each of these at most this tall, 450 px wide; issue 17's
# policy list and detail as `status` (`status` with expiring evidence: test_heights_expiry).
MAX_HEIGHT = {
    "help": 1000, "status": 1000, "mine": 1000, "review-prompt": 1000, "digest": 900,
    "policies": 1000, "policy": 1000,
}  # fmt: skip


@pytest.fixture(scope="module")
def drawn() -> Iterator[dict[str, Rendered]]:
    makers = {name: make for name, _, make in KINDS}
    with tempfile.TemporaryDirectory() as tmp, audit_clock(NOW):
        world = build_world(Path(tmp))
        entries = [for_platforms(name, name, makers[name](world)) for name in MAX_HEIGHT]
    # The card alone: pictures (the digest's chart) ride after it as attachments.
    yield render({e.name: e.card for e in entries})


@pytest.mark.parametrize("kind", sorted(MAX_HEIGHT))
def test_the_message_fits_one_screen_on_teams(drawn: dict[str, Rendered], kind: str) -> None:
    shown = drawn[kind]
    assert shown.errors == ()
    assert 0 < shown.height <= MAX_HEIGHT[kind], f"{kind} is {shown.height} px tall"
