"""Charts on the street desk, a project with an award, an organization's page and the district desk, in
a browser, on a desktop and on a 390 px phone: each drawing is there with its title and its data table
(the table opens from its summary), and nothing is wider than the screen."""

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Organization, Project, ProjectStatus
from tests.browser.conftest import shot
from tests.browser.test_foundation import sign_in

pytestmark = pytest.mark.browser


def _check_chart(page, key: str) -> None:
    figure = page.locator(f"#chart-{key}")
    assert figure.locator("figcaption").inner_text().strip()
    assert figure.locator("svg.chart-svg").count() == 1
    table = figure.locator("details.chart-data table")
    assert table.locator("tbody tr").count() >= 1
    figure.locator("details.chart-data summary").click()
    assert table.is_visible()


def _fits(page) -> None:
    """Nothing makes the page scroll sideways (an opened table scrolls inside its own frame)."""
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1


def test_charts_on_the_street_desk_a_project_and_an_organization(page, phone, live_server, demo):
    project = db.session.scalar(select(Project.code).where(Project.status == ProjectStatus.evaluated)
                                .order_by(Project.id))
    org = db.session.scalar(select(Organization.id).where(Organization.name.like("%爱心社会工作服务中心")))
    db.session.commit()  # hold no read lock while the server signs in (SQLite)
    for viewer, size in ((page, "desktop"), (phone, "phone")):
        sign_in(viewer, live_server, "street")
        viewer.goto(f"{live_server}/street/")
        for key in ("overdue", "needs-month", "needs-category", "money"):
            _check_chart(viewer, key)
        shot(viewer, f"charts-street-desk-{size}")
        _fits(viewer)
        viewer.goto(f"{live_server}/projects/{project}")
        for key in ("award-total", "award-criteria", "evaluation", "spending"):
            _check_chart(viewer, key)
        _fits(viewer)
        shot(viewer, f"charts-project-{size}")
        viewer.goto(f"{live_server}/organizations/{org}")
        _check_chart(viewer, "credit")
        assert "黑榜线 60" in viewer.locator("#chart-credit svg").inner_html()
        _fits(viewer)
        shot(viewer, f"charts-organization-{size}")
        viewer.context.clear_cookies()
        sign_in(viewer, live_server, "supervisor")  # the district desk: the district's readers
        viewer.goto(f"{live_server}/district/")
        for key in ("overdue", "streets", "streets-money", "streets-grade", "streets-late", "needs-month"):
            _check_chart(viewer, key)
        _fits(viewer)
        shot(viewer, f"charts-district-desk-{size}")
