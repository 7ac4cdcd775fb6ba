from datetime import date

import pytest

from marketplace.domain.core import clock


@pytest.mark.parametrize(("start", "days", "end"), [
    (date(2026, 11, 26), 5, date(2026, 12, 3)),   # Thursday → next Thursday
    (date(2026, 11, 27), 1, date(2026, 11, 30)),  # Friday → Monday
    (date(2026, 11, 28), 7, date(2026, 12, 8)),   # Saturday start counts from Monday
    (date(2026, 11, 26), 0, date(2026, 11, 26)),
])
def test_working_days(start, days, end):
    assert clock.add_working_days(start, days) == end


def test_public_holidays_are_skipped():
    assert clock.add_working_days(date(2026, 9, 30), 1, frozenset({date(2026, 10, 1), date(2026, 10, 2)})) == \
        date(2026, 10, 5)
