"""Reminders before deadlines (flask deadlines tick): once per person and deadline, in-app and by mail."""

from datetime import datetime, time, timedelta

from flask import g

from marketplace.domain import deadlines, reminders
from marketplace.domain.core import clock, notify
from marketplace.domain.deliver import delivery
from marketplace.domain.tender import bids
from marketplace.extensions import db
from marketplace.models import Notification, Setting
from tests.domain.test_delivery import planned
from tests.factories import bid_data, bidder, published_project


def _mine(user, kind):
    return db.session.scalars(db.select(Notification).where(Notification.user_id == user.id,
                                                            Notification.kind == kind)).all()


def _at(day):
    return datetime.combine(day, time(9), clock.LOCAL_TZ)


def test_a_draft_intent_letter_is_reminded_once_three_days_before_the_deadline():
    project, officer = published_project()
    user = bidder()
    bids.save(user, project, bid_data())
    deadline_day = project.bid_deadline.astimezone(clock.LOCAL_TZ).date()
    assert reminders.send_due() == 0  # ten days ahead: not yet
    with clock.frozen(_at(deadline_day - timedelta(days=3))):
        assert deadlines.tick()["reminders"] == 1
        assert deadlines.tick()["reminders"] == 0  # once
    [sent] = _mine(user, "reminder.bid_deadline")
    assert sent.link == f"/projects/{project.code}/bid"
    text = notify.render(sent.kind, sent.params)
    assert project.code in text and deadline_day.isoformat() in text and "草稿" in text


def test_the_district_sets_how_many_days_before():
    project, officer = published_project()
    user = bidder()
    bids.save(user, project, bid_data())
    db.session.add(Setting(key="due.remind_days", value=10))
    db.session.flush()
    g.pop("rule_overrides", None)  # rules are read once per request
    assert reminders.send_due() == 1


def test_a_submitted_letter_or_a_passed_deadline_is_not_reminded():
    project, officer = published_project()
    user = bidder()
    bids.submit(user, bids.save(user, project, bid_data()))
    with clock.frozen(project.bid_deadline - timedelta(days=1)):
        assert reminders.send_due() == 0


def test_a_milestone_falling_due_is_reminded_to_the_delivering_organization():
    project, officer, winner, secretary = planned()
    first = delivery.milestones(project)[0]
    with clock.frozen(_at(first.due_on - timedelta(days=2))):
        assert reminders.send_due() == 1
        assert reminders.send_due() == 0
    [sent] = _mine(winner, "reminder.milestone")
    assert first.output in notify.render(sent.kind, sent.params)


def test_a_black_listed_organization_is_reminded_once_before_its_appeal_window_closes():
    from datetime import date
    from decimal import Decimal

    from marketplace.domain.credit import ledger, lists
    from marketplace.models import CreditEvent, Role
    from tests.factories import bare_project, make_user

    admin = make_user(Role.admin)
    listed, appealing = bidder(), bidder()
    for member in (listed, appealing):
        db.session.add(CreditEvent(organization_id=member.organization_id, kind=ledger.EVALUATION,
                                   points=Decimal(45), reason="不合格", occurred_on=date(2026, 10, 20),
                                   project_id=bare_project()))
    db.session.flush()
    period = lists.compute(admin, "2026Q4")
    lists.publish(admin, period)
    entry = db.session.scalar(db.select(lists.ListEntry).where(
        lists.ListEntry.organization_id == appealing.organization_id))
    lists.appeal(appealing, entry, "评分表录入错误，附原始评分表。")
    db.session.flush()
    closes = period.appeal_until
    assert closes > clock.today() + timedelta(days=3)  # ten working days: too early to remind
    reminders.send_due()
    assert not _mine(listed, "reminder.appeal")
    with clock.frozen(_at(closes - timedelta(days=2))):
        reminders.send_due()
        reminders.send_due()
    [sent] = _mine(listed, "reminder.appeal")
    text = notify.render(sent.kind, sent.params)
    assert "2026Q4" in text and closes.isoformat() in text and "黑榜" in text
    assert sent.link == "/my/credit#list-2026Q4"
    assert not _mine(appealing, "reminder.appeal")  # already appealed
    with clock.frozen(_at(closes + timedelta(days=1))):
        before = len(_mine(listed, "reminder.appeal"))
        reminders.send_due()
        assert len(_mine(listed, "reminder.appeal")) == before  # the window has closed: nothing more
