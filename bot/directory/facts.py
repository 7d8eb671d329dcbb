"""What the directory domain knows: listed entries, work held by leavers, what a sync changed."""

from __future__ import annotations

from dataclasses import dataclass, field

from models import Platform


@dataclass(frozen=True)
class DirectoryEntry:
    """One person as a directory lists them; `None` means "the directory does not say"."""

    email: str | None
    name: str | None = None
    active: bool = True
    timezone: str | None = None
    platform: Platform | None = None
    external_id: str | None = None
    manager_email: str | None = None
    title: str | None = None
    department: str | None = None


@dataclass(frozen=True)
class OwnedControl:
    key: str
    title: str
    relation: str  # "owner" or "backup owner"


@dataclass(frozen=True)
class OwnedTask:
    key: str
    title: str
    control_key: str


@dataclass
class OwnedWork:
    """What one person holds that someone else must take over."""

    person_id: int
    email: str
    name: str
    controls: list[OwnedControl] = field(default_factory=list)
    tasks: list[OwnedTask] = field(default_factory=list)
    pending: int = 0  # pending occurrences assigned to them

    @property
    def empty(self) -> bool:
        return not (self.controls or self.tasks or self.pending)


@dataclass
class DirectorySyncReport:
    """What a sync changed, by email, and what admins must act on."""

    source: str
    entries: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    reactivated: list[str] = field(default_factory=list)
    linked: list[str] = field(default_factory=list)
    not_in_directory: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    to_reassign: list[OwnedWork] = field(default_factory=list)
    # Ids of the people who became inactive in this sync: campaigns drop them.
    people_deactivated: list[int] = field(default_factory=list)
    alerts_queued: int = 0

    @property
    def changes(self) -> int:
        made = (self.created, self.updated, self.deactivated, self.reactivated, self.linked)
        return sum(len(names) for names in made)
