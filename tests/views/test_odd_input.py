"""Odd input is a clear 4xx or a normal answer, never a 500 (issue 11 §5): control characters at
the form layer, absurd numbers in query strings and forms, racing duplicate score posts, and a
SQLite database that stays locked."""

from __future__ import annotations

import re
import sqlite3
import threading
from datetime import timedelta

import pytest

from marketplace.domain.core import clock
from marketplace.domain.tender import awards
from marketplace.extensions import db
from marketplace.models import BidScore, PanelRole, Role, Wish
from tests.conftest import Auth, csrf_token_from, dialect
from tests.factories import make_community, make_need, make_user, published_project, submitted_bid

CONTROL = "控制字符"  # from the message: 文字中含有不可见的控制字符…


def _wish_form(client):
    page = client.get("/wish").get_data(as_text=True)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', page)
    return csrf_token_from(page), key.group(1)


@pytest.mark.parametrize("poison", ["\x00", "\x1b[2J", "\x7f", "\x08"])
def test_control_characters_are_refused_and_the_rest_of_the_text_kept(client, poison):
    community = make_community()
    db.session.commit()
    token, key = _wish_form(client)
    response = client.post("/wish", data={"community_id": community.id, "content": f"希望楼下{poison}多放长椅",
                                          "csrf_token": token, "submission_key": key})
    html = response.get_data(as_text=True)
    kept = "希望楼下" + poison.lstrip("\x00\x1b\x7f\x08") + "多放长椅"  # what remains is shown again
    assert response.status_code == 400 and CONTROL in html and kept in html
    assert db.session.scalar(db.select(db.func.count(Wish.id))) == 0


def test_line_breaks_and_tabs_are_ordinary_text(client):
    community = make_community()
    db.session.commit()
    token, key = _wish_form(client)
    response = client.post("/wish", data={"community_id": community.id, "content": "第一行\r\n第二行\t制表",
                                          "csrf_token": token, "submission_key": key})
    assert response.status_code == 200


@pytest.mark.parametrize("query", [
    "page=99999999999999999999999", "page=-99999999999999999999", "street=99999999999999999999999",
    "community=-9223372036854775809", "category=1e309", "budget_min=1e309", "budget_max=NaN",
    "budget_min=99999999999999999999999999",
])
def test_absurd_numbers_in_list_queries_are_ignored_or_clamped(client, query):
    make_need()
    db.session.commit()
    for url in ("/needs/", "/projects/", "/organizations/", "/lists", "/needs/export.csv", "/projects/export.xlsx"):
        assert client.get(f"{url}?{query}").status_code == 200, url


@pytest.mark.parametrize("url", ["/needs/?q=%00", "/organizations/?q=a%00b", "/projects/?status=%1b",
                                 "/needs/LC-2026-%00", "/projects/%00/award", "/lists?period=%7f"])
def test_control_characters_in_an_address_are_a_400(client, url):
    assert client.get(url).status_code == 400


def _panel_scoring(app):
    project, officer = published_project()
    bid, _ = submitted_bid(project)
    expert, department = make_user(Role.expert), make_user(Role.department)
    when = project.bid_deadline + timedelta(hours=1)
    with clock.frozen(when):
        awards.close_if_due(project)
        awards.set_panel(officer, project, [(officer, PanelRole.street), (expert, PanelRole.expert),
                                            (department, PanelRole.department)])
        awards.schedule_roadshow(officer, bid, clock.now() - timedelta(minutes=5), "线上")
        awards.declare(expert, project)
    db.session.commit()
    return project, bid, expert, when


def _score_data(token, bid, value="10"):
    data = {"csrf_token": token, "action": "score", "bid_id": str(bid.id)}
    for key in ("plan", "team", "past", "budget", "roadshow"):
        data[f"{key}_score"], data[f"{key}_reason"] = value, "理由"
    return data


@pytest.mark.parametrize("value", ["1e309", "NaN", "-Infinity", "99999999999999999999999", "0x10"])
def test_absurd_scores_are_refused_on_the_form(app, value):
    project, bid, expert, when = _panel_scoring(app)
    c = app.test_client()
    Auth(c).login(expert.username)
    with clock.frozen(when):
        page = c.get(f"/projects/{project.code}/review").get_data(as_text=True)
        response = c.post(f"/projects/{project.code}/review", data=_score_data(csrf_token_from(page), bid, value))
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count(BidScore.id))) == 0


def test_racing_duplicate_score_posts_store_one_and_answer_clearly(app):
    project, bid, expert, when = _panel_scoring(app)
    clients = []
    with clock.frozen(when):
        for _ in range(6):
            c = app.test_client()
            Auth(c).login(expert.username)
            clients.append((c, csrf_token_from(c.get(f"/projects/{project.code}/review").get_data(as_text=True))))
    code, payloads = project.code, [_score_data(token, bid) for _c, token in clients]
    db.session.commit()  # (the test's objects are expired now: the threads use only plain values)
    statuses, start = [], threading.Barrier(len(clients))

    def post(c, data):
        with app.app_context(), clock.frozen(when):
            start.wait()
            try:
                statuses.append(c.post(f"/projects/{code}/review", data=data).status_code)
            except Exception as exc:  # a 500 in production
                statuses.append(repr(exc))

    threads = [threading.Thread(target=post, args=(c, data)) for (c, _t), data in zip(clients, payloads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(isinstance(s, int) and s < 500 for s in statuses), statuses
    assert statuses.count(302) >= 1
    assert db.session.scalar(db.select(db.func.count(BidScore.id))) == 1


def test_a_locked_sqlite_database_is_a_503_not_a_500(app, client):
    if dialect() != "sqlite":
        pytest.skip("SQLite's write lock")
    community = make_community()
    db.session.commit()
    token, key = _wish_form(client)
    wish = {"community_id": community.id, "content": "希望楼下多放几把长椅", "csrf_token": token, "submission_key": key}
    db.session.commit()  # (reading community.id began a transaction: the test must hold no lock)
    path = db.engine.url.database
    app.config["SQLITE_BUSY_TIMEOUT_MS"] = 50
    db.engine.dispose()  # new connections take the short timeout
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process is writing, and keeps at it
        assert client.get("/needs/").status_code == 200  # readers read their snapshot, never wait
        response = client.post("/wish", data=wish)  # a writer waits, then is told to try again
        assert response.status_code == 503 and "Retry-After" in response.headers
        assert "服务正忙" in response.get_data(as_text=True)
    finally:
        holder.rollback()
        holder.close()
        app.config["SQLITE_BUSY_TIMEOUT_MS"] = 10000
        db.engine.dispose()
    assert client.post("/wish", data=wish).status_code == 200
    assert db.session.scalar(db.select(db.func.count(Wish.id))) == 1
