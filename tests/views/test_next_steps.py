"""The dashboards' next steps with due dates, and the stage bar and summary box, through HTTP."""

import re
from datetime import timedelta

from marketplace.domain.core import clock
from marketplace.domain.deliver import delivery, evaluations
from marketplace.extensions import db
from marketplace.models import Organization
from tests.conftest import Auth
from tests.domain.test_delivery import planned
from tests.domain.test_evaluations import in_evaluation
from tests.factories import bidder, make_need, published_project


def _client(app, user):
    c = app.test_client()
    Auth(c).login(user.username)
    return c


def _text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_secretary_dashboard_shows_the_survey_codes_step_with_its_date_and_days_left(app):
    project, officer, winner, secretary = in_evaluation()
    db.session.commit()
    page = _client(app, secretary).get("/dashboard").get_data(as_text=True)
    due = (clock.today() + timedelta(days=30)).isoformat()
    assert "下一步" in page
    assert f'<time datetime="{due}">' in page
    text = _text(page)
    assert f"考榜 {project.code}" in text and "发放居民满意度调查码" in text
    assert f"期限 {due} · 还剩 30 天" in text
    assert f'href="/projects/{project.code}/evaluation"' in page


def test_overdue_steps_say_so_in_words(app):
    project, officer, winner, secretary = planned()
    first = delivery.milestones(project)[0]
    db.session.commit()
    street = _client(app, officer)
    late = clock.now() + timedelta(days=(first.due_on - clock.today()).days + 2)
    with clock.frozen(late):
        text = _text(street.get("/dashboard").get_data(as_text=True))
    assert f"{project.code} 有逾期的里程碑" in text and "已逾期 2 天" in text


def test_organization_dashboard_lists_projects_open_in_its_field(app):
    project, officer = published_project()
    user = bidder()
    db.session.get(Organization, user.organization_id).categories.append(project.category)
    db.session.commit()
    text = _text(_client(app, user).get("/dashboard").get_data(as_text=True))
    assert f"您所在领域正在揭榜：{project.code}" in text and "还剩 10 天" in text


def test_project_and_need_pages_show_the_stage_bar_and_the_summary_box(app, client):
    project, officer, winner, secretary = planned()
    delivery.report_progress(winner, delivery.milestones(project)[0], "完成", 30, "15000", delivered=False)
    org_name = db.session.get(Organization, winner.organization_id).name
    need_code = project.needs[0].code
    db.session.commit()
    page = client.get(f"/projects/{project.code}").get_data(as_text=True)
    bar = re.search(r'<ol class="stagebar".*?</ol>', page, re.S).group(0)
    assert [m for m in re.findall(r"<strong>(.*?)</strong>", bar)] == ["评榜", "发榜", "揭榜", "承榜", "履约", "考榜"]
    current = re.search(r'<li class="step-current" aria-current="step">.*?</li>', bar, re.S).group(0)
    assert "履约" in current and "当前环节" in current
    assert bar.count("已完成") == 4
    box = _text(re.search(r'<dl class="summary-box">.*?</dl>', page, re.S).group(0))
    assert f"承榜方 {org_name}" in box and "¥60,000.00" in box and "¥15,000.00" in box and "25%" in box
    need_page = client.get(f"/needs/{need_code}").get_data(as_text=True)
    assert 'class="stagebar"' in need_page and org_name in need_page


def test_a_fresh_need_stands_at_assessment_and_has_no_summary(client):
    need = make_need()
    db.session.commit()
    page = client.get(f"/needs/{need.code}").get_data(as_text=True)
    assert re.search(r'<li class="step-current" aria-current="step">\s*<span class="mark" aria-hidden="true">●</span>'
                     r'\s*<strong>评榜</strong>', page)
    assert "summary-box" not in page


def test_the_dashboard_runs_a_bounded_number_of_queries(app, count_queries):
    project, officer, winner, secretary = in_evaluation()
    evaluations.issue_codes(secretary, project, 3)
    db.session.commit()
    for user in (secretary, officer, winner):
        c = _client(app, user)
        with count_queries() as n:
            assert c.get("/dashboard").status_code == 200
        assert n() <= 20, (user.role, n())
