"""The district's working-day calendar: the State Council's arrangement (in `clock`, from the
`chinese-calendar` package) less the local days off the district administrator records here.
Every window counted in working days (公示, challenge and appeal windows) goes through
`clock.add_working_days`, which reads the local days off through `install()`'s hook."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

import chinese_calendar

from marketplace.domain.core import clock
from marketplace.domain.core.errors import ValidationError
from marketplace.extensions import db
from marketplace.models import LocalDayOff

# Windows opened today end within this many calendar days (10 working days across 春节 stay
# well inside it): the years it reaches must have the State Council's data.
HORIZON_DAYS = 60


def local_days_off() -> frozenset[date]:
    """The active local days off, read once per app context (a request, a CLI command, a job)."""
    if not has_app_context():
        return frozenset()
    if "local_days_off" not in g:
        g.local_days_off = frozenset(db.session.scalars(
            select(LocalDayOff.day).where(LocalDayOff.active.is_(True))))
    return g.local_days_off


def forget() -> None:
    """Drop the cached days off after a change, so the same request counts with the new ones."""
    if has_app_context():
        g.pop("local_days_off", None)


def install() -> None:
    """Plug the stored local days off into the clock (called by the app factory)."""
    clock.use_local_days_off(local_days_off)


def check(day_off: LocalDayOff) -> None:
    """Refuse a day off without a reason or recorded twice (the console's save calls this)."""
    if day_off.day is None:
        raise ValidationError(_l("Give the date of the day off."), field="day")
    if not (day_off.reason or "").strip():
        raise ValidationError(_l("Give the reason for the day off."), field="reason")
    day_off.reason = day_off.reason.strip()
    with db.session.no_autoflush:  # the console has already added the new row to the session
        twin = db.session.scalar(select(LocalDayOff.id).where(LocalDayOff.day == day_off.day,
                                                              LocalDayOff.id != (day_off.id or 0)))
    if twin is not None:
        raise ValidationError(_l("%(day)s is already recorded as a local day off.",
                                 day=day_off.day.isoformat()), field="day")


def state_calendar_through() -> int:
    """The last year whose State Council arrangement the installed package knows."""
    return max(chinese_calendar.holidays).year


def missing_years(horizon_days: int = HORIZON_DAYS) -> list[int]:
    """Years that windows opened now may reach and that have no State Council data: there the
    clock counts Monday–Friday only, and the rules page and the console say so."""
    first = clock.today()
    last = first + timedelta(days=horizon_days)
    return [year for year in range(first.year, last.year + 1) if not clock.has_state_calendar(year)]


@dataclass(frozen=True)
class CalendarSummary:
    through: int
    missing: list[int]
    days_off: list[LocalDayOff]


def summary() -> CalendarSummary:
    """For the public rules page and the console: coverage, gaps and this year's local days off."""
    since = date(clock.today().year, 1, 1)
    days_off = list(db.session.scalars(select(LocalDayOff).where(
        LocalDayOff.active.is_(True), LocalDayOff.day >= since).order_by(LocalDayOff.day)))
    return CalendarSummary(state_calendar_through(), missing_years(), days_off)


def gap_message(missing: list[int]) -> Any:
    return _l("The State Council's holiday arrangement for %(years)s is not in the platform's "
              "calendar yet: there, working days are counted Monday to Friday only, without "
              "statutory holidays or make-up working days (调休). Update the chinese-calendar "
              "package, or record the holidays as local days off.",
              years="、".join(str(y) for y in missing))
