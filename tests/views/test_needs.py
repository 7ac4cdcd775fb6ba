import re
from io import BytesIO

from PIL import Image

from marketplace.domain.assess import needs
from marketplace.extensions import db
from marketplace.models import Need, NeedPhoto, NeedStatus, Role, Wish, WishStatus
from tests.conftest import Auth, csrf_token_from
from tests.factories import make_category, make_community, make_need, make_user, review_scores


def png_bytes():
    buffer = BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def _wish_form(client):
    page = client.get("/wish").get_data(as_text=True)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', page)
    return csrf_token_from(page), key.group(1) if key else ""


def test_a_resident_makes_a_wish_without_an_account_and_it_reaches_the_secretary(app, client):
    community = make_community()
    secretary = make_user(Role.secretary, community_id=community.id)
    db.session.commit()
    token, key = _wish_form(client)
    response = client.post("/wish", data={"community_id": community.id, "content": "希望楼下多放几把长椅",
                                          "contact": "13912340000", "csrf_token": token, "submission_key": key})
    assert response.status_code == 200 and "感谢您" in response.get_data(as_text=True)
    secretary_client = app.test_client()
    Auth(secretary_client).login(secretary.username)
    desk = secretary_client.get("/community/").get_data(as_text=True)
    assert "希望楼下多放几把长椅" in desk and "13912340000" in desk
    # nothing about the wish, and never the phone, on public pages
    for url in ("/needs/", "/", "/projects/"):
        assert "13912340000" not in client.get(url).get_data(as_text=True)


def test_a_wish_needs_a_community_and_keeps_what_was_typed(client):
    make_community()
    db.session.commit()
    token, key = _wish_form(client)
    response = client.post("/wish", data={"community_id": "0", "content": "希望有人陪老人聊天",
                                          "csrf_token": token, "submission_key": key})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "希望有人陪老人聊天" in html
    assert db.session.scalar(db.select(db.func.count(Wish.id))) == 0


def test_a_double_click_makes_one_wish_and_a_flood_is_stopped(client):
    community = make_community()
    db.session.commit()
    token, key = _wish_form(client)
    data = {"community_id": community.id, "content": "希望社区办暑期班", "csrf_token": token, "submission_key": key}
    assert client.post("/wish", data=data).status_code == 200
    assert client.post("/wish", data=data).status_code == 200
    assert db.session.scalar(db.select(db.func.count(Wish.id))) == 1
    codes = [client.post("/wish", data={**data, "submission_key": f"k{i}", "content": f"第{i}个心愿内容"}).status_code
             for i in range(5)]
    assert codes[-1] == 429 and "尝试次数过多" in client.post("/wish", data=data).get_data(as_text=True)


def _secretary_client(app, secretary):
    c = app.test_client()
    Auth(c).login(secretary.username)
    return c


def _need_form(c, **overrides):
    page = c.get("/community/needs/new").get_data(as_text=True)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', page).group(1)
    data = {"title": "老年人助餐服务", "description": "午餐没有着落", "category_id": "", "beneficiaries": "独居老人",
            "beneficiaries_count": "40", "urgency": "high", "csrf_token": csrf_token_from(page), "submission_key": key}
    data.update(overrides)
    return data


