"""揭榜 → 承榜 in the browser: a joint bid, the deadline, the panel, the award, the public page."""

import re
from datetime import timedelta

import pytest

from marketplace.domain.core import clock
from marketplace.domain.tender import bids
from marketplace.domain.core.clock import LOCAL_TZ
from marketplace.extensions import db
from marketplace.models import Project, ProjectStatus, User
from tests.browser.conftest import shot
from tests.browser.test_foundation import sign_in

pytestmark = pytest.mark.browser


def sign_out(page):
    page.get_by_role("button", name="退出").click()


def score_every_bid(page, base, code, username, plans):
    sign_in(page, base, username)
    page.goto(f"{base}/projects/{code}/review")
    page.get_by_role("button", name="签署声明").click()
    for org_name, plan in plans:
        section = page.locator("section", has_text=org_name)
        for key, value in (("plan", plan), ("team", "15"), ("past", "10"), ("budget", "10"), ("roadshow", "8")):
            section.locator(f"input[name={key}_score]").fill(value)
            section.locator(f"input[name={key}_reason]").fill("依据意向书和路演评定")
        section.get_by_role("button", name="提交对该意向书的评分").click()
        assert "已保存对" in page.locator(".flash").first.inner_text()
    sign_out(page)


def test_joint_bid_to_public_award(page, live_server, demo):
    project = db.session.scalar(db.select(Project).where(Project.title == "李村街道老年人助餐服务项目"))
    code, deadline = project.code, project.bid_deadline
    lead = db.session.scalar(db.select(User).where(User.username == "org6"))
    lead_name = lead.organization.name
    # a second, independent bid, entered directly
    other = db.session.scalar(db.select(User).where(User.username == "org5"))
    other_name = other.organization.name
    bids.submit(other, bids.save(other, project, {"summary": "社区食堂老年餐桌（摘要）", "plan": "在社区食堂设置老年餐桌", "team": "厨师2名", "outputs": "60人",
                                                  "schedule": "12个月", "budget": [{"item": "餐费", "amount": "100000"}]}))
    db.session.commit()

    # the invited partner confirms inside its own account
    sign_in(page, live_server, "org")
    page.get_by_role("link", name="待答复的联合揭榜邀请").click()
    page.get_by_role("button", name="确认参与").click()
    assert "已记录" in page.locator(".flash").first.inner_text()
    sign_out(page)

    # the lead submits the joint bid and gets its receipt
    sign_in(page, live_server, "org6")
    page.goto(f"{live_server}/projects/{code}")
    assert "您的组织可以参与本项目揭榜" in page.locator("main").inner_text()
    page.get_by_role("link", name="继续填写意向书").click()
    assert "承榜后公开" in page.locator(".field", has=page.get_by_label("意向书摘要（承榜后公开）")).inner_text()
    page.get_by_label("意向书摘要（承榜后公开）").fill("社区食堂午餐加送餐上门（公开摘要）")
    page.get_by_label("服务方案").fill("与社区食堂合作，提供老人午餐与送餐上门，合作方负责送餐志愿者。")
    page.get_by_role("button", name="保存并提交（揭榜）").click()
    flash = page.locator(".flash").first.inner_text()
    assert "回执（SHA-256）" in flash
    digest = re.search(r"[0-9a-f]{64}", flash).group(0)
    shot(page, "bid-receipt")
    sign_out(page)
    page.goto(f"{live_server}/projects/{code}")
    assert digest in page.locator("#receipts").inner_text()
    assert "与社区食堂合作" not in page.locator("main").inner_text()  # sealed

    with clock.frozen(deadline + timedelta(hours=1)):
        # the street forms the panel and schedules the roadshows
        sign_in(page, live_server, "street")
        page.goto(f"{live_server}/projects/{code}")
        page.get_by_role("link", name="评审组、路演与承榜").click()
        page.locator("input[name=members_street]").first.check()
        page.locator("label", has_text="刘教授").locator("input").check()
        page.locator("input[name=members_department]").first.check()
        page.get_by_role("button", name="组建评审组").click()
        assert "评审组已组建" in page.locator(".flash").first.inner_text()
        start = (clock.now() - timedelta(minutes=10)).astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")
        for _ in range(2):
            row = page.locator(".bid-row").filter(has=page.locator("input[name=place]")).filter(
                has_not_text="路演 2026").first
            row.locator("input[name=starts_at]").fill(start)
            row.locator("input[name=place]").fill("李村街道社区服务中心")
            row.get_by_role("button", name="安排路演").click()
        sign_out(page)
        db.session.expire_all()
        assert db.session.get(Project, project.id).status is ProjectStatus.reviewing
        db.session.commit()  # end the test's read: SQLite would hold the server's writers back

        for username, plans in (("street", ((lead_name, "36"), (other_name, "30"))),
                                ("expert", ((lead_name, "35"), (other_name, "31"))),
                                ("department", ((lead_name, "37"), (other_name, "29")))):
            score_every_bid(page, live_server, code, username, plans)

        sign_in(page, live_server, "street")
        page.goto(f"{live_server}/projects/{code}/panel")
        assert "排名" in page.locator("main").inner_text()
        shot(page, "panel-ranking")
        page.get_by_role("button", name="确定承榜并开始公示").click()
        assert "进入公示期" in page.locator(".flash").first.inner_text()
        sign_out(page)

        # the public sees why this winner
        page.goto(f"{live_server}/projects/{code}/award")
        text = page.locator("main").inner_text()
        assert lead_name in text and "专家A" in text and "专家C" in text and "公示至" in text
        assert "刘教授" not in text
        page.locator("details.reasons").first.locator("summary").click()
        assert "依据意向书和路演评定" in page.locator("details.reasons").first.inner_text()
        shot(page, "why-this-winner")
        # every bidder's summary is public; the winner's full plan too, never the other bid's
        html = page.locator("main").text_content()
        assert "社区食堂午餐加送餐上门（公开摘要）" in html and "社区食堂老年餐桌（摘要）" in html
        assert "合作方负责送餐志愿者" in html and "在社区食堂设置老年餐桌" not in html
