"""数据看板: live figures as charts with their tables, public data only."""

import re
from datetime import timedelta
from decimal import Decimal

from marketplace import charts
from marketplace.domain import stats
from marketplace.domain.core import clock
from marketplace.extensions import db
from marketplace.models import Milestone, MilestoneStatus, ProjectStatus
from marketplace.domain.tender import projects
from tests.factories import approved_need, project_data, published_project


def test_charts_print_their_numbers_and_carry_a_table():
    chart = charts.bars("k", "标题", [("为老服务", 3), ("社区营造", Decimal("12.5"))], unit=" 个")
    assert "3 个" in chart.svg and "12.5 个" in chart.svg and 'aria-hidden="true"' in chart.svg
    assert chart.rows == [["为老服务", "3 个"], ["社区营造", "12.5 个"]]
    stacked = charts.stacked("s", "t", ["甲", "乙"], [("行", [4, 6])])
    assert 'id="s-p1"' in stacked.svg and stacked.rows == [["行", "4", "6", "10"]]  # patterns, per-chart ids
    line = charts.line("c", "信用", [("2026-01-01", 70), ("2026-06-01", 92.5)], lines=[(60, "黑榜线"), (90, "红榜线")])
    assert "黑榜线 60" in line.svg and "红榜线 90" in line.svg and "92.5" in line.svg
    assert "<style" not in line.svg + chart.svg + stacked.svg and "script" not in line.svg  # CSP: no inline style


def test_figures_count_public_projects_and_needs_only(app, client):
    draft_need, officer = approved_need()
    projects.create(officer, [draft_need], project_data(officer))  # a draft: not public, not counted
    project, _officer = published_project()
    db.session.commit()
    f = stats.figures()
    assert f.headline["projects"] == 1 and f.headline["needs"] >= 1
    assert dict(f.projects_by_status) == {ProjectStatus.bidding: 1}
    assert f.money["published"] == project.budget_cap
    page = client.get("/data").get_data(as_text=True)
    assert "数据看板" in page and "各阶段的项目" in page and "以表格查看数据" in page
    assert page.count('<figure class="chart"') >= 7 and page.count("<table") >= 7
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # unique ids, the charts' patterns included
    street = client.get(f"/data?street={project.street_id}").get_data(as_text=True)
    assert project.street.name in street and "各街道对比" not in street
    assert client.get("/data?street=99999").status_code == 200  # an unknown street: the district


def test_overdue_milestones_are_listed_most_overdue_first(app, client):
    project, _officer = published_project()
    project.status = ProjectStatus.delivery
    for seq, days in ((1, 30), (2, 3)):
        db.session.add(Milestone(project_id=project.id, seq=seq, output=f"节点{seq}", tranche=Decimal("1000"),
                                 due_on=clock.today() - timedelta(days=days), status=MilestoneStatus.planned))
    db.session.add(Milestone(project_id=project.id, seq=3, output="已完成", tranche=Decimal("1000"),
                             due_on=clock.today() - timedelta(days=40), status=MilestoneStatus.confirmed))
    db.session.commit()
    total, rows = stats.overdue_milestones()
    assert total == 2 and [r.output for r in rows] == ["节点1", "节点2"] and rows[0].days == 30
    assert "节点1" in client.get("/data").get_data(as_text=True)