def test_a_secretary_records_a_need_with_photos(app):
    category = make_category()
    secretary = make_user(Role.secretary)
    db.session.commit()
    c = _secretary_client(app, secretary)
    data = _need_form(c, category_id=str(category.id))
    data["photos"] = [(BytesIO(png_bytes()), "a.png"), (BytesIO(png_bytes()), "b.png")]
    response = c.post("/community/needs/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    need = db.session.scalars(db.select(Need)).one()
    assert need.code == "LC-2026-000001" and len(need.photos) == 2
    photo = c.get(f"/needs/{need.code}/photos/{need.photos[0].id}")
    assert photo.status_code == 200 and photo.mimetype == "image/png"
    assert photo.headers["X-Content-Type-Options"] == "nosniff"
    with Image.open(BytesIO(photo.get_data())) as served:  # encoded again (no metadata), same picture
        assert served.format == "PNG" and served.getpixel((3, 3)) == (10, 120, 30)
    photo.close()
    # the public, another community's secretary and an unassigned expert cannot open it
    assert app.test_client().get(f"/needs/{need.code}/photos/{need.photos[0].id}").status_code == 302
    for role in (Role.secretary, Role.expert, Role.organization):
        other = app.test_client()
        Auth(other).login(make_user(role).username)
        assert other.get(f"/needs/{need.code}/photos/{need.photos[0].id}").status_code == 404


def test_a_file_that_is_not_a_photo_is_refused_and_the_form_kept(app):
    category = make_category()
    secretary = make_user(Role.secretary)
    db.session.commit()
    c = _secretary_client(app, secretary)
    data = _need_form(c, category_id=str(category.id), title="楼道声控灯")
    data["photos"] = [(BytesIO(b"MZ\x90\x00 this is an exe"), "photo.jpg")]
    response = c.post("/community/needs/new", data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "该文件不是照片" in html and 'value="楼道声控灯"' in html
    assert db.session.scalar(db.select(db.func.count(Need.id))) == 0
    assert db.session.scalar(db.select(db.func.count(NeedPhoto.id))) == 0


def test_bad_need_input_is_explained(app):
    category = make_category()
    secretary = make_user(Role.secretary)
    db.session.commit()
    c = _secretary_client(app, secretary)
    for overrides, message in (({"beneficiaries_count": "abc"}, "不是有效的整数"),
                               ({"beneficiaries_count": "0"}, "1 到 1,000,000"),
                               ({"title": ""}, "该字段是必填字段"),
                               ({"title": "长" * 101}, "100")):
        response = c.post("/community/needs/new", data=_need_form(c, category_id=str(category.id), **overrides))
        assert response.status_code == 400 and message in response.get_data(as_text=True), overrides
    assert db.session.scalar(db.select(db.func.count(Need.id))) == 0


def test_the_same_form_sent_twice_records_one_need(app):
    category = make_category()
    secretary = make_user(Role.secretary)
    db.session.commit()
    c = _secretary_client(app, secretary)
    data = _need_form(c, category_id=str(category.id))
    assert c.post("/community/needs/new", data=data).status_code == 302
    assert c.post("/community/needs/new", data=data).status_code == 302
    assert db.session.scalar(db.select(db.func.count(Need.id))) == 1


def test_a_secretary_acts_only_on_their_community(app):
    wish = needs.submit_wish(make_community(), "别的社区的心愿", None, "1.2.3.4")
    secretary = make_user(Role.secretary)
    db.session.commit()
    c = _secretary_client(app, secretary)
    assert c.get(f"/community/needs/new?wish={wish.id}").status_code == 404
    assert Auth(c).post(f"/community/wishes/{wish.id}/decline", {"reason": "x"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Wish, wish.id).status is WishStatus.new
    for role in (Role.street, Role.expert, Role.organization, Role.resident):
        other = app.test_client()
        Auth(other).login(make_user(role).username)
        assert other.get("/community/").status_code == 403


def test_street_assigns_reviewers_reviewer_scores_street_decides(app):
    secretary = make_user(Role.secretary)
    officer = make_user(Role.street, street_id=secretary.community.street_id)
    expert, other_expert = make_user(Role.expert), make_user(Role.expert)
    need = make_need(secretary)
    db.session.commit()
    street = app.test_client()
    Auth(street).login(officer.username)
    assert "待分配评审专家的需求" in street.get("/dashboard").get_data(as_text=True)
    assert Auth(street).post(f"/needs/{need.code}/assign", {"reviewer_ids": [expert.id, other_expert.id]},
                             page=f"/needs/{need.code}/assign").status_code == 302
    reviewer = app.test_client()
    Auth(reviewer).login(expert.username)
    assert "等待您评审的需求" in reviewer.get("/dashboard").get_data(as_text=True)
    page = reviewer.get(f"/reviews/{need.code}").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(page)}
    for key, score in {"urgency": "25", "reach": "20", "feasibility": "20", "cost": "15"}.items():
        data[f"{key}_score"], data[f"{key}_reason"] = score, "需求真实"
    bad = {**data, "urgency_score": "31"}
    response = reviewer.post(f"/reviews/{need.code}", data=bad)
    assert response.status_code == 400 and "0 到 30" in response.get_data(as_text=True)
    assert reviewer.post(f"/reviews/{need.code}", data=data).status_code == 302
    # the other expert has not scored: they cannot see the first expert's scores anywhere
    second = app.test_client()
    Auth(second).login(other_expert.username)
    assert "需求真实" not in second.get(f"/reviews/{need.code}").get_data(as_text=True)
    assert "80.00" not in second.get(f"/needs/{need.code}").get_data(as_text=True)
    # the first sees all submitted scores
    assert "需求真实" in reviewer.get(f"/reviews/{need.code}").get_data(as_text=True)
    detail = street.get(f"/needs/{need.code}").get_data(as_text=True)
    assert "80.00" in detail and "60 分及以上可发榜" in detail
    assert Auth(street).post(f"/needs/{need.code}/decide", {"decision": "approve"},
                             page=f"/needs/{need.code}").status_code == 302
    db.session.expire_all()
    assert db.session.get(Need, need.id).status is NeedStatus.approved
    public = app.test_client().get(f"/needs/{need.code}").get_data(as_text=True)
    assert "评审通过，可以发榜" in public and expert.display_name not in public


def test_a_reviewer_sees_only_their_own_assignments(app):
    secretary = make_user(Role.secretary)
    officer = make_user(Role.street, street_id=secretary.community.street_id)
    expert, stranger = make_user(Role.expert), make_user(Role.expert)
    need = make_need(secretary)
    needs.assign_reviewers(officer, need, [expert])
    db.session.commit()
    c = app.test_client()
    Auth(c).login(stranger.username)
    assert c.get(f"/reviews/{need.code}").status_code == 404
    assert need.code not in c.get("/reviews/").get_data(as_text=True)


def test_another_street_cannot_assign_or_decide(app):
    need = make_need()
    outsider = make_user(Role.street)
    expert = make_user(Role.expert)
    db.session.commit()
    c = app.test_client()
    Auth(c).login(outsider.username)
    assert c.get(f"/needs/{need.code}/assign").status_code == 403
    assert Auth(c).post(f"/needs/{need.code}/assign", {"reviewer_ids": [expert.id]}).status_code == 403
    assert Auth(c).post(f"/needs/{need.code}/decide", {"decision": "reject", "reason": "x"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Need, need.id).status is NeedStatus.recorded


def test_approving_below_the_threshold_is_refused_with_the_numbers(app):
    secretary = make_user(Role.secretary)
    officer = make_user(Role.street, street_id=secretary.community.street_id)
    expert = make_user(Role.expert)
    need = make_need(secretary)
    needs.assign_reviewers(officer, need, [expert])
    needs.submit_review(expert, need.reviews[0], review_scores(10, 10, 10, 10))
    db.session.commit()
    c = app.test_client()
    Auth(c).login(officer.username)
    response = Auth(c).post(f"/needs/{need.code}/decide", {"decision": "approve"}, page=f"/needs/{need.code}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "40.00" in html and "60" in html
    db.session.expire_all()
    assert db.session.get(Need, need.id).status is NeedStatus.in_review


def test_merge_through_the_page(app):
    secretary = make_user(Role.secretary)
    survivor, duplicate = make_need(secretary), make_need(secretary)
    db.session.commit()
    c = app.test_client()
    Auth(c).login(secretary.username)
    response = Auth(c).post(f"/needs/{duplicate.code}/merge", {"survivor_id": survivor.id},
                            page=f"/needs/{duplicate.code}")
    assert response.status_code == 302
    page = c.get(f"/needs/{duplicate.code}").get_data(as_text=True)
    assert "本需求已合并到" in page and survivor.code in page
    assert duplicate.code in c.get(f"/needs/{survivor.code}").get_data(as_text=True)


def test_search_finds_two_character_words(client):
    secretary = make_user(Role.secretary)
    make_need(secretary, title="老年人助餐服务", description="午餐配送")
    make_need(secretary, title="四点半课堂", description="放学后托管和作业辅导")
    make_need(secretary, title="社区花园", description="居民共建")
    db.session.commit()
    for word, expected in (("助餐", "老年人助餐服务"), ("托管", "四点半课堂"), ("花园", "社区花园")):
        html = client.get(f"/needs/?q={word}").get_data(as_text=True)
        assert expected in html and "共 1 项需求" in html, word
    assert "共 0 项需求" in client.get("/needs/?q=养老").get_data(as_text=True)
    assert client.get('/needs/?q=" OR 1=1 --').status_code == 200


def test_exports_of_the_needs_list(client):
    make_need(title="老年人助餐服务")
    db.session.commit()
    csv_response = client.get("/needs/export.csv")
    text = csv_response.data.decode("utf-8-sig")
    assert csv_response.mimetype == "text/csv" and "需求编号" in text and "老年人助餐服务" in text
    xlsx = client.get("/needs/export.xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(xlsx.data)).active
    rows = list(sheet.values)
    assert rows[0][0] == "需求编号" and rows[1][1] == "老年人助餐服务"


def test_the_experts_desk_shows_the_ones_to_score_first_a_page_at_a_time(app, monkeypatch):
    from marketplace.domain.core import clock
    from marketplace.models import NeedReview
    from marketplace.views import reviews as view

    monkeypatch.setattr(view, "REVIEWS_PER_PAGE", 2)
    expert, admin = make_user(Role.expert), make_user(Role.admin)
    made = []
    for i, done in enumerate([True, False, True]):
        need = make_need(title=f"需求{i}")
        db.session.add(NeedReview(need_id=need.id, reviewer_id=expert.id, assigned_by_id=admin.id,
                                  scores={"urgency": {"score": 20, "reason": "理由"}} if done else None,
                                  total=20 if done else None, submitted_at=clock.now() if done else None))
        made.append(need.code)
    db.session.commit()
    c = app.test_client()
    Auth(c).login(expert.username)
    first = c.get("/reviews/").get_data(as_text=True)
    assert first.index(made[1]) < first.index(made[2])  # to score first, then the newest done
    assert made[0] not in first and "第 1 页，共 2 页" in first and "下一页" in first
    second = c.get("/reviews/?page=2").get_data(as_text=True)
    assert made[0] in second and made[1] not in second and made[2] not in second
    assert c.get("/reviews/?page=99999999999").status_code == 200
