"""Bring a database to a usable state: migrate, load the catalog, generate occurrences."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import col, or_, select

from bot.catalog.overdue import OverdueWorkRefused, forecast_overdue
from bot.catalog.policy_versions import DocumentStore, PolicyDocuments, register_policy_versions
from bot.catalog.schema import CatalogSpec
from bot.catalog.sync import SyncReport, sync_catalog
from bot.catalog.validate import validate_catalog_text
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.settings import Settings
from bot.work.occurrences import (
    add_planned_occurrences,
    materialize_occurrences,
    plan_occurrences,
)
from models import Control, Person, Program, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    catalog: str
    sync: SyncReport
    occurrences_created: int
    placeholders: list[str]


def starter_catalog_text() -> str:
    """The bundled SOC 2 starter catalog."""
    return resources.files("bot.catalog").joinpath("starter.yaml").read_text("utf-8")


def read_catalog(path: Path | None) -> tuple[str, str]:
    """(label, text) of the configured catalog, or of the starter catalog."""
    if path is None:
        return "bundled SOC 2 starter catalog", starter_catalog_text()
    return str(path), path.read_text("utf-8")


def known_emails(db: Database) -> list[str]:
    with db.session() as session:
        return list(session.exec(select(Person.email)).all())


def apply_catalog(
    db: Database,
    spec: CatalogSpec,
    *,
    actor: Actor,
    now: dt.datetime,
    horizon_days: int,
    start_today: bool = False,
    accept_overdue: bool = False,
    store: DocumentStore | None = None,
    base_dir: Path | None = None,
) -> tuple[SyncReport, int]:
    """Sync the catalog and generate occurrences, in one transaction.

    Work that would be overdue the moment it exists stops the sync (`OverdueWorkRefused`,
    nothing written) unless `accept_overdue`; `start_today` plans every task that would get
    past periods from the program's today instead. A policy's `file` document is read from
    `base_dir` (the catalog file's folder) and kept in `store`.
    """
    with db.transaction() as session:
        today = now.astimezone(dt.UTC).date()
        start_on = now.astimezone(ZoneInfo(spec.program.timezone)).date() if start_today else None
        report = sync_catalog(
            session=session, spec=spec, actor=actor, today=today, start_on=start_on
        )
        register_policy_versions(
            session=session, actor=actor, specs=spec.policies,
            documents=PolicyDocuments(base_dir, store), changes=report.changes,
        )  # fmt: skip
        plan = plan_occurrences(session=session, now=now, horizon_days=horizon_days)
        forecast = forecast_overdue(session=session, planned=plan.occurrences, now=now)
        if forecast.total and not accept_overdue:
            raise OverdueWorkRefused(forecast)  # leaving the transaction rolls it all back
        report.overdue = forecast.total
        created = add_planned_occurrences(session=session, actor=actor, plan=plan)
    return report, created


def prepare(
    settings: Settings,
    db: Database,
    *,
    now: dt.datetime | None = None,
    store: DocumentStore | None = None,
) -> Prepared:
    """What `serve` does first: migrate, load the catalog, fill the occurrence horizon
    (policies' `file` documents are kept in `store`)."""
    now = now or utcnow()
    db.upgrade()
    if settings.catalog is None and has_program(db):
        # Without SOC2BOT_CATALOG the database's catalog stands (edited by `catalog sync`).
        with db.transaction() as session:
            created = materialize_occurrences(
                session=session, actor=Actor.cli(), now=now, horizon_days=settings.horizon_days
            )
        return Prepared("catalog in the database", SyncReport(), created, placeholder_people(db))
    label, text = read_catalog(settings.catalog)
    spec = validate_catalog_text(text, known_emails=known_emails(db))
    # The file is applied at every start, unattended: nobody could answer a warning here.
    report, created = apply_catalog(
        db, spec, actor=Actor.cli(), now=now, horizon_days=settings.horizon_days,
        accept_overdue=True, store=store,
        base_dir=settings.catalog.parent if settings.catalog is not None else None,
    )  # fmt: skip
    if report.overdue:
        log.warning(
            "the catalog created %d occurrence(s) already overdue; their owners get reminders",
            report.overdue,
        )
    return Prepared(label, report, created, placeholder_people(db))


def has_program(db: Database) -> bool:
    with db.session() as session:
        return session.get(Program, 1) is not None


def placeholder_people(db: Database) -> list[str]:
    """Emails of catalog people marked as placeholders that still own something."""
    owns = (
        select(Control.id)
        .where(col(Control.retired_at).is_(None))
        .where(or_(Control.owner_id == Person.id, Control.backup_owner_id == Person.id))
        .exists()
    )
    query = select(Person.email).where(col(Person.placeholder), owns)
    with db.session() as session:
        return sorted(session.exec(query).all())
