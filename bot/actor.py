"""Who is acting: a person on a platform, or the CLI/scheduler."""

from __future__ import annotations

from dataclasses import dataclass

from models import Person, Platform, Role


@dataclass(frozen=True)
class Actor:
    """The caller of a service; `label` is what the audit trail shows (email or system name)."""

    label: str
    role: Role
    person_id: int | None = None
    platform: Platform = Platform.CLI
    platform_id: str | None = None

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
        )
