"""`status` and the digest with evidence expiring and expired still fit one Teams screen."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import col

from bot.demo.clock import audit_clock
from bot.evidence.expiry import set_evidence_expiry
from docs.gallery.pages import for_platforms
from docs.gallery.seeding import build_world
from docs.gallery.teams_render import render, unavailable
from docs.gallery.world import ADMIN, LEADER, NOW
from models import Evidence, Occurrence
from tests.docs.gallery.test_heights import MAX_HEIGHT

pytestmark = pytest.mark.skipif(unavailable() is not None, reason=str(unavailable()))


def test_status_and_digest_with_expiring_evidence_fit_one_screen_on_teams() -> None:
    with tempfile.TemporaryDirectory() as tmp, audit_clock(NOW):
        world = build_world(Path(tmp))
        with world.db.transaction() as s:
            # Each task's latest evidence: the one `status` lists when it expires.
            latest = (
                sa.select(sa.func.max(col(Evidence.id)))
                .join(Occurrence, col(Occurrence.id) == Evidence.occurrence_id)
                .group_by(col(Occurrence.task_id))
            )
            ids = sorted(s.execute(latest).scalars())[:5]
            today = NOW.date()
            for n, evidence_id in enumerate(ids):
                day = today + dt.timedelta(days=(-3 if n == 4 else 4 * n + 2))
                set_evidence_expiry(session=s, actor=world.actor(ADMIN), evidence_id=evidence_id,
                                    expires_on=day, now=NOW)  # fmt: skip
        entries = {
            name: for_platforms(name, name, world.command(name, who)).card
            for name, who in (("status", ADMIN), ("digest", LEADER))
        }
    assert "4 expiring in 30 days" in str(entries["status"]) and "1 expired" in str(entries)
    assert "4 expiring in 30 days · 1 expired" in str(entries["digest"])
    for name, drawn in render(entries).items():
        assert drawn.errors == ()
        assert 0 < drawn.height <= MAX_HEIGHT[name], f"{name} is {drawn.height} px tall"
