"""The one source of "now" for the domain (overridable in tests) and working-day arithmetic.

Working days follow the State Council's calendar (国务院办公厅 holiday arrangements, through the
maintained `chinese-calendar` package): statutory holidays are days off and make-up working
days (调休, usually a Saturday or Sunday) are working days. The district's own local days off
come from `marketplace.domain.core.workdays`, which plugs them in here (`use_local_days_off`), so
this module needs no database. For a year the package has no data for, the weekdays count
(Monday–Friday) and `has_state_calendar(year)` says so, for the pages that must warn about it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import chinese_calendar

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
_frozen: datetime | None = None


def now() -> datetime:
    return _frozen or datetime.now(timezone.utc)


def today() -> date:
    """The district's calendar day (Asia/Shanghai)."""
    return now().astimezone(LOCAL_TZ).date()


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    global _frozen
    previous, _frozen = _frozen, at
    try:
        yield
    finally:
        _frozen = previous


LocalDaysOff = Callable[[], Collection[date]]


def _no_local_days_off() -> Collection[date]:
    return frozenset()


_local_days_off: LocalDaysOff = _no_local_days_off


def use_local_days_off(source: LocalDaysOff) -> None:
    """Where the district's local days off come from (the app wires the stored ones in)."""
    global _local_days_off
    _local_days_off = source


def has_state_calendar(year: int) -> bool:
    """Whether the State Council's arrangement for `year` is known (the package has its data)."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def is_state_working_day(day: date) -> bool:
    """A working day by the State Council's calendar; Monday–Friday for a year without data."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def is_working_day(day: date) -> bool:
    """A working day for the district: the State Council's calendar less the local days off."""
    return is_state_working_day(day) and day not in _local_days_off()


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (the start itself never counts: a window
    opened on a Friday before 国庆 starts counting on the first working day after it)."""
    days_off = _local_days_off()
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if is_state_working_day(current) and current not in days_off:
            left -= 1
    return current
