"""Exports: complete (batched, no row limit), formulas neutralised, real numbers and dates in Excel,
control characters never breaking a file, and a CSV that fails half-way saying so."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime

import pytest
from openpyxl import load_workbook

from marketplace import exports
from marketplace.extensions import db
from tests.conftest import dialect, execute_raw
from tests.factories import make_need, make_user, published_project
from marketplace.models import Role

HOSTILE = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+2", "-3+cmd|' /C calc'!A0", "@SUM(A1)"]  # (titles are stripped)


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_exports_are_complete_whatever_the_size(client, monkeypatch):
    monkeypatch.setattr(exports, "BATCH", 7)  # several batches with few rows
    secretary = make_user(Role.secretary)
    codes = {make_need(secretary, title=f"需求{n}").code for n in range(23)}
    db.session.commit()
    rows = _csv_rows(client.get("/needs/export.csv"))
    assert len(rows) == 24 and {r[0] for r in rows[1:]} == codes
    sheet = load_workbook(io.BytesIO(client.get("/needs/export.xlsx").data), read_only=True).active
    assert {r[0] for r in list(sheet.values)[1:]} == codes


def test_formulas_are_neutralised_and_excel_keeps_numbers_and_dates(client):
    secretary = make_user(Role.secretary)
    for title in HOSTILE:
        make_need(secretary, title=title, beneficiaries_count=12)
    project, _officer = published_project(title="=1+2")
    db.session.commit()

    titles = {r[1] for r in _csv_rows(client.get("/needs/export.csv"))[1:]}
    assert titles == {"'" + t for t in HOSTILE} | {"老年人助餐服务"}  # (the project's need)

    data = client.get("/needs/export.xlsx").data
    assert b"<f>" not in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    sheet = load_workbook(io.BytesIO(data)).active
    body = [row for row in sheet.iter_rows(min_row=2) if row[1].value != "老年人助餐服务"]
    assert {row[1].value for row in body} == set(HOSTILE)  # shown as typed, as text
    assert all(row[1].data_type == "s" and row[1].quotePrefix for row in body)
    assert all(row[6].value == 12 and row[6].data_type == "n" for row in body)  # a number
    assert all(isinstance(row[10].value, datetime) for row in body)  # a date

    projects = load_workbook(io.BytesIO(client.get("/projects/export.xlsx").data)).active
    row = list(projects.iter_rows(min_row=2))[0]
    assert row[1].value == "=1+2" and row[1].data_type == "s"
    assert row[5].data_type == "n" and row[5].value == float(project.budget_cap)
    assert isinstance(row[8].value, datetime)  # the bidding deadline, a real date and time


def test_control_characters_in_stored_text_never_break_an_export(client):
    need = make_need(title="正常标题")
    db.session.commit()
    poison = "助餐\x01\x1b\x0b服务" + ("\x00" if dialect() == "sqlite" else "")  # PostgreSQL cannot store NUL
    execute_raw("UPDATE needs SET title = :t WHERE id = :i", t=poison, i=need.id)
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/needs/export.{fmt}")
        assert response.status_code == 200, fmt
    assert _csv_rows(client.get("/needs/export.csv"))[1][1] == "助餐服务"
    sheet = load_workbook(io.BytesIO(client.get("/needs/export.xlsx").data)).active
    assert list(sheet.values)[1][1] == "助餐服务"


def test_a_csv_that_fails_half_way_says_it_is_incomplete(app):
    def rows():
        yield ["一", 1]
        yield ["二", 2]
        raise RuntimeError("the database went away")

    with app.test_request_context("/needs/export.csv"):
        response = exports.respond("csv", "needs", ["名称", "数"], rows())
        body = "".join(response.response)
    last = list(csv.reader(io.StringIO(body)))[-1][0]
    assert "2" in last and "导出未完成" in last


@pytest.mark.parametrize("value,expected", [("=1", "'=1"), ("-", "'-"), ("+", "'+"), ("@x", "'@x"), ("\tx", "'\tx"),
                                            ("\rx", "'\rx"), ("a=b", "a=b"), ("", "")])
def test_csv_neutralisation(value, expected):
    assert exports.neutralised(value) == expected


def test_excel_has_a_frozen_filtered_header_and_a_chinese_name_with_local_times(client):
    from urllib.parse import unquote

    from marketplace.domain.core.clock import LOCAL_TZ
    from tests.factories import published_project

    project, _officer = published_project()
    db.session.commit()
    response = client.get("/projects/export.xlsx")
    disposition = unquote(response.headers["Content-Disposition"])
    assert "项目清单-2026-11-26.xlsx" in disposition
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.active
    assert sheet.title == "项目清单" and sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}2"
    deadline = list(sheet.iter_rows(min_row=2))[0][8].value
    assert deadline == project.bid_deadline.astimezone(LOCAL_TZ).replace(tzinfo=None)  # Asia/Shanghai
    csv_disposition = unquote(client.get("/needs/export.csv").headers["Content-Disposition"])
    assert 'filename="needs.csv"' in csv_disposition and "需求清单-2026-11-26.csv" in csv_disposition


def _needs_selects(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith("SELECT") and "FROM needs" in s
            and "count(" not in s.lower()]


def test_a_large_csv_streams_batch_by_batch_never_the_whole_list_at_once(app, client, monkeypatch):
    """A CSV within the job limit is a file at once, streamed: its first piece leaves after the first
    batch is read, and every read is one keyed batch (LIMIT, after the last id)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    monkeypatch.setattr(exports, "BATCH", 7)
    monkeypatch.setattr(exports, "FLUSH", 1)  # send every row as it is written
    secretary = make_user(Role.secretary)
    codes = {make_need(secretary, title=f"需求{n}").code for n in range(23)}
    db.session.commit()
    statements: list[str] = []
    listen = lambda conn, cur, statement, *a: statements.append(statement)  # noqa: E731
    event.listen(Engine, "before_cursor_execute", listen)
    try:
        response = client.get("/needs/export.csv")
        assert response.status_code == 200 and response.mimetype == "text/csv"  # the file, no job page
        body = response.get_data(as_text=True)
        whole = list(statements)
        statements.clear()
        with app.test_request_context("/needs/export.csv"):  # the first piece, before the rest is read
            from flask_login import AnonymousUserMixin
            from werkzeug.datastructures import MultiDict

            from marketplace import export_jobs

            pieces = iter(export_jobs.respond(AnonymousUserMixin(), "needs", "csv", MultiDict()).response)
            first = next(pieces)  # the header and the first row, sent after reading the first batch only
            assert first.lstrip("\ufeff").startswith("需求编号") and first.count("\n") == 2
            assert len(_needs_selects(statements)) == 1
            assert (first + "".join(pieces)).count("\n") == 24 and len(_needs_selects(statements)) == 4
    finally:
        event.remove(Engine, "before_cursor_execute", listen)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert len(rows) == 24 and {r[0] for r in rows[1:]} == codes
    batches = _needs_selects(whole)
    assert len(batches) == 4  # 7 + 7 + 7 + 2 rows
    assert all("LIMIT" in s.upper() for s in batches)
    assert all("needs.id <" in s for s in batches[1:]), batches[1]


