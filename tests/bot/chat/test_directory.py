"""Team rosters read through chat: which team channels the bot may read, by stored reference."""

from __future__ import annotations

import pytest

from bot.chat.directory import channel_id, known_team_channels, team_channels
from bot.core.db import Database
from bot.core.errors import InvalidInput
from bot.outbox.conversations import save_reference

CHANNEL, OTHER = "19:general@thread.tacv2", "19:ops@thread.tacv2"


def _remember(db: Database, key: str, platform: str = "teams") -> None:
    with db.transaction() as s:
        save_reference(session=s, platform=platform, key=key, reference={"conversation": key})


def test_a_channel_id_drops_the_key_prefix_and_the_thread() -> None:
    assert channel_id(f"teams:conv:{CHANNEL};messageid=17") == CHANNEL
    assert channel_id(CHANNEL) == CHANNEL


def test_threads_of_one_channel_count_once_and_other_keys_not_at_all(db: Database) -> None:
    _remember(db, f"teams:conv:{CHANNEL};messageid=1")
    _remember(db, f"teams:conv:{CHANNEL};messageid=2")
    _remember(db, f"teams:conv:{OTHER}")
    _remember(db, "teams:user:aad-ana")  # a person's chat: no roster
    _remember(db, "slack:conv:C1", platform="slack")
    assert list(known_team_channels(db)) == [CHANNEL, OTHER]
    assert list(team_channels(db, ())) == [CHANNEL, OTHER]  # none named: every known one
    assert list(team_channels(db, [f"teams:conv:{OTHER}"])) == [OTHER]


def test_no_known_team_or_an_unknown_one_is_a_friendly_error(db: Database) -> None:
    with pytest.raises(InvalidInput, match="knows no Teams team yet"):
        team_channels(db, ())
    _remember(db, f"teams:conv:{CHANNEL}")
    with pytest.raises(InvalidInput, match=f"Known team conversations: {CHANNEL}"):
        team_channels(db, [OTHER])
