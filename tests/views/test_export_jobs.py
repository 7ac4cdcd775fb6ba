"""Large exports, Excel and CSV, become tracked jobs: the list offers to prepare the file, the job
writes it with its progress recorded, the page shows it ready; a person's export is theirs alone;
old files are removed; a small CSV streams at once."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from marketplace import export_jobs, exports
from marketplace.domain.core import clock
from marketplace.extensions import db
from marketplace.models import ExportJob, ExportStatus, Need, Role
from tests.conftest import Auth, csrf_token_from
from tests.factories import make_category, make_need, make_user


@pytest.fixture
def small_limit(app):
    saved = app.config["EXPORT_INLINE_ROWS"]
    app.config["EXPORT_INLINE_ROWS"] = 3
    yield
    app.config["EXPORT_INLINE_ROWS"] = saved


def _prepare(client, url: str):
    offer = client.get(url)
    html = offer.get_data(as_text=True)
    assert offer.status_code == 200 and "后台" in html  # a page, not a file
    query = re.search(r'name="query" value="([^"]*)"', html).group(1)
    table = re.search(r'name="table" value="([^"]*)"', html).group(1)
    fmt = re.search(r'name="format" value="([^"]*)"', html).group(1)
    started = client.post("/exports/", data={"csrf_token": csrf_token_from(html), "table": table, "format": fmt,
                                              "query": query.replace("&amp;", "&")})
    assert started.status_code == 302
    return started.headers["Location"]


def test_a_large_excel_export_is_prepared_as_a_job_and_downloaded(client, small_limit):
    secretary = make_user(Role.secretary)
    codes = {make_need(secretary, title=f"需求{n}").code for n in range(5)}
    db.session.commit()
    assert db.session.query(ExportJob).count() == 0  # offering the job wrote nothing

    status_url = _prepare(client, "/needs/export.xlsx")
    page = client.get(status_url).get_data(as_text=True)
    assert "可以下载" in page and "5 行" in page  # (embedded backend: built right after the commit)
    job = db.session.scalars(db.select(ExportJob)).one()
    assert job.status is ExportStatus.done and job.total == job.done_rows == 5 and job.user_id is None

    data = client.get(f"{status_url}/file")
    assert data.status_code == 200 and data.mimetype == exports.XLSX
    rows = list(load_workbook(io.BytesIO(data.data), read_only=True).active.values)
    assert rows[0][0] == "需求编号" and {r[0] for r in rows[1:]} == codes

    # a list within the limit is a file at once, in both formats
    need = db.session.scalars(db.select(Need).order_by(Need.id)).first()
    small = client.get(f"/needs/export.csv?category={need.category_id}")
    assert small.mimetype == "text/csv" and len(small.get_data(as_text=True).strip().splitlines()) == 2
    assert client.get(f"/needs/export.xlsx?category={need.category_id}").mimetype == exports.XLSX


def test_a_large_csv_export_is_prepared_as_a_job_too(app, small_limit, monkeypatch):
    """Over the limit a CSV is prepared like an Excel file (a sync worker must not stream a whole
    list past its timeout): the same offer, progress page and download, the owner's alone; the
    file is the one the stream would have sent, read a batch at a time."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    monkeypatch.setattr(exports, "BATCH", 2)
    secretary, other = make_user(Role.secretary), make_user(Role.secretary)
    codes = {make_need(secretary, title=f"=需求{n}").code for n in range(5)}
    db.session.commit()
    mine, theirs = app.test_client(), app.test_client()
    Auth(mine).login(secretary.username)
    Auth(theirs).login(other.username)
    offer = mine.get("/needs/export.csv").get_data(as_text=True)
    assert "CSV" in offer and 'name="format" value="csv"' in offer

    statements: list[str] = []
    listen = lambda conn, cur, statement, *a: statements.append(statement)  # noqa: E731
    event.listen(Engine, "before_cursor_execute", listen)
    try:
        status_url = _prepare(mine, "/needs/export.csv")
    finally:
        event.remove(Engine, "before_cursor_execute", listen)
    job = db.session.scalars(db.select(ExportJob)).one()
    assert job.format == "csv" and job.status is ExportStatus.done and job.total == job.done_rows == 5
    batches = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "FROM needs" in s
               and "LIMIT" in s.upper() and "count(" not in s.lower()]
    assert len(batches) == 3  # 2 + 2 + 1 rows: never the whole list at once
    page = mine.get(status_url).get_data(as_text=True)
    assert "CSV" in page and "可以下载" in page and "5 行" in page
    download = mine.get(f"{status_url}/file")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert "%E9%9C%80%E6%B1%82%E6%B8%85%E5%8D%95" in download.headers["Content-Disposition"]  # 需求清单-….csv
    assert download.headers["Content-Disposition"].endswith(".csv")
    rows = list(__import__("csv").reader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert rows[0][0] == "需求编号" and {r[0] for r in rows[1:]} == codes
    assert all(r[1].startswith("'=") for r in rows[1:])  # formulas neutralised as in the stream
    assert theirs.get(status_url).status_code == 404 and theirs.get(f"{status_url}/file").status_code == 404


def test_the_job_keeps_the_lists_filters_and_its_owner(app, small_limit):
    secretary = make_user(Role.secretary)
    meals, other_category = make_category("助餐"), make_category("助学")
    for n in range(4):
        make_need(secretary, title=f"助餐{n}", category=meals)
    make_need(secretary, title="助学", category=other_category)
    other = make_user(Role.secretary)
    db.session.commit()
    mine, theirs, anyone = app.test_client(), app.test_client(), app.test_client()
    Auth(mine).login(secretary.username)
    Auth(theirs).login(other.username)

    status_url = _prepare(mine, f"/needs/export.xlsx?category={meals.id}")
    sheet = load_workbook(io.BytesIO(mine.get(f"{status_url}/file").data), read_only=True).active
    assert sorted(r[1] for r in list(sheet.values)[1:]) == [f"助餐{n}" for n in range(4)]
    assert db.session.scalars(db.select(ExportJob)).one().user_id == secretary.id
    assert theirs.get(status_url).status_code == 404 and theirs.get(f"{status_url}/file").status_code == 404
    assert anyone.get(status_url).status_code == 404


def test_progress_is_recorded_every_batch(app, monkeypatch):
    monkeypatch.setattr(exports, "BATCH", 2)
    seen: list[int] = []
    count = exports.write_xlsx(io.BytesIO(), "t", ["a"], ([n] for n in range(5)), seen.append)
    assert count == 5 and seen == [2, 4]


def test_the_start_form_refuses_unknown_lists_and_missing_tokens(client):
    page = client.get("/login").get_data(as_text=True)
    assert client.post("/exports/", data={"csrf_token": csrf_token_from(page), "table": "users"}).status_code == 404
    assert client.post("/exports/", data={"csrf_token": csrf_token_from(page), "table": "needs",
                                          "format": "pdf"}).status_code == 404
    assert client.post("/exports/", data={"table": "needs"}).status_code == 400
    assert client.get("/exports/" + "0" * 32).status_code == 404
    assert db.session.query(ExportJob).count() == 0


def test_old_files_are_removed_and_say_so(client, small_limit):
    secretary = make_user(Role.secretary)
    for n in range(4):
        make_need(secretary, title=f"需求{n}")
    db.session.commit()
    status_url = _prepare(client, "/needs/export.xlsx")
    job = db.session.scalars(db.select(ExportJob)).one()
    path = export_jobs.file_of(job)
    assert path.exists()
    job.finished_at = clock.now() - timedelta(hours=25)
    assert export_jobs.purge_expired() == 1
    db.session.commit()
    assert not path.exists()
    assert "已删除" in client.get(status_url).get_data(as_text=True)
    assert client.get(f"{status_url}/file").status_code == 404


def test_the_job_keeps_the_filters_whatever_else_the_address_carried(app, small_limit):
    """A long address (a tracking parameter, a pasted link) must not cut the list's filters off the job:
    the job holds exactly the rows the offer page counted."""
    secretary = make_user(Role.secretary)
    meals, other_category = make_category("助餐"), make_category("助学")
    for n in range(4):
        make_need(secretary, title=f"助餐{n}", category=meals)
    make_need(secretary, title="助学", category=other_category)
    db.session.commit()
    client = app.test_client()
    status_url = _prepare(client, f"/needs/export.xlsx?utm_source={'x' * 2100}&category={meals.id}")
    job = db.session.scalars(db.select(ExportJob)).one()
    assert job.total == 4 and len(job.query) < 200
    sheet = load_workbook(io.BytesIO(client.get(f"{status_url}/file").data), read_only=True).active
    assert sorted(r[1] for r in list(sheet.values)[1:]) == [f"助餐{n}" for n in range(4)]


@pytest.mark.parametrize("query", ["q=%00", "q=\x00", "category=1\x00", "\x00=1", "q=" + "a" * 100_000])
def test_odd_filters_on_the_start_form_are_refused_not_a_server_error(client, query):
    page = client.get("/login").get_data(as_text=True)
    started = client.post("/exports/", data={"csrf_token": csrf_token_from(page), "table": "needs",
                                             "format": "csv", "query": query})
    assert started.status_code in (302, 400)
    if started.status_code == 302:
        job = db.session.scalars(db.select(ExportJob)).one()
        assert "\x00" not in job.query and len(job.query) < 200


def test_a_file_past_its_keeping_time_is_not_handed_out_before_the_purge_runs(client, small_limit):
    secretary = make_user(Role.secretary)
    for n in range(4):
        make_need(secretary, title=f"需求{n}")
    db.session.commit()
    status_url = _prepare(client, "/needs/export.csv")
    job = db.session.scalars(db.select(ExportJob)).one()
    job.finished_at = clock.now() - timedelta(hours=25)  # no other export has run since: not purged yet
    db.session.commit()
    assert export_jobs.file_of(job).exists()
    assert client.get(f"{status_url}/file").status_code == 404
    assert "已删除" in client.get(status_url).get_data(as_text=True)


def test_a_job_holds_what_its_asker_may_see_and_no_more(app, small_limit):
    """A street officer's projects export holds their own street's drafts, never another street's;
    an anonymous one holds no draft at all; filters in the form cannot widen either."""
    from marketplace.domain.tender import projects
    from tests.factories import approved_need, project_data, published_project

    public = [published_project(title=f"公开{n}")[0] for n in range(4)]
    need_a, officer_a = approved_need()
    need_b, officer_b = approved_need()
    draft_a = projects.create(officer_a, [need_a], project_data(officer_a, title="甲街草稿"))
    draft_b = projects.create(officer_b, [need_b], project_data(officer_b, title="乙街草稿"))
    db.session.commit()

    def job_codes(client, query: str = "") -> set[str]:
        status_url = _prepare(client, f"/projects/export.csv{query}")
        return {row.split(",")[0] for row in client.get(f"{status_url}/file").get_data(as_text=True).splitlines()[1:]}

    officer = app.test_client()
    Auth(officer).login(officer_a.username)
    assert job_codes(officer) == {p.code for p in public} | {draft_a.code}
    anonymous = app.test_client()
    assert job_codes(anonymous) == {p.code for p in public}
    page = anonymous.get("/login").get_data(as_text=True)  # a forged form: another street, drafts asked for
    started = anonymous.post("/exports/", data={"csrf_token": csrf_token_from(page), "table": "projects", "format": "csv",
                                                "query": f"street={officer_b.street_id}&status=draft"})
    job = db.session.get(ExportJob, started.headers["Location"].rsplit("/", 1)[1])
    assert job.total == 0 and draft_b.code not in anonymous.get(f"/exports/{job.id}/file").get_data(as_text=True)


def test_the_clocks_tick_removes_old_files_even_when_nobody_exports(client, small_limit):
    """The purge ran only when the next export was built: on a quiet site old files stayed on disk."""
    from marketplace.domain import deadlines

    secretary = make_user(Role.secretary)
    for n in range(4):
        make_need(secretary, title=f"需求{n}")
    db.session.commit()
    _prepare(client, "/needs/export.csv")
    job = db.session.scalars(db.select(ExportJob)).one()
    path = export_jobs.file_of(job)
    job.finished_at = clock.now() - timedelta(hours=25)
    db.session.commit()
    deadlines.tick()  # cron, or the job scheduler every minute
    db.session.commit()
    assert not path.exists() and db.session.get(ExportJob, job.id).status is ExportStatus.expired
