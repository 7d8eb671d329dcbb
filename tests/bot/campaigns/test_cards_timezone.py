"""The day a policy was accepted is told in the reader's timezone, wherever the card is built."""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.campaigns.cards import get_campaign_card
from bot.campaigns.items import acknowledge_policy, list_my_rounds
from bot.campaigns.messages import campaign_card_view
from bot.core.db import Database
from models import CampaignKind, Person
from tests.bot.campaigns.test_rounds import start_policy
from tests.campaign_support import actor, build_company, item_of

# 23:30 on Monday 2 March in Los Angeles is already Tuesday 3 March in UTC (the program's).
LATE = dt.datetime(2026, 3, 3, 7, 30, tzinfo=dt.UTC)
LA = "America/Los_Angeles"


def test_accepted_on_the_readers_day_on_the_press_the_dm_and_the_ack_list(db: Database) -> None:
    company = build_company(db, size=3)
    campaign_id = start_policy(db).campaign.id or 0
    raj = company.employees[0]
    item_id = item_of(db, campaign_id, raj).id or 0
    with db.transaction() as session:
        person = session.get(Person, raj)
        assert person is not None
        person.timezone = LA
        session.add(person)
    who = dataclasses.replace(actor(db, raj), timezone=LA)
    with db.transaction() as session:
        answer = acknowledge_policy(session=session, actor=who, item_id=item_id, now=LATE)
    assert campaign_card_view(answer.card).title == "✓ Accepted version 1.0 on Mon 02 Mar 2026"
    with db.session() as session:
        card = get_campaign_card(session=session, item_id=item_id)
        [listed] = list_my_rounds(session=session, person_id=raj, kind=CampaignKind.POLICY_ACK)
    assert card.decided_on == listed.decided_on == dt.date(2026, 3, 2)
    utc_reader = dataclasses.replace(who, timezone=None)
    with db.transaction() as session:  # unknown zone: the program's (UTC here)
        again = acknowledge_policy(session=session, actor=utc_reader, item_id=item_id, now=LATE)
    assert again.already and again.card.decided_on == dt.date(2026, 3, 3)
