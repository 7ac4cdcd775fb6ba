"""履约 → 考榜 through HTTP, with scope and bad input."""

from datetime import timedelta
from io import BytesIO

from PIL import Image

from marketplace.domain.deliver import delivery, evaluations
from marketplace.extensions import db
from marketplace.models import Complaint, MilestoneStatus, Party, ProgressReport, ProjectStatus, Role
from tests.conftest import Auth, csrf_token_from
from tests.factories import bidder, make_user, project_in_delivery


def _client(app, user):
    c = app.test_client()
    Auth(c).login(user.username)
    return c


def jpeg():
    buffer = BytesIO()
    Image.new("RGB", (640, 480), (200, 80, 20)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_plan_progress_confirmation_closing_evaluation_and_pdf(app):
    project, officer, winner, secretary = project_in_delivery()
    deal = delivery.contract(project)
    db.session.commit()
    code = project.code
    org = _client(app, winner)
    page = org.get(f"/projects/{code}/delivery").get_data(as_text=True)
    token = csrf_token_from(page)
    bad = {"csrf_token": token, "milestones-0-output": "调研", "milestones-0-due_on": str(deal.ends_on + timedelta(days=5)),
           "milestones-0-tranche": "1000"}
    response = org.post(f"/projects/{code}/delivery/plan", data=bad)
    assert response.status_code == 400 and "合同期限" in response.get_data(as_text=True)
    good = {"csrf_token": token, "milestones-0-output": "入户调研", "milestones-0-due_on": str(deal.starts_on + timedelta(days=20)),
            "milestones-0-tranche": "60000"}
    assert org.post(f"/projects/{code}/delivery/plan", data=good).status_code == 302
    street = _client(app, officer)
    assert Auth(street).post(f"/projects/{code}/delivery/approve", page=f"/projects/{code}/delivery").status_code == 302
    milestone = delivery.milestones(project)[0]
    response = org.post(f"/projects/{code}/delivery/milestones/{milestone.id}/progress", data={
        "csrf_token": token, "text": "完成入户调研60户", "people_served": "60", "spent": "20000", "delivered": "y",
        "photos": [(BytesIO(jpeg()), "调研.jpg")]}, content_type="multipart/form-data")
    assert response.status_code == 302
    report = db.session.scalars(db.select(ProgressReport)).one()
    public = app.test_client().get(f"/projects/{code}").get_data(as_text=True)
    assert "完成入户调研60户" in public and f"/photos/{report.photos[0].id}?thumb=1" in public
    thumb = app.test_client().get(f"/projects/{code}/photos/{report.photos[0].id}?thumb=1")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    thumb.close()
    # another organization and another community cannot act
    assert _client(app, bidder()).get(f"/projects/{code}/delivery").status_code == 403
    other_secretary = _client(app, make_user(Role.secretary))
    response = Auth(other_secretary).post(f"/projects/{code}/delivery/milestones/{milestone.id}/confirm",
                                          {"confirm": "1"})
    db.session.expire_all()
    assert db.session.get(type(milestone), milestone.id).status is MilestoneStatus.delivered
    sec = _client(app, secretary)
    Auth(sec).post(f"/projects/{code}/delivery/milestones/{milestone.id}/confirm", {"confirm": "1"},
                   page=f"/projects/{code}/delivery")
    org.post(f"/projects/{code}/delivery/closing", data={"csrf_token": token, "outputs": "服务60户", "beneficiaries": "60",
                                                         "spending": "20000", "lessons": "提前预约"})
    Auth(sec).post(f"/projects/{code}/delivery/sign-off", page=f"/projects/{code}/delivery")
    db.session.expire_all()
    assert db.session.get(type(project), project.id).status is ProjectStatus.evaluation
    # 考榜
    expert = make_user(Role.expert)
    db.session.commit()
    Auth(street).post(f"/projects/{code}/evaluation/assign", {
        "evaluators_party": str(secretary.id), "evaluators_experts": str(expert.id)}, page=f"/projects/{code}/evaluation")
    Auth(sec).post(f"/projects/{code}/evaluation/codes", {"count": "2"}, page=f"/projects/{code}/evaluation")
    sheet = sec.get(f"/projects/{code}/evaluation/codes.pdf")
    assert sheet.mimetype == "application/pdf" and sheet.data.startswith(b"%PDF")
    codes = [c.code for c in db.session.scalars(db.select(evaluations.SurveyCode))]
    resident = app.test_client()
    survey = resident.get(f"/survey/{codes[0]}").get_data(as_text=True)
    answers = {k: "4" for k in evaluations.SURVEY_QUESTIONS}
    assert resident.post(f"/survey/{codes[0]}", data={**answers, "csrf_token": csrf_token_from(survey)}).status_code == 200
    again = resident.post(f"/survey/{codes[0]}", data={**answers, "csrf_token": csrf_token_from(survey)})
    assert again.status_code == 400 and "已经使用" in again.get_data(as_text=True)
    assert resident.get("/survey/FORGEDCODE").status_code == 404
    assert resident.post("/survey", data={"code": "NOPE", "csrf_token": csrf_token_from(survey)}).status_code == 400
    for user, value in ((secretary, "90"), (expert, "80")):
        c = _client(app, user)
        page = c.get(f"/projects/{code}/evaluation").get_data(as_text=True)
        criteria = evaluations.INSTRUMENTS[Party.party if user is secretary else Party.experts]
        data = {"csrf_token": csrf_token_from(page)}
        for key, maximum in criteria.items():
            data[f"{key}_score"], data[f"{key}_reason"] = str(maximum * int(value) / 100), "依据结项材料"
        assert c.post(f"/projects/{code}/evaluation", data=data).status_code == 302
    Auth(street).post(f"/projects/{code}/evaluation/finalize", page=f"/projects/{code}/evaluation")
    page = app.test_client().get(f"/projects/{code}").get_data(as_text=True)
    # 90×30 + 80×30 + 80×20 over 80 (department missing: its weight shared) = 83.75 → 良好
    assert "83.75" in page and "良好" in page
    pdf = app.test_client().get(f"/projects/{code}/report.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_complaints_are_anonymous_rate_limited_and_decided_by_the_street(app):
    project, officer, winner, _secretary = project_in_delivery()
    db.session.commit()
    code = project.code
    c = app.test_client()
    page = c.get(f"/projects/{code}/complaint").get_data(as_text=True)
    token = csrf_token_from(page)
    short = c.post(f"/projects/{code}/complaint", data={"csrf_token": token, "text": "太差"})
    assert short.status_code == 400 and "太差" in short.get_data(as_text=True)
    for i in range(4):
        c.post(f"/projects/{code}/complaint", data={"csrf_token": token, "text": f"送餐迟到一个多小时，第{i}次"})
    assert c.post(f"/projects/{code}/complaint", data={"csrf_token": token, "text": "再投诉一次内容足够长"}).status_code == 429
    assert db.session.scalar(db.select(db.func.count(Complaint.id))) == 4
    complaint = db.session.scalars(db.select(Complaint)).first()
    assert Auth(_client(app, winner)).post(f"/projects/{code}/delivery/complaints/{complaint.id}",
                                           {"uphold": "1", "reason": "x"}).status_code in (302, 403)
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).status.value == "pending"


def test_many_households_can_answer_from_one_community_tablet(app):
    from tests.domain.test_evaluations import in_evaluation

    project, _officer, _winner, secretary = in_evaluation()
    codes = [c.code for c in evaluations.issue_codes(secretary, project, 8)]
    db.session.commit()
    tablet = app.test_client()
    answers = {k: "5" for k in evaluations.SURVEY_QUESTIONS}
    for code in codes:
        page = tablet.get(f"/survey/{code}").get_data(as_text=True)
        assert tablet.post(f"/survey/{code}", data={**answers, "csrf_token": csrf_token_from(page)}).status_code == 200
    assert evaluations.residents_score(project) == (__import__("decimal").Decimal("100.00"), 8)


def test_the_awarded_organization_withdraws_through_the_award_page(app):
    from marketplace.models import CreditEvent

    project, _officer, winner, _secretary = project_in_delivery()
    db.session.commit()
    code = project.code
    assert Auth(_client(app, bidder())).post(f"/projects/{code}/award/withdraw", {"reason": "不想做了"}).status_code == 403
    c = _client(app, winner)
    page = c.get(f"/projects/{code}/award").get_data(as_text=True)
    assert "撤回承接" in page
    c.post(f"/projects/{code}/award/withdraw", data={"csrf_token": csrf_token_from(page), "reason": "核心社工离职，无法履约。"})
    db.session.expire_all()
    assert db.session.get(type(project), project.id).status is ProjectStatus.exited
    assert db.session.scalar(db.select(CreditEvent.points).where(CreditEvent.kind == "withdrawal")) == -10
    assert "承接组织撤回" in app.test_client().get(f"/projects/{code}").get_data(as_text=True)


def test_the_street_publishes_an_exited_project_again_from_its_page(app):
    from datetime import timedelta as td

    from marketplace.domain.core import clock
    from marketplace.domain.tender import awards
    from marketplace.domain.core.clock import LOCAL_TZ

    project, officer, winner, _secretary = project_in_delivery()
    awards.withdraw_after_award(winner, project, "核心社工离职，无法履约。")
    db.session.commit()
    c = _client(app, officer)
    page = c.get(f"/projects/{project.code}").get_data(as_text=True)
    assert "待重新发榜" in page and "重新发榜" in page
    now = clock.now()
    c.post(f"/projects/{project.code}/republish", data={
        "csrf_token": csrf_token_from(page),
        "bid_deadline": (now + td(days=9)).astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M"),
        "qa_deadline": (now + td(days=6)).astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")})
    db.session.expire_all()
    assert db.session.get(type(project), project.id).status is ProjectStatus.bidding
