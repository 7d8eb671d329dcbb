"""Messages about people: who the caller is to soc2bot."""

from __future__ import annotations

from bot.core.messages import Field, Message
from models import ChatIdentity, Person


def whoami_view(person: Person, identities: list[ChatIdentity]) -> Message:
    linked = ", ".join(f"{i.platform}: {i.external_id}" for i in identities) or "none"
    return Message(
        title="Who you are to soc2bot",
        fields=(
            Field("Name", person.name),
            Field("Email", person.email),
            Field("Role", person.role.value),
            Field("Timezone", person.timezone or "program timezone"),
            Field("Linked chat ids", linked),
        ),
    )
