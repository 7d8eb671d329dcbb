"""The program's calendar: the program itself, today in its timezone, and timezones by name."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from bot.core.errors import NotFound
from models import Program


def get_program_or_raise(*, session: Session) -> Program:
    """The program; raise when no catalog was ever loaded."""
    program = session.get(Program, 1)
    if program is None:
        raise NotFound("No program yet: load a catalog with `soc2bot catalog sync FILE`.")
    return program


def program_today(program: Program, now: dt.datetime) -> dt.date:
    """Today's date in the program's timezone."""
    return now.astimezone(ZoneInfo(program.timezone)).date()


def program_zone(*, session: Session) -> ZoneInfo:
    """The program's timezone, in which every date people see is told; UTC before a catalog."""
    program = session.get(Program, 1)
    return zone(program.timezone) if program else ZoneInfo("UTC")


def local_day(instant: dt.datetime, tz: dt.tzinfo) -> dt.date:
    """The date an instant falls on in `tz`: a UTC instant's own date can be a day off."""
    return instant.astimezone(tz).date()


def zone(name: str) -> ZoneInfo:
    """The named timezone, or UTC for a name this system does not know."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
