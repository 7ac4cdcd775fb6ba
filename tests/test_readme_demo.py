"""The README's demo table, as written: every account it names signs in, and each "try this" is
there for it on the demo district (one seed for the whole walk). The black-listed organization's
story is completed: it appeals, the district upholds the appeal, and it may bid again."""

from __future__ import annotations

import re

from sqlalchemy import select

from marketplace.config import ROOT
from marketplace.extensions import db, limiter
from marketplace.models import Appeal, ListEntry, ListPeriod, OrderingMeeting, Project, ProjectStatus, User
from tests.conftest import Auth, csrf_token_from

PASSWORD = "Licang-2026"


def _text(response) -> str:
    html = response.get_data(as_text=True)
    main = re.search(r"<main.*?</main>", html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main.group(0) if main else html))


def _project(title: str) -> str:
    return db.session.scalar(select(Project.code).where(Project.title == title).order_by(Project.id.desc()))


def _readme_accounts() -> dict[str, str]:
    """username → its "try this" cell, from the README's table of demo accounts."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("| username | role | try this |", 1)[1].split("\n\n", 1)[0]
    rows = {}
    for line in table.strip().splitlines()[1:]:
        first, _role, try_this = [cell.strip() for cell in line.strip("|").split("|")][:3]
        for name in re.findall(r"`([^`]+)`", first):
            rows[name] = try_this
    return rows


def _checks() -> dict[str, list[tuple[str, list[str]]]]:
    """What each README row promises, as (page, texts on it)."""
    bath, law, meal = _project("独居老人助浴服务"), _project("社区法律明白人培训"), _project("李村街道老年人助餐服务项目")
    rehab, care, mediation = _project("社区助残康复服务"), _project("居家养老上门服务"), _project("社区矛盾调解进楼院")
    joint, after_school = _project("社区心理健康陪伴计划"), _project("四点半课堂课后托管服务")
    stray = db.session.scalar(select(User.display_name).where(User.username == "expert5"))
    held = db.session.scalar(select(OrderingMeeting.code).where(OrderingMeeting.title.like("%冬季社区书记点单会")))
    upcoming = db.session.scalar(select(OrderingMeeting.code).where(OrderingMeeting.title.like("%春季社区书记点单会")))
    return {
        "admin": [("/dashboard", ["待审核的社会组织 2"]), ("/admin/rules/", ["权重"]), ("/admin/", ["留痕"]),
                  ("/rules", ["直接委托限额"])],
        "supervisor": [("/dashboard", ["监督员", "读取本区全部项目"]), (f"/projects/{law}", ["流标"]),
                       ("/integrity/", ["意向书高度雷同", "竞争组织身份信息重合", "独居老人助浴服务",
                                        "评分离群", stray, "老年人健康管理服务"])],
        "street": [("/street/", ["已登记 2", "评榜中 2", "可发榜 3", "形成项目", "托管服务是否需要提供晚餐"]),
                   ("/dashboard", ["待发布的项目草稿 1", f"{bath} 独居老人助浴服务"]),
                   (f"/projects/{law}", ["流标", "重新发榜"]), (f"/projects/{after_school}", ["答复"]),
                   (f"/meetings/{held}", ["直接委托项目", "本月服务人员已排满", "待社会组织接单"])],
        "secretary": [("/community/", ["待处理的居民微心愿 3", "登记需求", "已合并"]),
                      (f"/projects/{rehab}/evaluation", ["居民评价码", "生成评价码", "打印二维码单"]),
                      (f"/meetings/{upcoming}", ["路演宣讲", "☆ 加入意向"]), ("/my/orders", ["已接单"])],
        "department": [("/needs/", ["需求清单"]), ("/projects/", ["项目清单"]), ("/lists", ["红黑榜"])],
        "expert": [("/reviews/", ["去打分"]), ("/dashboard", [f"{bath} 独居老人助浴服务 — 先签署无利益冲突声明，再评分"]),
                   (f"/projects/{bath}/review", ["声明"])],
        "org": [("/invitations", ["确认"]), (f"/projects/{meal}", ["您的组织可以参与本项目揭榜", "填写揭榜意向书", "提问"]),
                ("/my/organization", ["李沧区悦读社会工作服务中心"]),
                ("/my/orders", ["待社会组织接单", "福苑社区"])],
        "org22": [(f"/projects/{care}/delivery", ["报告进度", "照片"])],
        "org24": [(f"/projects/{meal}", ["不能参与本项目揭榜", "已列入平台黑榜（2026Q4）", "前不得揭榜"]),
                  ("/my/credit", ["2026Q4 黑榜", "申诉（截至"])],
        "org16": [("/my/credit", ["2026Q3 红榜", "2026Q4 红榜"])],
        "org23": [(f"/projects/{mediation}/delivery", ["已提交整改方案", "整改方案："])],
        "org6": [("/dashboard", ["社会组织"])],
        "org14": [(f"/projects/{joint}/award", ["公示中", "李沧区和风调解协会"])],
        "org15": [(f"/projects/{joint}/award", ["公示中"])],
        "pending-org": [("/dashboard", ["注册信息正在等待区级审核"])],
        "resident": [("/projects/", ["项目清单"])],
    }


def test_every_account_of_the_readme_table_can_try_what_it_says(app, demo):
    accounts, checks = _readme_accounts(), _checks()
    db.session.commit()
    assert set(accounts) == set(checks), "the README's demo table and this test name the same accounts"
    failures = []
    for username, pages in checks.items():
        client = app.test_client()
        limiter.reset()  # (more sign-ins than a minute's limit)
        assert Auth(client).login(username, PASSWORD).status_code == 302, username
        for url, texts in pages:
            response = client.get(url)
            text = _text(response)
            missing = [t for t in texts if t not in text]
            if response.status_code != 200 or missing:
                failures.append((username, url, response.status_code, missing))
    assert failures == []

    # the "admin confirms it on 红黑榜管理" of org16, and the README's public paragraph
    admin = app.test_client()
    Auth(admin).login("admin", PASSWORD)
    assert "李沧区爱心社会工作服务中心 · 2026Q4" in _text(admin.get("/district/lists"))
    public = app.test_client()
    evaluated = db.session.scalars(select(Project.code).where(Project.status == ProjectStatus.evaluated)).all()
    grades = set()
    for code in evaluated:
        assert code in _text(public.get("/projects/?status=evaluated"))
        grades |= set(re.findall(r"考榜：[0-9.]+ 分 — (优秀|良好|合格|不合格)", _text(public.get(f"/projects/{code}"))))
    assert len(evaluated) == 4 and grades == {"优秀", "良好", "合格", "不合格"}
    evaluated = _project("老年人健康管理服务")
    assert public.get(f"/projects/{evaluated}/report.pdf").status_code == 200
    assert "淘汰退出" in _text(public.get(f"/projects/{_project('残疾人就业辅导')}"))
    assert public.get("/wish").status_code == 200
    assert "老年人助餐服务" in _text(public.get("/needs/?q=助餐"))

    # org24 is black-listed in 2026Q4 (and only there); 我的信用: appeal; the district upholds it;
    # the project it was refused now lets it prepare an intent letter
    meal = _project("李村街道老年人助餐服务项目")
    periods = db.session.scalars(select(ListPeriod.code).join(ListEntry).join(
        User, User.organization_id == ListEntry.organization_id).where(User.username == "org24")).all()
    assert periods == ["2026Q4"]
    db.session.commit()
    org = app.test_client()
    Auth(org).login("org24", PASSWORD)
    assert "不能参与本项目揭榜" in _text(org.get(f"/projects/{meal}"))
    page = org.get("/my/credit").get_data(as_text=True)
    entry_id = re.search(r'name="entry_id" value="(\d+)"', page).group(1)
    response = org.post("/my/credit", data={"entry_id": entry_id, "text": "考榜中的服务对象名单有误，已提交街道核实材料。",
                                            "evidence": "街道核实函（2026年11月）", "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    appeal = db.session.scalars(select(Appeal).where(Appeal.entry_id == int(entry_id))).one()
    admin = app.test_client()
    Auth(admin).login("admin", PASSWORD)
    page = admin.get("/district/lists").get_data(as_text=True)
    assert admin.post(f"/district/appeals/{appeal.id}", data={"uphold": "1", "reason": "经核实，申诉成立。",
                                                              "csrf_token": csrf_token_from(page)}).status_code == 302
    text = _text(org.get(f"/projects/{meal}"))
    assert "不能参与本项目揭榜" not in text and "填写揭榜意向书" in text
    assert org.get(f"/projects/{meal}/bid").status_code == 200
    assert db.session.get(Project, db.session.scalar(select(Project.id).where(Project.code == meal))).status \
        is ProjectStatus.bidding
