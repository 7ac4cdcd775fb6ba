"""社区书记点单会: scheduling, the programme, shortlists, orders within capacity and 资源限流, the
organization's answer, and what an accepted order becomes (commissioned or a draft project)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from werkzeug.exceptions import Forbidden

from marketplace.domain.core import audit, clock, rules
from marketplace.domain.core.errors import InvalidTransition, ValidationError
from marketplace.domain.deliver import delivery
from marketplace.domain.supply import catalogue, ordering
from marketplace.domain.tender import projects
from marketplace.extensions import db
from marketplace.models import (
    AwardStatus,
    Bid,
    BidStatus,
    Contract,
    Grade,
    ListEntry,
    ListKind,
    ListPeriod,
    ListStatus,
    NationalList,
    NationalListEntry,
    NeedStatus,
    Notification,
    OrderOutcome,
    OrderStatus,
    ProjectStatus,
    Role,
)
from marketplace.domain.core.records import current_award
from tests.factories import listed_service, make_community, make_need, make_street, make_user


def meeting_setup(capacity=10, monthly=40, price="120", street_officer=None, org_user=None):
    """A street's meeting tomorrow, one item presented, the invited community's secretary."""
    street = street_officer.street if street_officer else make_street()
    officer = street_officer or make_user(Role.street, street_id=street.id)
    community = make_community(street=street)
    secretary = make_user(Role.secretary, community_id=community.id)
    org_user = org_user or make_user(Role.organization)
    item = listed_service(org_user=org_user, monthly_capacity=monthly, price=Decimal(price))
    starts = clock.now() + timedelta(days=1)
    meeting = ordering.schedule(officer, {"title": "第三季度社区书记点单会", "starts_at": starts, "place": "区社会组织服务中心",
                                          "community_ids": [community.id]})
    row = ordering.present(officer, meeting, item, starts + timedelta(minutes=30), 10, capacity)
    return meeting, row, officer, secretary, org_user, item


def at_meeting(meeting, hours=1):
    return clock.frozen(meeting.starts_at + timedelta(hours=hours))


def order_data(quantity=5, months=3, budget="1800", **kw):
    return {"quantity": quantity, "months": months, "budget": budget, **kw}


def test_a_street_schedules_for_its_own_communities_only():
    officer = make_user(Role.street)
    other = make_community()
    with pytest.raises(ValidationError):
        ordering.schedule(officer, {"title": "点单会", "starts_at": clock.now() + timedelta(days=2), "place": "街道",
                                    "community_ids": [other.id]})
    with pytest.raises(Forbidden):
        ordering.schedule(make_user(Role.secretary), {})
    with pytest.raises(ValidationError) as err:
        ordering.schedule(officer, {"title": "点单会", "starts_at": clock.now() - timedelta(hours=1), "place": "街道",
                                    "community_ids": [make_community(street=officer.street).id]})
    assert err.value.field == "starts_at"


def test_programme_takes_listed_items_within_capacity_and_the_meeting_day():
    meeting, row, officer, _sec, org_user, item = meeting_setup(monthly=40)
    other = listed_service(org_user=org_user, name="老年助餐", monthly_capacity=20)
    with pytest.raises(ValidationError):  # above the item's monthly capacity
        ordering.present(officer, meeting, other, meeting.starts_at, 10, 21)
    with pytest.raises(ValidationError):  # the day after
        ordering.present(officer, meeting, other, meeting.starts_at + timedelta(days=1), 10, 5)
    with pytest.raises(ValidationError):  # twice
        ordering.present(officer, meeting, item, meeting.starts_at, 10, 5)
    catalogue.pause(org_user, other)
    with pytest.raises(ValidationError):
        ordering.present(officer, meeting, other, meeting.starts_at, 10, 5)
    with pytest.raises(Forbidden):  # another street's officer
        ordering.present(make_user(Role.street), meeting, item, meeting.starts_at, 10, 5)


def test_secretaries_shortlist_before_and_order_at_the_meeting():
    meeting, row, _officer, secretary, org_user, _item = meeting_setup()
    assert ordering.toggle_shortlist(secretary, row) is True
    assert ordering.shortlisted_ids(meeting, secretary.community_id) == {row.id}
    with pytest.raises(InvalidTransition):
        ordering.place(secretary, row, order_data())  # before the meeting
    outsider = make_user(Role.secretary)
    with pytest.raises(Forbidden):
        ordering.toggle_shortlist(outsider, row)
    need = make_need(secretary)
    with at_meeting(meeting):
        order = ordering.place(secretary, row, order_data(need_ids=[need.id]))
    assert order.status is OrderStatus.placed and order.needs == [need]
    assert order.organization_id == org_user.organization_id and order.starts_on == date(2026, 12, 1)
    assert db.session.query(Notification).filter_by(user_id=org_user.id, kind="order.placed").count() == 1
    with clock.frozen(meeting.orders_close_at + timedelta(minutes=1)):
        with pytest.raises(InvalidTransition):
            ordering.place(secretary, row, order_data())
        with pytest.raises(Forbidden):
            ordering.place(outsider, row, order_data())


@pytest.mark.parametrize("data, field", [
    ({"quantity": 0}, "quantity"), ({"quantity": "x"}, "quantity"), ({"months": 13}, "months"),
    ({"budget": "-5"}, "budget"), ({"budget": "abc"}, "budget"), ({"budget": "1.234"}, "budget"),
    ({"note": "坏\x00字"}, "note"),
])
def test_bad_order_input_names_the_field(data, field):
    meeting, row, _officer, secretary, _org, _item = meeting_setup()
    with at_meeting(meeting), pytest.raises(ValidationError) as err:
        ordering.place(secretary, row, {**order_data(), **data})
    assert err.value.field == field


def test_orders_never_exceed_the_meeting_capacity_nor_the_monthly_capacity():
    meeting, row, officer, secretary, org_user, item = meeting_setup(capacity=10, monthly=12)
    with at_meeting(meeting):
        ordering.place(secretary, row, order_data(quantity=6))
        with pytest.raises(InvalidTransition, match="4"):
            ordering.place(secretary, row, order_data(quantity=5))
        ordering.place(secretary, row, order_data(quantity=4))
    # another meeting offers the same item: its own capacity, but the item's month is nearly full
    later = ordering.schedule(officer, {"title": "第二场", "starts_at": meeting.starts_at + timedelta(days=2),
                                        "place": "街道", "community_ids": [secretary.community_id]})
    with clock.frozen(meeting.starts_at + timedelta(hours=2)):
        row2 = ordering.present(officer, later, item, later.starts_at, 10, 12)
    with at_meeting(later):
        with pytest.raises(InvalidTransition) as err:
            ordering.place(secretary, row2, order_data(quantity=3))
        assert "monthly capacity" in str(err.value) or "每月" in str(err.value)
        ordering.place(secretary, row2, order_data(quantity=2))


def test_a_paused_item_or_an_ineligible_organization_takes_no_order():
    meeting, row, _officer, secretary, org_user, item = meeting_setup()
    catalogue.pause(org_user, item)
    with at_meeting(meeting), pytest.raises(InvalidTransition, match=item.code):
        ordering.place(secretary, row, order_data())
    catalogue.resume(org_user, item)
    with at_meeting(meeting):
        order = ordering.place(secretary, row, order_data())
    org = item.organization
    period = ListPeriod(code="2026Q3", starts_on=date(2026, 7, 1), ends_on=date(2026, 9, 30),
                        status=ListStatus.published, computed_at=clock.now(), published_at=clock.now(),
                        appeal_until=date(2026, 10, 20))
    db.session.add(period)
    db.session.flush()
    db.session.add(ListEntry(period_id=period.id, organization_id=org.id, kind=ListKind.black, reason="不合格",
                             ban_until=date(2027, 10, 1)))
    db.session.flush()
    with at_meeting(meeting):
        with pytest.raises(InvalidTransition, match="红黑榜"):
            ordering.place(secretary, row, order_data())
        with pytest.raises(InvalidTransition):
            ordering.accept(org_user, order)
    assert order.status is OrderStatus.placed


def test_accepted_within_the_limit_becomes_a_commissioned_project_in_delivery():
    meeting, row, _officer, secretary, org_user, item = meeting_setup()
    need = make_need(secretary)
    with at_meeting(meeting):
        order = ordering.place(secretary, row, order_data(budget="1800", need_ids=[need.id]))
        project = ordering.accept(org_user, order)
    assert order.status is OrderStatus.accepted and order.outcome is OrderOutcome.commissioned
    assert project.status is ProjectStatus.delivery and project.budget_cap == Decimal("1800")
    assert need.status is NeedStatus.in_project and need.project_id == project.id
    decision = current_award(project)
    assert decision.status is AwardStatus.final and decision.bid.organization_id == org_user.organization_id
    assert decision.bid.status is BidStatus.awarded and decision.bid.digest
    deal = delivery.contract(project)
    assert deal.amount == Decimal("1800") and deal.ends_on > deal.starts_on
    # the delivery path takes it like an awarded project: the organization sets its plan
    delivery.set_plan(org_user, project, [{"output": "助浴服务", "due_on": deal.starts_on + timedelta(days=30),
                                           "tranche": "1800"}])
    assert catalogue.track_record(item).projects[0].code == project.code
    assert audit.verify_chain().ok and audit.verify_rows().ok


def test_above_the_limit_a_draft_project_for_the_street_and_the_organization_invited():
    rules.set_group(make_user(Role.admin), "ordering", {"ordering.direct_commission_limit": Decimal("1000"),
                                                        "ordering.order_window_days": 14})
    meeting, row, officer, secretary, org_user, _item = meeting_setup()
    with at_meeting(meeting):
        order = ordering.place(secretary, row, order_data(budget="1800"))
        project = ordering.accept(org_user, order)
    assert order.outcome is OrderOutcome.draft_project and project.status is ProjectStatus.draft
    assert project.street_id == officer.street_id and db.session.query(Bid).filter_by(project_id=project.id).count() == 0
    kinds = {n.kind for n in db.session.query(Notification).filter_by(user_id=org_user.id)}
    assert "order.invited" in kinds
    with at_meeting(meeting):
        projects.publish(officer, project)
    kinds = {n.kind for n in db.session.query(Notification).filter_by(user_id=org_user.id)}
    assert "order.project_published" in kinds


def test_the_grade_limit_counts_commissioned_projects():
    org_user = make_user(Role.organization)  # no grade: one project at a time
    meeting, row, officer, secretary, _org, item = meeting_setup(org_user=org_user)
    second = listed_service(org_user=org_user, name="老年助餐配送")
    with clock.frozen(meeting.starts_at - timedelta(hours=1)):
        row2 = ordering.present(officer, meeting, second, meeting.starts_at, 10, 5)
    with at_meeting(meeting):
        first = ordering.place(secretary, row, order_data())
        other = ordering.place(secretary, row2, order_data())
        ordering.accept(org_user, first)
        with pytest.raises(InvalidTransition, match="资源限流"):
            ordering.accept(org_user, other)
        with pytest.raises(InvalidTransition, match="资源限流"):
            ordering.place(secretary, row2, order_data(quantity=1))
    assert other.status is OrderStatus.placed


def test_decline_needs_a_reason_and_frees_the_capacity():
    meeting, row, _officer, secretary, org_user, _item = meeting_setup(capacity=5)
    with at_meeting(meeting):
        order = ordering.place(secretary, row, order_data(quantity=5))
        with pytest.raises(ValidationError):
            ordering.decline(org_user, order, "  ")
        with pytest.raises(Forbidden):
            ordering.decline(make_user(Role.organization), order, "人手不足")
        ordering.decline(org_user, order, "本月人手不足")
        assert order.status is OrderStatus.declined and order.decision_reason == "本月人手不足"
        with pytest.raises(Forbidden):
            ordering.accept(org_user, order)
        again = ordering.place(secretary, row, order_data(quantity=5))
    assert again.status is OrderStatus.placed
    assert audit.verify_rows().ok


def test_an_organization_put_on_a_national_list_is_refused_with_the_reason():
    meeting, row, _officer, secretary, org_user, item = meeting_setup()
    db.session.add(NationalListEntry(organization_id=item.organization_id, kind=list(NationalList)[0],
                                     listed_on=date(2026, 11, 1), source="民政部门"))
    db.session.flush()
    db.session.expire(item.organization)
    with at_meeting(meeting), pytest.raises(InvalidTransition, match=item.organization.name):
        ordering.place(secretary, row, order_data())


def test_the_commission_limit_is_a_rule_on_rules():
    assert ordering.commission_limit() == Decimal("50000")
    assert Grade  # imported for the grade-limit reader
    assert Contract


def test_the_matcher_counts_the_capacity_orders_take():
    from marketplace.domain.supply import match

    meeting, row, _officer, secretary, _org, item = meeting_setup(capacity=10, monthly=12)
    assert match.as_items([item])[0].capacity_left == 12
    with at_meeting(meeting):
        ordering.place(secretary, row, order_data(quantity=7))
    assert match.as_items([item])[0].capacity_left == 5


def test_publishing_tells_the_organizations_the_matcher_ranks_for_the_project():
    from tests.factories import approved_need, project_data

    need, officer = approved_need()
    project = projects.create(officer, [need], project_data(officer))
    org_user = make_user(Role.organization)  # no category of its own: the category match alone misses it
    listed_service(org_user=org_user, category=project.category, name="老年助餐配送服务",
                   description="每日为社区独居老人、高龄老人送午餐上门，开设社区助餐点，少油少盐", audience="独居老人、高龄老人")
    unrelated = make_user(Role.organization)
    listed_service(org_user=unrelated, name="青少年编程兴趣班", description="为中小学生开设图形化编程课程",
                   audience="中小学生")
    projects.publish(officer, project)
    told = {n.user_id: n for n in db.session.query(Notification).filter(Notification.kind.in_(
        ("project.published", "project.matched")))}
    assert org_user.id in told and told[org_user.id].kind == "project.matched"
    assert told[org_user.id].params["service"] == "老年助餐配送服务"
    assert unrelated.id not in told


def test_the_partner_finder_offers_eligible_complementary_organizations():
    from marketplace.domain.supply import match
    from marketplace.domain.tender import bids
    from tests.factories import bid_data, published_project

    project, _officer = published_project()
    lead = make_user(Role.organization)
    listed_service(org_user=lead, category=project.category, name="老年助餐配送服务",
                   description="每日为独居老人送午餐上门", audience="独居老人")
    bids.save(lead, project, bid_data())
    helper = make_user(Role.organization)
    listed_service(org_user=helper, category=project.category, name="社区助餐点运营",
                   description="开设社区助餐点，为独居老人、高龄老人提供午餐，少油少盐", audience="独居老人、高龄老人")
    banned = make_user(Role.organization)
    listed_service(org_user=banned, category=project.category, name="长者食堂配餐",
                   description="长者食堂为独居老人配送午餐", audience="独居老人")
    db.session.add(NationalListEntry(organization_id=banned.organization_id, kind=list(NationalList)[0],
                                     listed_on=date(2026, 11, 1), source="民政部门"))
    db.session.flush()
    found = match.partners_for(project, lead.organization)
    names = [p.organization.id for p in found]
    assert helper.organization_id in names
    assert lead.organization_id not in names and banned.organization_id not in names
    assert found[0].reasons
