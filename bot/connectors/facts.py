"""What a source returns: accounts with their rights, and why a pull failed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

FailureKind = Literal[
    "missing_setting",  # a credential or required setting is not configured
    "unauthorized",  # 401: the credentials are wrong or expired
    "forbidden",  # 403: the credentials lack a permission the pull needs
    "not_found",  # 404: the org, tenant, group or app does not exist (or is hidden)
    "timeout",  # the system did not answer in time
    "unreachable",  # connection refused, DNS, TLS
    "rate_limited",  # still throttled after waiting as long as we are willing to
    "bad_response",  # the system answered something we cannot read
]


@dataclass(frozen=True)
class Account:
    """One account in a system, as the source reported it.

    `id` is the system's stable id (GitHub user id, Okta user id, IAM ARN…): a later pull
    finds the same account by it even after a rename. `privileges` lists what makes the
    account privileged there ("owner", "admin", "superuser"…), empty for an ordinary one.
    `mfa` and `last_active` are None when the system does not say.
    """

    id: str
    name: str
    email: str | None = None
    privileges: tuple[str, ...] = ()
    mfa: bool | None = None
    last_active: dt.datetime | None = None
    active: bool = True  # False: suspended, deprovisioned or deactivated in the system
    kind: str = "user"  # member, outside_collaborator, guest, role, access_key, database_role…
    attributes: dict[str, str] = field(default_factory=dict)  # shown to the reviewer as is


class SourceError(Exception):
    """A pull that failed as a whole: never a partial population.

    The message is written for the control's owner and never contains a secret.
    """

    def __init__(self, system: str, reason: str, *, kind: FailureKind) -> None:
        super().__init__(f"{system}: {reason}")
        self.system, self.reason, self.kind = system, reason, kind


@dataclass(frozen=True)
class Population:
    """A complete pull: every account of one source, and when and where it was taken."""

    source_type: str
    label: str  # "GitHub organization acme"
    pulled_at: dt.datetime
    accounts: tuple[Account, ...]
