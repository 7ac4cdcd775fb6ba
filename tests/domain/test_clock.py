"""Working days by the State Council's calendar (statutory holidays, make-up working days 调休)
less the district's local days off."""

from datetime import date, datetime, timezone

import pytest

from marketplace.domain.core import clock, workdays
from marketplace.extensions import db
from marketplace.models import LocalDayOff


@pytest.mark.parametrize(("start", "days", "end"), [
    (date(2026, 11, 26), 5, date(2026, 12, 3)),   # Thursday → next Thursday
    (date(2026, 11, 27), 1, date(2026, 11, 30)),  # Friday → Monday
    (date(2026, 11, 28), 7, date(2026, 12, 8)),   # Saturday start counts from Monday
    (date(2026, 11, 26), 0, date(2026, 11, 26)),
])
def test_working_days(start, days, end):
    assert clock.add_working_days(start, days) == end


@pytest.mark.parametrize(("day", "working"), [
    (date(2026, 10, 1), False),   # 国庆 (a Thursday)
    (date(2026, 10, 7), False),   # the last day of the 国庆 holiday (a Wednesday)
    (date(2026, 10, 8), True),
    (date(2026, 10, 10), True),   # make-up working Saturday (调休)
    (date(2026, 9, 20), True),    # make-up working Sunday before 中秋/国庆
    (date(2026, 10, 11), False),  # an ordinary Sunday
    (date(2026, 2, 14), True),    # make-up working Saturday before 春节
    (date(2026, 2, 16), False),   # 除夕 eve week: 春节 holiday (a Monday)
    (date(2026, 2, 23), False),   # the last day of the 春节 holiday (a Monday)
    (date(2026, 2, 28), True),    # make-up working Saturday after 春节
])
def test_the_state_council_calendar_2026(day, working):
    assert clock.is_working_day(day) is working


def test_a_notice_of_five_working_days_opened_just_before_national_day_2026():
    # 10-01…10-07 off; 10-08 Thu 1, 10-09 Fri 2, 10-10 Sat (调休) 3, 10-12 Mon 4, 10-13 Tue 5
    assert clock.add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)


def test_a_notice_opened_before_the_spring_festival_2026_counts_the_make_up_saturday():
    # 02-13 Fri 1, 02-14 Sat (调休) 2, 02-15…02-23 off, 02-24 3, 02-25 4, 02-26 5
    assert clock.add_working_days(date(2026, 2, 12), 5) == date(2026, 2, 26)
    # …and an appeal window of 10 runs on through the next make-up Saturday (02-28)
    assert clock.add_working_days(date(2026, 2, 12), 10) == date(2026, 3, 4)


def test_local_days_off_are_skipped_while_in_force():
    db.session.add(LocalDayOff(day=date(2026, 10, 9), reason="区庆"))
    db.session.commit()
    workdays.forget()
    assert not clock.is_working_day(date(2026, 10, 9))
    assert clock.add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 14)
    db.session.scalar(db.select(LocalDayOff)).active = False  # cancelled, kept
    db.session.commit()
    workdays.forget()
    assert clock.is_working_day(date(2026, 10, 9))
    assert clock.add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)


def test_a_year_without_the_state_councils_data_counts_weekdays_and_says_so():
    assert clock.has_state_calendar(2026) and not clock.has_state_calendar(2099)
    assert clock.is_working_day(date(2099, 10, 1))  # a Thursday: no holiday known
    assert clock.add_working_days(date(2099, 9, 30), 5) == date(2099, 10, 7)
    with clock.frozen(datetime(2099, 6, 1, 2, tzinfo=timezone.utc)):
        assert workdays.missing_years() == [2099]
    with clock.frozen(datetime(2026, 6, 1, 2, tzinfo=timezone.utc)):
        assert workdays.missing_years() == []
    assert workdays.state_calendar_through() >= 2026
