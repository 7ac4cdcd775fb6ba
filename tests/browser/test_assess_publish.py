"""评榜 → 发榜 in the browser: a resident's wish becomes a published project."""

import re
from datetime import timedelta

import pytest

from marketplace.domain.core import clock
from marketplace.domain.core.clock import LOCAL_TZ
from tests.browser.conftest import shot
from tests.browser.test_foundation import sign_in

pytestmark = pytest.mark.browser


def sign_out(page):
    page.get_by_role("button", name="退出").click()


def test_a_wish_travels_to_a_published_project(page, live_server, demo):
    # 1. a resident, without an account, makes a micro-wish for 福苑社区
    page.goto(f"{live_server}/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="微心愿").click()
    page.get_by_label("您所在的社区").select_option(label="福苑社区")
    page.get_by_label("您的心愿").fill("希望社区为独居老人开设周末助餐点")
    page.get_by_role("button", name="提交心愿").click()
    assert "已送达福苑社区" in page.locator("main").inner_text()

    # 2. the secretary takes it up as a need
    sign_in(page, live_server, "secretary")
    page.get_by_role("link", name="待处理的居民微心愿").click()
    page.locator("article.wish", has_text="周末助餐点").get_by_role("link", name="转为需求").click()
    assert page.get_by_label("需求内容及原因").input_value() == "希望社区为独居老人开设周末助餐点"
    page.get_by_label("标题").fill("周末老人助餐点")
    page.get_by_label("类别").select_option(label="为老服务")
    page.get_by_label("紧迫性").select_option("high")
    page.get_by_label("受益对象").fill("独居老人")
    page.get_by_label("受益人数").fill("0")
    page.get_by_role("button", name="登记需求").click()
    assert "请输入 1 到 1,000,000 之间的数" in page.locator("main").inner_text()
    assert page.get_by_label("标题").input_value() == "周末老人助餐点"  # kept
    page.get_by_label("受益人数").fill("35")
    page.get_by_role("button", name="登记需求").click()
    page.wait_for_url(re.compile(r"/needs/LC-\d{4}-\d{6}$"))
    code = page.url.rsplit("/", 1)[1]
    assert "已登记" in page.locator("h1").inner_text()
    shot(page, "need-recorded")
    sign_out(page)

    # 3. the street assigns a reviewer
    sign_in(page, live_server, "street")
    page.goto(f"{live_server}/needs/{code}/assign")
    page.get_by_label(re.compile("刘教授")).check()
    page.get_by_role("button", name="分配并通知").click()
    assert "评审专家已分配" in page.locator(".flash").inner_text()
    sign_out(page)

    # 4. the reviewer scores each criterion with a reason
    sign_in(page, live_server, "expert")
    page.get_by_role("link", name="等待您评审的需求").click()
    page.locator("tr", has_text=code).get_by_role("link", name="去打分").click()
    assert "其他专家" in page.locator("main").inner_text()
    for label, score in (("紧迫性", "27"), ("受益面", "21"), ("可行性", "22"), ("成本合理性", "17")):
        page.get_by_label(re.compile(f"^{label}（")).fill(score)
    for reason in page.locator("input[name$='_reason']").all():
        reason.fill("需求真实，可行")
    shot(page, "review-form")
    page.get_by_role("button", name="提交评审意见").click()
    assert "评审意见已提交" in page.locator(".flash").inner_text()
    assert "87" in page.locator("main").inner_text()
    sign_out(page)

    # 5. the street approves and publishes a project
    sign_in(page, live_server, "street")
    page.goto(f"{live_server}/needs/{code}")
    assert "87.00" in page.locator("main").inner_text()
    page.get_by_label("通过，可以发榜").check()
    page.get_by_role("button", name="记录决定").click()
    assert "可发榜" in page.locator("h1").inner_text()
    page.get_by_role("link", name="用此需求形成项目").click()
    page.get_by_label("项目名称").fill("福苑社区周末助餐服务")
    page.get_by_label("服务内容").fill("每周六、日为独居老人提供午餐。")
    page.get_by_label("可量化的产出（每行一项）").fill("服务老人35人\n每周2天")
    page.get_by_label("预算上限（元）").fill("30000")
    now = clock.now()
    page.get_by_label("揭榜截止时间").fill((now + timedelta(days=14)).astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("答疑截止时间").fill((now + timedelta(days=10)).astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M"))
    page.locator("#plan").fill("50")
    page.get_by_role("button", name="保存草稿").click()
    assert "各项权重合计为 110" in page.locator("main").inner_text()
    page.locator("#plan").fill("40")
    page.get_by_label("采购方式").select_option("government_purchase")  # pre-fills that regime's weights
    assert (page.locator("#plan").input_value(), page.locator("#price").input_value()) == ("30", "10")
    page.get_by_label("采购方式").select_option("community_fund")
    assert (page.locator("#plan").input_value(), page.locator("#price").input_value()) == ("40", "0")
    shot(page, "project-form")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url(re.compile(r"/projects/LCXM-"))
    page.get_by_role("button", name="发榜").click()
    assert "已发榜" in page.locator(".flash").inner_text()
    project_url = page.url
    sign_out(page)

    # 7. anyone finds it: the lists, the two-character search, the export
    page.goto(project_url)
    assert "揭榜中" in page.locator("h1").inner_text()
    assert code in page.locator("main").inner_text()
    shot(page, "project-public")
    page.goto(f"{live_server}/needs/")
    page.get_by_label("搜索").fill("助餐")
    page.get_by_role("button", name="筛选").click()
    rows = page.locator("tbody tr")
    assert rows.count() >= 2 and "周末老人助餐点" in page.locator("tbody").inner_text()
    page.get_by_label("状态").select_option(label="已纳入项目")
    page.get_by_role("button", name="筛选").click()
    assert "周末老人助餐点" in page.locator("tbody").inner_text()
    shot(page, "needs-list")
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel").click()
    name = download.value.suggested_filename  # 需求清单-<the day>.xlsx
    assert name.startswith("需求清单-") and name.endswith(".xlsx"), name
    page.goto(f"{live_server}/needs/{code}")
    assert "纳入项目" in page.locator(".timeline").inner_text()