def test_the_red_and_black_list_streams_from_one_cursor_in_its_order(app, client, monkeypatch):
    """The list export keeps its order (list, then organization) and reads it a few rows at a time
    (`yield_per`: a server-side cursor on PostgreSQL) instead of building the list first."""
    from datetime import date
    from decimal import Decimal

    from marketplace.domain.credit import ledger, lists
    from marketplace.models import CreditEvent
    from tests.factories import bare_project, make_org

    admin = make_user(Role.admin)
    project = bare_project()
    for i in range(12):
        org = make_org()
        db.session.add(CreditEvent(organization_id=org.id, kind=ledger.EVALUATION, points=Decimal(99 - i),
                                   reason="-", occurred_on=date(2026, 10, 5), project_id=project))
    db.session.commit()
    period = lists.compute(admin, "2026Q4")
    lists.publish(admin, period)
    db.session.commit()
    whole = _csv_rows(client.get("/lists/export.csv"))
    assert len(whole) > 2

    seen = []
    real = exports.streamed
    monkeypatch.setattr(exports, "streamed", lambda query, size=None: seen.append(query) or real(query, size=2))
    response = client.get("/lists/export.csv")
    assert _csv_rows(response) == whole  # same rows, same order
    assert len(seen) == 1
    assert _csv_rows(client.get("/lists/export.csv?period=nope")) == whole[:1]  # no such period: the header only


def test_streamed_reads_with_yield_per(app):
    from sqlalchemy import select

    from marketplace.models import Need

    for n in range(5):
        make_need(title=f"需求{n}")
    db.session.commit()
    query = select(Need).order_by(Need.title)
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    options = []
    listen = lambda state: options.append(state.execution_options.get("yield_per"))  # noqa: E731
    event.listen(Session, "do_orm_execute", listen)
    try:
        rows = exports.streamed(query, size=2)
        assert options == []  # nothing read before the stream is
        assert [n.title for n in rows] == [f"需求{n}" for n in range(5)]
    finally:
        event.remove(Session, "do_orm_execute", listen)
    assert options == [2]  # one query, its cursor read two rows at a time
