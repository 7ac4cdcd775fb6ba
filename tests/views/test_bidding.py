"""揭榜 → 承榜 through HTTP: bid, receipt, deadline, panel, scores, award, objection; scope and sealing."""

from datetime import timedelta
from io import BytesIO

from marketplace.domain import deadlines
from marketplace.domain.core import clock
from marketplace.domain.tender import bids
from marketplace.extensions import db
from marketplace.models import Bid, BidStatus, Project, ProjectStatus, Role
from tests.conftest import Auth, csrf_token_from
from tests.factories import bid_data, bidder, make_org, make_user, pdf_bytes, published_project, submitted_bid


def _client(app, user):
    c = app.test_client()
    Auth(c).login(user.username)
    return c


def _bid_form(c, code, **overrides):
    page = c.get(f"/projects/{code}/bid").get_data(as_text=True)
    data = {"summary": "为老人配送午餐（摘要）", "plan": "每周五天配送午餐", "team": "社工3人", "outputs": "服务40人", "schedule": "12个月",
            "budget-0-item": "餐费", "budget-0-amount": "50000", "csrf_token": csrf_token_from(page)}
    data.update(overrides)
    return data


def test_an_organization_sees_at_once_whether_it_may_bid(app):
    project, _ = published_project()
    ok, pending = bidder(), make_user(Role.organization, organization_id=make_org(
        status=__import__("marketplace.models", fromlist=["VerificationStatus"]).VerificationStatus.pending).id)
    db.session.commit()
    assert "您的组织可以参与本项目揭榜" in _client(app, ok).get(f"/projects/{project.code}").get_data(as_text=True)
    page = _client(app, pending).get(f"/projects/{project.code}").get_data(as_text=True)
    assert "不能参与本项目揭榜" in page and "尚未通过区级认证" in page


