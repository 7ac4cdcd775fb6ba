"""Demo red/black lists: 2026Q3 published (with an appeal upheld), the current quarter published
(an exemplary proposal; a black-listed organization blocked from bidding)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import select

from marketplace.domain.core import clock
from marketplace.domain.credit import lists
from marketplace.extensions import db
from marketplace.models import ListEntry, ListPeriod, User


def _quarter(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def scenario(start) -> Iterator[float]:
    if db.session.scalar(select(ListPeriod.id).limit(1)) is not None:
        return
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    local = start.astimezone(clock.LOCAL_TZ)
    today = local.date()  # the district's day, not UTC's (the demo is built at any hour)
    this_quarter = _quarter(today)
    previous_end = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    previous = _quarter(date.fromordinal(previous_end.toordinal() - 1))
    days_into_quarter = (today - previous_end).days  # (demo.delivery times the failed evaluation by it)
    yield days_into_quarter - 4  # a few days into the quarter, the previous one is computed and published
    period = lists.compute(admin, previous)
    lists.publish(admin, period)
    yield days_into_quarter - 6
    exited = db.session.scalar(select(ListEntry).where(ListEntry.period_id == period.id, ListEntry.reason == "exit"))
    if exited is not None:
        member = db.session.scalar(select(User).where(User.organization_id == exited.organization_id))
        appeal = lists.appeal(member, exited, "服务中断系因服务场地被纳入旧改封闭施工，已提交街道出具的情况说明。",
                              "街道办事处情况说明（2026年9月）")
        yield days_into_quarter - 9
        lists.decide_appeal(admin, appeal, True, "经核实，服务中断由场地封闭施工导致，非组织过错，申诉成立，移出黑榜。")
    # shortly before now, on the same local day (half-way back to midnight at most)
    since_midnight = (local - local.replace(hour=0, minute=0, second=0, microsecond=0)).total_seconds() / 86400
    yield min(0.2, since_midnight / 2)
    current = lists.compute(admin, this_quarter)
    lists.publish(admin, current)
    assert clock.today() == today
