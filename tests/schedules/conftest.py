"""Fixtures of the sender tests: a fake Slack that knows the compliance channel, a fake clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.handlers.slack.fake_slack import FakeSlack
from tests.outbox_support import T0, FakeClock
from tests.schedules.sender_support import SOC2, TOKEN


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(token=TOKEN) as fake:
        fake.add_channel("soc2", channel_id=SOC2)
        yield fake


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)
