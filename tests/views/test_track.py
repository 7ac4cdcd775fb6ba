"""Residents follow a micro-wish or a complaint by its tracking number (/track), and pages give
machine-readable times the HTML checker accepts."""

import re

from marketplace.domain.assess import needs
from marketplace.domain.core import followup
from marketplace.extensions import db
from marketplace.models import Complaint, Role, Wish
from tests.conftest import csrf_token_from
from tests.domain.test_delivery import planned
from tests.factories import make_community, make_user, published_project
from tests.views.test_needs import _wish_form


def test_a_wish_gets_a_number_mailed_and_a_page_that_shows_progress_but_nothing_personal(app, client):
    outbox = app.extensions["mailman"].outbox = []
    community = make_community()
    secretary = make_user(Role.secretary, community_id=community.id)
    db.session.commit()
    token, key = _wish_form(client)
    page = client.post("/wish", data={"community_id": community.id, "content": "希望楼下多放几把长椅",
                                      "contact": "wang@example.org", "csrf_token": token,
                                      "submission_key": key}).get_data(as_text=True)
    wish = db.session.scalar(db.select(Wish))
    assert re.fullmatch(r"W[A-HJ-KM-NP-Z2-9]{9}", wish.tracking_code)
    shown = followup.display(wish.tracking_code)
    assert shown in page and "已发送到您的电子邮箱" in page
    assert len(outbox) == 1 and shown in outbox[0].body and "/track?code=" in outbox[0].body
    tracked = client.get(f"/track?code={shown.lower()}").get_data(as_text=True)  # typed as read: dashes, lower case
    assert community.name in tracked and "社区书记尚未处理，将在 10 天内答复" in tracked
    assert "希望楼下多放几把长椅" not in tracked and "wang@example.org" not in tracked
    needs.decline_wish(secretary, wish, "已由物业统一安排")
    db.session.commit()
    tracked = client.get(f"/track?code={wish.tracking_code}").get_data(as_text=True)
    assert "已由物业统一安排" in tracked and "办理时间" in tracked


def test_an_unknown_number_is_a_clear_404_that_keeps_what_was_typed(client):
    response = client.get("/track?code=W-ABC-DEF-GHJ")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "没有找到这个编号" in page and 'value="W-ABC-DEF-GHJ"' in page
    assert client.get("/track").status_code == 200
    assert client.get("/track?code=" + "x" * 500).status_code == 404


def test_a_complaint_leads_to_its_tracking_page(app, client):
    project, officer, winner, secretary = planned()
    db.session.commit()
    page = client.get(f"/projects/{project.code}/complaint").get_data(as_text=True)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', page)
    response = client.post(f"/projects/{project.code}/complaint", data={
        "text": "上门服务人员多次迟到，老人等了很久", "csrf_token": csrf_token_from(page),
        "submission_key": key.group(1) if key else ""})
    complaint = db.session.scalar(db.select(Complaint))
    assert response.status_code == 302 and response.location.endswith(f"/track?code={complaint.tracking_code}")
    tracked = client.get(response.location).get_data(as_text=True)
    assert followup.display(complaint.tracking_code) in tracked and project.code in tracked
    assert "街道正在核查" in tracked and "多次迟到" not in tracked


def test_datetime_attributes_carry_no_microseconds(client):
    project, officer = published_project()
    db.session.commit()
    page = client.get(f"/projects/{project.code}").get_data(as_text=True)
    values = re.findall(r'datetime="([^"]+)"', page)
    assert values
    for value in values:
        assert re.fullmatch(r"\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d\+08:00)?", value), value
