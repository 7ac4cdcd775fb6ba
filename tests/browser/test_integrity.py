"""廉洁监督 in the browser: the demo supervisor opens the desk, opens a flag's evidence with a reason,
refers one flag and dismisses the other, each with a reason, and finds every step on the record."""

import re

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import AuditEntry, FlagStatus, IntegrityFlag
from tests.browser.conftest import shot
from tests.browser.test_foundation import sign_in

pytestmark = pytest.mark.browser


def test_the_supervisor_examines_refers_and_dismisses_flags(page, phone, live_server, demo):
    sign_in(page, live_server, "supervisor")
    page.get_by_role("link", name="廉洁监督台").click()
    page.wait_for_url(re.compile(r"/integrity/$"))
    desk = page.locator("main").inner_text()
    assert "竞争组织身份信息重合" in desk and "意向书高度雷同" in desk and "独居老人助浴服务" in desk
    shot(page, "integrity-desk")

    # the evidence stays closed until it is opened with a reason; a too-short reason is refused, kept
    page.get_by_role("link", name="竞争组织身份信息重合").click()
    assert "相关项目" not in page.locator("main").inner_text()
    page.get_by_label("查看证据的理由（留痕）").fill("查")
    page.get_by_role("button", name="查看证据").click()
    assert page.get_by_label("查看证据的理由（留痕）").input_value() == "查"
    page.get_by_label("查看证据的理由（留痕）").fill("季度例行廉洁核查")
    page.get_by_role("button", name="查看证据").click()
    evidence = page.locator("main").inner_text()
    assert "证据" in evidence and "相关项目" in evidence and "联系电话" in evidence and "地址" in evidence
    assert "季度例行廉洁核查" in page.locator("section.card").filter(has=page.get_by_role("heading", name="查看记录")).inner_text()
    shot(page, "integrity-flag")

    page.get_by_label("移送至").fill("区纪委监委第三纪检监察室")
    page.get_by_label("移送理由（留痕）").fill("两家竞争组织共用联系电话和地址，且意向书高度雷同，疑似陪标，移送核实。")
    page.get_by_role("button", name="以此理由移送").click()
    assert "标记已移送，理由已留痕。" in page.locator(".flash").first.inner_text()
    decision = page.locator("section.card").filter(has=page.get_by_role("heading", name="决定", exact=True)).inner_text()
    assert "区纪委监委第三纪检监察室" in decision and "疑似陪标" in decision

    # the tender page shows the supervisor the flags still open on it
    page.locator("section.card").filter(has=page.get_by_role("heading", name="相关项目")).locator(
        "a[href*='/projects/']").first.click()
    panel = page.locator("#integrity").inner_text()
    assert "本项目的廉洁监督标记" in panel and "意向书高度雷同" in panel and "竞争组织身份信息重合" not in panel
    shot(page, "integrity-tender-panel")

    # the other flag: opened, then dismissed with a reason
    page.goto(f"{live_server}/integrity/")
    assert "竞争组织身份信息重合" not in page.locator("main table").inner_text()  # no longer open
    page.get_by_role("link", name="意向书高度雷同").click()
    page.get_by_label("查看证据的理由（留痕）").fill("与已移送的标记关联核查")
    page.get_by_role("button", name="查看证据").click()
    page.get_by_label("驳回理由（留痕）").fill("已并入同一线索移送处理，本条不再单独移送。")
    page.get_by_role("button", name="以此理由驳回").click()
    assert "标记已驳回，理由已留痕。" in page.locator(".flash").first.inner_text()

    page.goto(f"{live_server}/integrity/?status=all")
    every = page.locator("main table").inner_text()
    assert "已移送" in every and "不成立" in every
    shot(page, "integrity-desk-decided")

    sign_in(phone, live_server, "supervisor")  # the desk on a phone: cards, nothing cut off
    phone.goto(f"{live_server}/integrity/?status=all")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    finding = phone.locator("table.flags td.finding").first.bounding_box()
    assert finding["width"] >= 280  # the finding reads across the card, not in a narrow column
    shot(phone, "integrity-desk-phone")

    db.session.expire_all()
    decided = {f.signal.value: f for f in db.session.scalars(select(IntegrityFlag))}
    assert decided["shared_identity"].status is FlagStatus.referred
    assert decided["similar_bids"].status is FlagStatus.dismissed
    trail = db.session.scalars(select(AuditEntry.action).where(AuditEntry.subject_type == "integrity_flags")
                               .order_by(AuditEntry.seq)).all()
    assert trail == ["integrity.flag_opened", "integrity.flag_referred", "integrity.flag_opened",
                     "integrity.flag_dismissed"]
