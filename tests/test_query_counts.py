"""Pages run a bounded number of queries whatever the data size."""

import pytest
from sqlalchemy import func

from marketplace.extensions import db
from marketplace.models import Role
from tests.conftest import Auth
from tests.factories import make_category, make_org, make_street, make_user


@pytest.fixture
def grow():
    street, category = make_street(), make_category()

    def _grow(n):
        for _ in range(n):
            org = make_org()
            org.streets, org.categories = [street], [category]
        db.session.commit()

    return _grow


@pytest.mark.parametrize("url", ["/organizations/", "/", "/rules", "/organizations/?q=助学", "/lists",
                                 "/organizations/{first}"])
def test_public_pages_are_bounded(client, grow, count_queries, url):
    from marketplace.models import Organization

    counts = []
    for size in (10, 90):
        grow(size)
        first = db.session.scalar(db.select(func.min(Organization.id)))
        with count_queries() as n:
            assert client.get(url.format(first=first)).status_code == 200
        counts.append(n())
    assert counts[0] == counts[1] and counts[1] <= (14 if "{first}" in url else 8), counts


def test_admin_pages_are_bounded(app, grow, count_queries):
    admin = make_user(Role.admin)
    db.session.commit()
    client = app.test_client()
    Auth(client).login(admin.username)
    counts = []
    for size in (10, 60):
        grow(size)
        with count_queries() as n:
            assert client.get("/district/organizations?status=verified").status_code == 200
            assert client.get("/dashboard").status_code == 200
        counts.append(n())
    assert counts[0] == counts[1], counts


@pytest.fixture
def grow_needs():
    """Bulk rows (the domain path would take minutes at 1,000): same shape as real ones."""
    from decimal import Decimal
    from datetime import timedelta

    from marketplace.domain.core import clock, search
    from marketplace.models import Need, NeedStatus, Project, ProjectStatus, Regime, Urgency
    from tests.factories import make_community

    community, category = make_community(), make_category()
    counter = {"n": 0}

    def _grow(n):
        start = counter["n"]
        for i in range(start, start + n):
            db.session.add(Need(code=f"LC-2026-{i + 1:06d}", community_id=community.id, category_id=category.id,
                                title=f"助餐服务{i}", description="老人午餐", beneficiaries="老人",
                                beneficiaries_count=10, urgency=Urgency.high, status=NeedStatus.recorded,
                                search_text=search.tokens(f"助餐服务{i}")))
            project = Project(code=f"LCXM-2026-{i + 1:04d}", title=f"助餐项目{i}", scope="午餐", outputs="40人",
                              budget_cap=Decimal("1000"), category_id=category.id, street_id=community.street_id,
                              regime=Regime.community_fund, bid_deadline=clock.now() + timedelta(days=10),
                              qa_deadline=clock.now() + timedelta(days=7), criteria={"plan": 100},
                              status=ProjectStatus.bidding, published_at=clock.now(),
                              search_text=search.tokens(f"助餐项目{i}"))
            project.communities = [community]
            db.session.add(project)
        counter["n"] += n
        db.session.commit()

    return _grow


@pytest.mark.parametrize("url", ["/needs/", "/needs/?q=助餐", "/projects/", "/projects/?q=助餐&budget_min=10",
                                 "/needs/LC-2026-000001", "/projects/LCXM-2026-0001", "/projects/ocds.json",
                                 "/projects/LCXM-2026-0001/ocds.json"])
def test_needs_and_projects_pages_are_bounded_at_10_and_1000_rows(client, grow_needs, count_queries, url):
    counts = []
    for size in (10, 990):
        grow_needs(size)
        with count_queries() as n:
            assert client.get(url).status_code == 200
        counts.append(n())
    assert counts[0] == counts[1] and counts[1] <= 10, counts


def test_street_desk_is_bounded(app, grow_needs, count_queries):
    from marketplace.models import Community

    grow_needs(1)
    street_id = db.session.scalar(db.select(Community.street_id))
    officer = make_user(Role.street, street_id=street_id)
    db.session.commit()
    client = app.test_client()
    Auth(client).login(officer.username)
    counts = []
    for size in (10, 200):
        grow_needs(size)
        with count_queries() as n:
            assert client.get("/street/").status_code == 200
            assert client.get("/dashboard").status_code == 200
        counts.append(n())
    assert counts[0] == counts[1], counts


def test_list_computation_is_set_based(count_queries):
    """The same number of queries whatever the number of organizations (no loop per organization)."""
    from datetime import date
    from decimal import Decimal

    from marketplace.domain.credit import ledger, lists
    from marketplace.models import CreditEvent, ListEntry
    from tests.factories import bare_project, make_org

    admin = make_user(Role.admin)
    project = bare_project()
    lists.compute(admin, "2026Q4")  # the period exists: both measured runs recompute it
    db.session.commit()
    counts = []
    for size in (10, 200):
        for i in range(size):
            org = make_org()
            db.session.add(CreditEvent(organization_id=org.id, kind=ledger.EVALUATION, points=Decimal(50 + i % 50),
                                       reason="-", occurred_on=date(2026, 10, 5), project_id=project))
        db.session.commit()
        with count_queries() as n:
            period = lists.compute(admin, "2026Q4")
            db.session.commit()
        counts.append(n())
        assert db.session.scalar(db.select(db.func.count(ListEntry.id)).where(ListEntry.period_id == period.id)) > 0
    assert counts[0] == counts[1], counts