def test_save_submit_receipt_and_public_digest(app):
    project, _ = published_project()
    user = bidder()
    db.session.commit()
    c = _client(app, user)
    data = _bid_form(c, project.code, then="submit")
    data["attachments"] = [(BytesIO(pdf_bytes("plan")), "方案.pdf")]
    response = c.post(f"/projects/{project.code}/bid", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    html = c.get(f"/projects/{project.code}/bid").get_data(as_text=True)
    assert "已提交" in html
    bid = db.session.scalars(db.select(Bid)).one()
    assert bid.status is BidStatus.submitted and bid.digest in html
    public = app.test_client().get(f"/projects/{project.code}").get_data(as_text=True)
    assert bid.digest in public and "每周五天配送午餐" not in public


def test_budget_over_the_cap_keeps_the_letter(app):
    project, _ = published_project()
    user = bidder()
    db.session.commit()
    c = _client(app, user)
    response = c.post(f"/projects/{project.code}/bid", data=_bid_form(c, project.code, **{
        "budget-0-amount": "90000", "plan": "我的方案内容"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "高于项目预算上限" in html and "我的方案内容" in html
    assert db.session.scalar(db.select(db.func.count(Bid.id))) == 0


def test_a_late_or_stale_form_is_refused(app):
    project, _ = published_project()
    user = bidder()
    db.session.commit()
    c = _client(app, user)
    data = _bid_form(c, project.code)
    with clock.frozen(project.bid_deadline + timedelta(seconds=1)):
        response = c.post(f"/projects/{project.code}/bid", data=data)
        assert response.status_code in (400, 409)
    assert db.session.scalar(db.select(db.func.count(Bid.id))) == 0


def test_other_roles_have_no_bid_page_and_attachments_stay_sealed(app):
    project, officer = published_project()
    bid, owner = submitted_bid(project)
    secret = pdf_bytes("secret")
    bids.add_attachments(owner, bid, [__import__("werkzeug.datastructures", fromlist=["FileStorage"]).FileStorage(
        BytesIO(secret), filename="secret.pdf")])
    db.session.commit()
    file_id = bid.attachments[0].id
    for user in (officer, make_user(Role.admin), make_user(Role.expert), bidder()):
        c = _client(app, user)
        assert c.get(f"/projects/{project.code}/bid/files/{file_id}").status_code in (403, 404)
    assert _client(app, officer).get(f"/projects/{project.code}/bid").status_code == 403
    own = _client(app, owner).get(f"/projects/{project.code}/bid/files/{file_id}")
    assert own.status_code == 200 and own.data == secret
    assert "attachment" in own.headers["Content-Disposition"]
    own.close()


def test_the_panel_picker_shows_tied_people_as_unavailable_with_the_reason(app):
    from datetime import date

    from marketplace.models import Affiliation, AffiliationKind

    project, officer = published_project()
    first, _ = submitted_bid(project)
    tied, free = make_user(Role.expert), make_user(Role.expert)
    db.session.add(Affiliation(user_id=tied.id, organization_id=first.organization_id, kind=AffiliationKind.board,
                               started_on=date(2024, 1, 1)))
    db.session.commit()
    with clock.frozen(project.bid_deadline + timedelta(hours=1)):
        street = _client(app, officer)
        street.get(f"/projects/{project.code}")  # bidding closes on access
        page = street.get(f"/projects/{project.code}/panel").get_data(as_text=True)
        assert f'name="members_expert" value="{free.id}"' in page
        assert f'name="members_expert" value="{tied.id}"' not in page  # cannot be ticked
        assert f'id="member-expert-{tied.id}" disabled aria-describedby="tie-expert-{tied.id}"' in page
        assert "不可选：" in page and first.organization.name in page


def test_full_award_journey_through_http(app):
    project, officer = published_project()
    first, first_user = submitted_bid(project, total="40000")
    second, _ = submitted_bid(project, total="50000")
    expert, department = make_user(Role.expert), make_user(Role.department)
    db.session.commit()
    code = project.code
    with clock.frozen(project.bid_deadline + timedelta(hours=1)):
        street = _client(app, officer)
        # the deadline takes effect for every reader at its instant; the GET itself writes nothing
        assert "评审组、路演与承榜" in street.get(f"/projects/{code}").get_data(as_text=True)
        db.session.expire_all()
        assert db.session.get(Project, project.id).status is ProjectStatus.bidding
        assert deadlines.tick()["closed"] == 1  # cron records the transition
        db.session.commit()
        assert db.session.get(Project, project.id).status is ProjectStatus.reviewing
        page = street.get(f"/projects/{code}/panel").get_data(as_text=True)
        token = csrf_token_from(page)
        response = street.post(f"/projects/{code}/panel", data={
            "csrf_token": token, "members_street": str(officer.id), "members_expert": str(expert.id)})
        assert response.status_code == 400 and "奇数" in response.get_data(as_text=True)
        street.post(f"/projects/{code}/panel", data={"csrf_token": token, "members_street": str(officer.id),
                                                     "members_expert": str(expert.id),
                                                     "members_department": str(department.id)})
        for bid in (first, second):
            street.post(f"/projects/{code}/roadshow/{bid.id}", data={
                "csrf_token": token, "starts_at": (clock.now() - timedelta(minutes=5)).astimezone(
                    clock.LOCAL_TZ).strftime("%Y-%m-%dT%H:%M"), "place": "街道会议室"})
        for member, plans in ((officer, ("35", "30")), (expert, ("36", "31")), (department, ("34", "29"))):
            c = _client(app, member)
            review = c.get(f"/projects/{code}/review").get_data(as_text=True)
            assert "每周五天配送午餐" not in review  # nothing before the declaration
            c.post(f"/projects/{code}/review", data={"csrf_token": csrf_token_from(review), "action": "declare"})
            review = c.get(f"/projects/{code}/review").get_data(as_text=True)
            assert "每周五天配送午餐" in review
            for bid, plan in zip((first, second), plans):
                data = {"csrf_token": csrf_token_from(review), "action": "score", "bid_id": str(bid.id)}
                for key, value in {"plan": plan, "team": "15", "past": "10", "budget": "10", "roadshow": "8"}.items():
                    data[f"{key}_score"], data[f"{key}_reason"] = value, "理由"
                assert c.post(f"/projects/{code}/review", data=data).status_code == 302
        page = street.get(f"/projects/{code}/panel").get_data(as_text=True)
        assert "排名" in page
        response = street.post(f"/projects/{code}/award", data={"csrf_token": csrf_token_from(page),
                                                                "bid_id": str(second.id), "reason": ""})
        db.session.expire_all()
        assert db.session.get(Project, project.id).status is ProjectStatus.reviewing  # not top: reason needed
        street.post(f"/projects/{code}/award", data={"csrf_token": csrf_token_from(page), "bid_id": str(first.id)})
        why = app.test_client().get(f"/projects/{code}/award").get_data(as_text=True)
        assert first.organization.name in why and "专家A" in why and "78.00" in why and "理由" in why
        assert officer.display_name not in why and expert.display_name not in why
        citizen = make_user(Role.resident)
        db.session.commit()
        c = _client(app, citizen)
        html = c.get(f"/projects/{code}/award").get_data(as_text=True)
        c.post(f"/projects/{code}/award/objections", data={"csrf_token": csrf_token_from(html),
                                                           "text": "请核查中标方团队资质是否真实有效。"})
        assert "请核查中标方团队资质是否真实有效。" in app.test_client().get(f"/projects/{code}/award").get_data(as_text=True)
        assert f"{code} 的异议：须在公示期结束前处理" in street.get("/dashboard").get_data(as_text=True)


def test_the_summary_is_required_to_submit_and_said_to_be_public_after_the_award(app):
    project, _ = published_project()
    user = bidder()
    db.session.commit()
    c = _client(app, user)
    page = c.get(f"/projects/{project.code}/bid").get_data(as_text=True)
    assert "意向书摘要（承榜后公开）" in page and "承榜后公开" in page
    response = c.post(f"/projects/{project.code}/bid", data=_bid_form(c, project.code, summary="", then="submit",
                                                                       plan="我写好的方案"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="summary-error"' in html and "我写好的方案" in html
    assert db.session.scalar(db.select(db.func.count(Bid.id))) == 0  # nothing kept from the refused request
    # a draft may leave it empty
    assert c.post(f"/projects/{project.code}/bid", data=_bid_form(c, project.code, summary="")).status_code == 302


def test_after_the_award_the_public_sees_every_summary_and_only_the_winners_letter(app):
    project, officer = published_project()
    code = project.code
    won, lost = bidder(), bidder()
    for user, tag in ((won, "WIN"), (lost, "LOSE")):
        bids.submit(user, bids.save(user, project, bid_data(summary=f"{tag}-SUMMARY-摘要", plan=f"{tag}-PLAN-方案",
                                                            team=f"{tag}-TEAM-团队")))
    db.session.commit()
    # sealed before the deadline: no summary, no plan, no award page
    anonymous = app.test_client()
    assert anonymous.get(f"/projects/{code}/award").status_code == 404
    detail = anonymous.get(f"/projects/{code}").get_data(as_text=True)
    assert "SUMMARY" not in detail and "PLAN" not in detail

    from marketplace.domain.tender import awards
    from marketplace.models import PanelRole

    expert, department = make_user(Role.expert), make_user(Role.department)
    first, second = (bids.own_bid(u.organization, project) for u in (won, lost))
    with clock.frozen(project.bid_deadline + timedelta(hours=1)):
        awards.close_if_due(project)
        awards.set_panel(officer, project, [(officer, PanelRole.street), (expert, PanelRole.expert),
                                            (department, PanelRole.department)])
        for bid in (first, second):
            awards.schedule_roadshow(officer, bid, clock.now(), "线上")
        for member in (officer, expert, department):
            awards.declare(member, project)
            for bid, plan in ((first, 36), (second, 30)):
                awards.score(member, bid, {k: {"score": v, "reason": f"理由{plan}"} for k, v in
                                           {"plan": plan, "team": 15, "past": 10, "budget": 10, "roadshow": 8}.items()})
        awards.award(officer, project, first)
        db.session.commit()

        public = anonymous.get(f"/projects/{code}/award").get_data(as_text=True)
        # every bidder's summary, scores and reasons; the winner's full letter; never the loser's
        assert "WIN-SUMMARY-摘要" in public and "LOSE-SUMMARY-摘要" in public
        assert "理由36" in public and "理由30" in public
        assert "WIN-PLAN-方案" in public and "WIN-TEAM-团队" in public
        assert "LOSE-PLAN-方案" not in public and "LOSE-TEAM-团队" not in public
        for who in (make_user(Role.resident), bidder(), make_user(Role.secretary), make_user(Role.street),
                    make_user(Role.department)):
            db.session.commit()
            page = _client(app, who).get(f"/projects/{code}/award").get_data(as_text=True)
            assert "LOSE-SUMMARY-摘要" in page and "LOSE-PLAN-方案" not in page, who.role
        # the street, the panel and the losing bidder itself keep the full content
        for who in (officer, expert, lost):
            page = _client(app, who).get(f"/projects/{code}/award").get_data(as_text=True)
            assert "LOSE-PLAN-方案" in page and "LOSE-TEAM-团队" in page, who.role
        review = _client(app, expert).get(f"/projects/{code}/review").get_data(as_text=True)
        assert "LOSE-SUMMARY-摘要" in review and "LOSE-PLAN-方案" in review
