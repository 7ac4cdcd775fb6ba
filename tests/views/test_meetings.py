"""点单会 pages: scheduling and the programme (street), shortlists and orders (secretary) with refusals
that keep what was typed, the organization's answer, the public meeting and order pages."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from marketplace.domain.core import clock
from marketplace.domain.supply import catalogue, ordering
from marketplace.extensions import db
from marketplace.models import OrderingMeeting, OrderStatus, ProjectStatus, Role, ServiceOrder
from tests.conftest import csrf_token_from
from tests.factories import PASSWORD, listed_service, make_community, make_need, make_street, make_user


def _people():
    street = make_street("李村街道")
    officer = make_user(Role.street, username="street1", street_id=street.id)
    community = make_community(street=street, name="东山社区")
    secretary = make_user(Role.secretary, username="sec1", community_id=community.id)
    org_user = make_user(Role.organization, username="org1")
    item = listed_service(org_user=org_user, monthly_capacity=30, price=Decimal("120"))
    db.session.commit()
    return officer, community, secretary, org_user, item


def _form(client, url):
    page = client.get(url)
    return page, csrf_token_from(page.get_data(as_text=True))


def test_a_street_schedules_a_meeting_and_its_programme(client, auth):
    officer, community, _sec, _org, item = _people()
    other_street_community = make_community()
    db.session.commit()
    assert client.get("/meetings/new").status_code == 302  # sign in first
    auth.login("street1", PASSWORD)
    page, token = _form(client, "/meetings/new")
    assert page.status_code == 200 and "东山社区" in page.get_data(as_text=True)
    assert other_street_community.name not in page.get_data(as_text=True)
    starts = (clock.now() + timedelta(days=3)).astimezone(clock.LOCAL_TZ)
    bad = client.post("/meetings/new", data={"csrf_token": token, "title": "第四季度点单会", "place": "",
                                             "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
                                             "community_ids": [community.id]})
    assert bad.status_code == 400 and "第四季度点单会" in bad.get_data(as_text=True)
    done = client.post("/meetings/new", data={"csrf_token": token, "title": "第四季度点单会", "place": "李村街道党群服务中心",
                                              "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
                                              "community_ids": [community.id]})
    assert done.status_code == 302
    meeting = db.session.scalar(db.select(OrderingMeeting))
    url = f"/meetings/{meeting.code}"
    page, token = _form(client, url)
    assert item.code in page.get_data(as_text=True)  # offered for the programme
    slot = starts.strftime("%Y-%m-%dT%H:%M")
    over = client.post(f"{url}/items", data={"csrf_token": token, "item_code": item.code, "slot_at": slot,
                                             "slot_minutes": "10", "capacity": "31"})
    assert over.status_code == 400 and "30" in over.get_data(as_text=True)
    ok = client.post(f"{url}/items", data={"csrf_token": token, "item_code": item.code, "slot_at": slot,
                                           "slot_minutes": "15", "capacity": "20"})
    assert ok.status_code == 302
    auth.post("/logout")
    public = client.get(url).get_data(as_text=True)
    assert item.name in public and "20 / 20" in public and "李村街道党群服务中心" in public


def test_another_street_cannot_manage_and_nothing_changes(client, auth):
    officer, community, _sec, _org, item = _people()
    meeting = ordering.schedule(officer, {"title": "点单会", "starts_at": clock.now() + timedelta(days=2),
                                          "place": "街道", "community_ids": [community.id]})
    make_user(Role.street, username="street2")
    db.session.commit()
    auth.login("street2", PASSWORD)
    response = auth.post(f"/meetings/{meeting.code}/items", {"item_code": item.code, "slot_minutes": "10",
                                                            "capacity": "5", "slot_at": "2026-11-28T10:00"})
    assert response.status_code == 403
    assert auth.post(f"/meetings/{meeting.code}/cancel", {"reason": "改期"}).status_code == 403
    assert db.session.scalar(db.select(OrderingMeeting.status).where(OrderingMeeting.id == meeting.id)).value == "scheduled"


def _meeting_with_item(officer, community, item, capacity=10):
    starts = clock.now() + timedelta(days=1)
    meeting = ordering.schedule(officer, {"title": "第四季度点单会", "starts_at": starts, "place": "街道",
                                          "community_ids": [community.id]})
    row = ordering.present(officer, meeting, item, starts, 10, capacity)
    db.session.commit()
    return meeting, row


def test_secretary_shortlists_then_orders_with_refusals_that_keep_what_was_typed(client, auth):
    officer, community, secretary, org_user, item = _people()
    need = make_need(secretary)
    meeting, row = _meeting_with_item(officer, community, item, capacity=10)
    auth.login("sec1", PASSWORD)
    url = f"/meetings/{meeting.code}"
    assert auth.post(f"{url}/items/{row.id}/shortlist", page=url).status_code == 302
    assert "★" in client.get(url).get_data(as_text=True)
    order_url = f"{url}/items/{row.id}/order"
    page, token = _form(client, order_url)
    early = client.post(order_url, data={"csrf_token": token, "quantity": "4", "months": "3", "budget": "1440"})
    assert early.status_code == 400  # before the meeting
    with clock.frozen(meeting.starts_at + timedelta(hours=1)):
        page, token = _form(client, order_url)
        assert need.code in page.get_data(as_text=True)
        bad = client.post(order_url, data={"csrf_token": token, "quantity": "abc", "months": "3", "budget": "1440"})
        assert bad.status_code == 400 and 'value="abc"' in bad.get_data(as_text=True)
        over = client.post(order_url, data={"csrf_token": token, "quantity": "11", "months": "3", "budget": "3960",
                                            "note": "请安排女性助浴员"})
        text = over.get_data(as_text=True)
        assert over.status_code == 400 and "3960" in text and "请安排女性助浴员" in text and "10" in text
        done = client.post(order_url, data={"csrf_token": token, "quantity": "4", "months": "3", "budget": "1440",
                                            "need_ids": [need.id], "note": "请安排女性助浴员"})
        assert done.status_code == 302
        order = db.session.scalar(db.select(ServiceOrder))
        assert order.quantity == 4 and order.needs[0].id == need.id
        again = client.post(order_url, data={"csrf_token": token, "quantity": "4", "months": "3", "budget": "1440",
                                             "submission_key": "x"})
        assert again.status_code == 302
    auth.post("/logout")
    public = client.get(f"/orders/{order.code}").get_data(as_text=True)
    assert "东山社区" in public and "1,440.00" in public and "请安排女性助浴员" not in public  # the note is private


def test_a_paused_item_is_refused_with_the_reason(client, auth):
    officer, community, secretary, org_user, item = _people()
    meeting, row = _meeting_with_item(officer, community, item)
    catalogue.pause(org_user, item)
    db.session.commit()
    auth.login("sec1", PASSWORD)
    order_url = f"/meetings/{meeting.code}/items/{row.id}/order"
    with clock.frozen(meeting.starts_at + timedelta(hours=1)):
        page, token = _form(client, order_url)
        refused = client.post(order_url, data={"csrf_token": token, "quantity": "2", "months": "1", "budget": "240"})
    assert refused.status_code == 400 and item.code in refused.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(ServiceOrder.id))) == 0


def test_the_organization_accepts_and_a_commissioned_project_is_public(client, auth):
    officer, community, secretary, org_user, item = _people()
    meeting, row = _meeting_with_item(officer, community, item)
    with clock.frozen(meeting.starts_at + timedelta(hours=1)):
        order = ordering.place(secretary, row, {"quantity": 5, "months": 3, "budget": "1800"})
        other = ordering.place(secretary, row, {"quantity": 1, "months": 1, "budget": "120"})
        db.session.commit()
        auth.login("org1", PASSWORD)
        assert order.code in client.get("/my/orders").get_data(as_text=True)
        url = f"/orders/{order.code}"
        assert auth.post(f"/orders/{other.code}/decline", {"reason": ""}, page=f"/orders/{other.code}").status_code == 400
        assert auth.post(f"/orders/{other.code}/decline", {"reason": "本月人手已满"},
                         page=f"/orders/{other.code}").status_code == 302
        assert auth.post(f"{url}/accept", page=url).status_code == 302
        # a second acceptance is refused, never a 500
        assert auth.post(f"{url}/accept", page=url).status_code in (302, 403)
    db.session.expire_all()
    order = db.session.get(ServiceOrder, order.id)
    assert order.status is OrderStatus.accepted and order.project.status is ProjectStatus.delivery
    auth.post("/logout")
    public = client.get(f"/meetings/{meeting.code}").get_data(as_text=True)
    assert order.project.code in public and "本月人手已满" in public
    assert client.get(f"/projects/{order.project.code}").status_code == 200
    assert client.get("/meetings/").status_code == 200
    assert client.get("/orders/LCDD-0000-0000").status_code == 404


def test_someone_else_cannot_answer_or_order(client, auth):
    officer, community, secretary, org_user, item = _people()
    meeting, row = _meeting_with_item(officer, community, item)
    with clock.frozen(meeting.starts_at + timedelta(hours=1)):
        order = ordering.place(secretary, row, {"quantity": 5, "months": 3, "budget": "1800"})
        make_user(Role.organization, username="org2")
        make_user(Role.secretary, username="sec2")
        db.session.commit()
        auth.login("org2", PASSWORD)
        assert auth.post(f"/orders/{order.code}/accept").status_code == 403
        auth.post("/logout")
        auth.login("sec2", PASSWORD)
        assert client.get(f"/meetings/{meeting.code}/items/{row.id}/order").status_code == 403
    assert db.session.get(ServiceOrder, order.id).status is OrderStatus.placed


def test_a_lead_sees_partners_who_might_complement_it_on_its_intent_letter(client, auth):
    from marketplace.domain.tender import bids
    from tests.factories import bid_data, published_project

    project, _officer = published_project()
    lead = make_user(Role.organization, username="lead1")
    bids.save(lead, project, bid_data())
    helper = make_user(Role.organization)
    listed_service(org_user=helper, category=project.category, name="社区助餐点运营",
                   description="开设社区助餐点，为独居老人、高龄老人配送午餐，少油少盐", audience="独居老人、高龄老人")
    db.session.commit()
    auth.login("lead1", PASSWORD)
    page = client.get(f"/projects/{project.code}/bid").get_data(as_text=True)
    assert "社区助餐点运营" in page and helper.organization.uscc in page