def test_open_figures_are_bounded(client, grow_needs, count_queries):
    """数据看板, district-wide and for one street: aggregates only, whatever the number of rows."""
    from marketplace.models import Community

    grow_needs(1)
    street_id = db.session.scalar(db.select(Community.street_id))
    counts = []
    for size in (10, 500):
        grow_needs(size)
        with count_queries() as n:
            assert client.get("/data").status_code == 200
            assert client.get(f"/data?street={street_id}").status_code == 200
        counts.append(n())
    assert counts[0] == counts[1] and counts[1] <= 50, counts


def test_stages_of_listed_projects_are_asked_together(app, count_queries):
    """Projects past their bidding deadline and projects in their notice show the stage a reader sees
    now; the project list and the street's desk ask it for the whole page at once, not per project."""
    from datetime import timedelta
    from decimal import Decimal

    from marketplace.domain.core import clock
    from marketplace.models import Project, ProjectStatus, Regime
    from tests.factories import make_community

    community, category = make_community(), make_category()
    officer = make_user(Role.street, street_id=community.street_id)
    db.session.commit()
    client = app.test_client()
    Auth(client).login(officer.username)
    made = {"n": 0}

    def grow(n):
        for i in range(made["n"], made["n"] + n):
            past = clock.now() - timedelta(days=3)
            status = ProjectStatus.bidding if i % 2 else ProjectStatus.notice
            db.session.add(Project(code=f"LCXM-2026-{i + 1:04d}", title=f"项目{i}", scope="-", outputs="-",
                                   budget_cap=Decimal("1000"), category_id=category.id, street_id=community.street_id,
                                   regime=Regime.community_fund, bid_deadline=past, qa_deadline=past - timedelta(days=2),
                                   criteria={"plan": 100}, status=status, published_at=past - timedelta(days=10)))
        made["n"] += n
        db.session.commit()

    counts = []
    for size in (4, 60):
        grow(size)
        with count_queries() as n:
            listed = client.get("/projects/")
            desk = client.get("/street/")
        assert listed.status_code == 200 and desk.status_code == 200
        counts.append(n())
    assert counts[0] == counts[1], counts
    assert "流标" in listed.get_data(as_text=True) or "Failed" in listed.get_data(as_text=True)


def _codes(html):
    import re

    return list(dict.fromkeys(re.findall(r"LC-2026-\d{6}", html)))


def _link(html, key):
    import re
    from html import unescape

    found = re.findall(r'href="(/needs/\?[^"]*)"', html)
    return next(unescape(h) for h in found if f"{key}=" in h)


def test_deep_pages_follow_keys_not_offsets(client, grow_needs):
    """The pager links with the page's last (or first) key next to ?page=: following them gives the
    same rows as the numbered pages, and the query starts at the key instead of skipping rows."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    grow_needs(65)
    first = client.get("/needs/").get_data(as_text=True)
    walked, html = [], first
    for n in (2, 3, 4):
        link = _link(html, "after")
        assert f"page={n}" in link
        statements = []
        listen = lambda conn, cur, statement, *a: statements.append(statement)  # noqa: E731
        event.listen(Engine, "before_cursor_execute", listen)
        try:
            html = client.get(link).get_data(as_text=True)
        finally:
            event.remove(Engine, "before_cursor_execute", listen)
        ids_query = next(s for s in statements if s.lstrip().upper().startswith("SELECT NEEDS.ID")
                         and "LIMIT" in s.upper())
        assert "needs.id <" in ids_query, ids_query  # starts at the key (SQLite's dialect writes OFFSET 0)
        assert _codes(html) == _codes(client.get(f"/needs/?page={n}").get_data(as_text=True))
        walked.append(_codes(html))
    assert len(walked[-1]) == 5  # 65 rows, 20 a page: the last page's five
    back = client.get(_link(html, "before")).get_data(as_text=True)  # page 4 → 3 by its first key
    assert _codes(back) == walked[1]
    for odd in ("after=abc", "after=99999999999999", "before=-5", "after="):
        assert client.get(f"/needs/?page=2&{odd}").status_code == 200


def test_community_desk_is_bounded_at_10_and_1000_rows(app, grow_needs, count_queries):
    """The secretary's desk, dashboard and notifications: the same queries at 10 and 1,000 needs."""
    from marketplace.models import Need

    grow_needs(1)
    community_id = db.session.scalar(db.select(Need.community_id))
    secretary = make_user(Role.secretary, community_id=community_id)
    db.session.commit()
    client = app.test_client()
    Auth(client).login(secretary.username)
    counts = []
    for size in (10, 990):
        grow_needs(size)
        with count_queries() as n:
            for url in ("/community/", "/dashboard", "/notifications/"):
                assert client.get(url).status_code == 200, url
        counts.append(n())
    assert counts[0] == counts[1], counts
