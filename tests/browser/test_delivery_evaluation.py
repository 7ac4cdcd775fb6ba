"""履约 → 考榜 in the browser: progress, confirmation, closing, four parties, grade, PDF."""

import re
from io import BytesIO

import pytest
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader

from marketplace.extensions import db
from marketplace.models import Project, SurveyCode
from tests.browser.conftest import ARTIFACTS, shot
from tests.browser.test_foundation import sign_in

pytestmark = pytest.mark.browser


def sign_out(page):
    page.get_by_role("button", name="退出").click()


def score(page, base, code, username):
    sign_in(page, base, username)
    page.goto(f"{base}/projects/{code}/evaluation")
    for field in page.locator("input[name$='_score']").all():
        field.fill(str(int(float(field.get_attribute("max")) * 0.9)))
    for field in page.locator("input[name$='_reason']").all():
        field.fill("依据结项材料和走访")
    page.get_by_role("button", name="提交评价").click()
    assert "评价已提交" in page.locator(".flash").first.inner_text()
    sign_out(page)


def test_progress_to_grade_and_pdf(page, live_server, demo, tmp_path):
    project = db.session.scalar(db.select(Project).where(Project.title == "居家养老上门服务"))
    code, title = project.code, project.title
    db.session.commit()
    photo = tmp_path / "服务.jpg"
    Image.new("RGB", (640, 480), (180, 40, 40)).save(photo, "JPEG")

    sign_in(page, live_server, "org22")
    page.goto(f"{live_server}/projects/{code}")
    page.get_by_role("link", name="履约工作台").click()
    second = page.locator("article.milestone#m2")
    second.locator("summary").click()
    second.get_by_label("完成的工作").fill("上门服务全部完成，累计服务老人60人。")
    second.get_by_label("服务人数").fill("60")
    second.get_by_label("支出金额（元）").fill("30000")
    second.locator("input[type=file]").set_input_files(str(photo))
    second.get_by_label("该节点已完成").check()
    second.get_by_role("button", name="提交报告").click()
    assert "进度已报告" in page.locator(".flash").first.inner_text()
    sign_out(page)

    sign_in(page, live_server, "secretary")
    page.goto(f"{live_server}/projects/{code}/delivery")
    page.locator("article.milestone#m2").get_by_role("button", name="确认完成").click()
    sign_out(page)

    sign_in(page, live_server, "org22")
    page.goto(f"{live_server}/projects/{code}/delivery")
    page.get_by_label("对照目标的产出").fill("服务老人60人，满意度高。")
    page.get_by_label("受益人数").fill("60")
    page.get_by_label("总支出（元）").fill("51000")
    page.get_by_label("经验总结").fill("固定服务时段便于老人安排。")
    page.get_by_role("button", name="提交结项报告").click()
    assert "待社区确认" in page.locator(".flash").first.inner_text()
    sign_out(page)

    sign_in(page, live_server, "secretary")
    page.goto(f"{live_server}/projects/{code}/delivery")
    page.get_by_role("button", name="确认结项报告").click()
    assert "开始考榜" in page.locator(".flash").first.inner_text()
    page.get_by_label("服务户数（每户一个评价码）").fill("3")
    page.get_by_role("button", name="生成评价码").click()
    with page.expect_download() as sheet:
        page.get_by_role("link", name="打印二维码单（PDF）").click()
    assert sheet.value.suggested_filename.endswith("survey-codes.pdf")
    sign_out(page)

    sign_in(page, live_server, "street")
    page.goto(f"{live_server}/projects/{code}/evaluation")
    page.locator("label", has_text="福苑社区 书记").locator("input").check()
    page.locator("input[name=evaluators_department]").first.check()
    page.locator("label", has_text="刘教授").locator("input").check()
    page.get_by_role("button", name="指定评价人员").click()
    sign_out(page)
    for username in ("secretary", "department", "expert"):
        score(page, live_server, code, username)

    # a household answers with the code on its card, without an account
    survey_code = db.session.scalar(db.select(SurveyCode.code).join(Project).where(Project.code == code))
    db.session.commit()
    page.goto(f"{live_server}/survey")
    page.get_by_label("评价码").fill(survey_code.lower())
    page.get_by_role("button", name="继续").click()
    for n in range(1, 6):  # one question at a time, answered in words
        active = page.locator("fieldset.question.active")
        expect(active.locator("legend")).to_contain_text(f"第 {n} 题，共 5 题")
        if n == 1:
            shot(page, "survey")
        active.get_by_text("非常满意", exact=True).click()
    page.get_by_role("button", name="提交答卷").click()
    assert "感谢您" in page.locator("h1").inner_text()

    sign_in(page, live_server, "street")
    page.goto(f"{live_server}/projects/{code}/evaluation")
    page.get_by_role("button", name="结束考榜并公布等次").click()
    message = page.locator(".flash").first.inner_text()
    total = re.search(r"(\d+\.\d\d) 分", message).group(1)
    sign_out(page)
    page.goto(f"{live_server}/projects/{code}")
    assert f"考榜：{total} 分" in page.locator("#delivery").inner_text()
    shot(page, "evaluated-project")
    with page.expect_download() as download:
        page.get_by_role("link", name="结项报告（PDF）").click()
    path = ARTIFACTS / "closing-report.pdf"
    ARTIFACTS.mkdir(exist_ok=True)
    download.value.save_as(path)
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(path.read_bytes())).pages)
    assert title in text and total in text
