"""Who is acting: a person on a platform, or the CLI/scheduler."""

from __future__ import annotations

from dataclasses import dataclass

from models import Person, Platform, Role


@dataclass(frozen=True)
class ChatAccount:
    """A chat account as its platform describes it, with the adapter's verdict on where it is from.

    `home` is true only for an account of the home Slack workspace (or Grid organisation) or of
    an allowed Teams tenant; `guest` for guests and Slack Connect (external) people. The core
    links and serves only home, non-guest accounts (spec §7, Identity and trust).
    """

    platform: Platform
    external_id: str
    email: str | None
    home: bool
    guest: bool = False
    name: str | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class Actor:
    """The caller of a service; `label` is what the audit trail shows (email or system name)."""

    label: str
    role: Role
    person_id: int | None = None
    platform: Platform = Platform.CLI
    platform_id: str | None = None
    timezone: str | None = None  # the reader's IANA zone, when their platform told us

    @classmethod
    def cli(cls) -> Actor:
        """Someone at the server's command line: trusted like an admin."""
        return cls(label="cli", role=Role.ADMIN)

    @classmethod
    def scheduler(cls) -> Actor:
        return cls(label="scheduler", role=Role.ADMIN, platform=Platform.SCHEDULER)

    @classmethod
    def for_person(
        cls, person: Person, *, platform: Platform = Platform.CLI, platform_id: str | None = None
    ) -> Actor:
        return cls(
            label=person.email,
            role=person.role,
            person_id=person.id,
            platform=platform,
            platform_id=platform_id,
            timezone=person.timezone,
        )
