"""The public page cache (marketplace/pagecache.py): anonymous readers get a copy a few seconds old,
without a query; signed-in users, pending messages and other languages never see someone else's copy;
a form on a cached page still posts (each reader gets their own CSRF token); no cookie is ever replayed."""

import re

import pytest

from marketplace import pagecache
from marketplace.extensions import db
from marketplace.models import Role
from tests.conftest import Auth, csrf_token_from
from tests.factories import make_need, make_user, published_project


@pytest.fixture
def cached(app, monkeypatch):
    """The cache on (15 s), empty, on a clock the test moves."""
    now = {"t": 1000.0}
    monkeypatch.setattr(pagecache, "_now", lambda: now["t"])
    app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 15
    cache = app.extensions["pagecache"]
    cache.clear()
    yield now
    app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 0
    cache.clear()


def _hit(response) -> bool:
    return "Age" in response.headers


def test_an_anonymous_reader_gets_the_same_bytes_again_without_a_query(app, client, cached, count_queries):
    make_need(title="老年人助餐服务")
    db.session.commit()
    first = client.get("/needs/")
    assert first.status_code == 200 and not _hit(first) and "老年人助餐服务" in first.get_data(as_text=True)
    assert first.headers["Cache-Control"] == "no-cache" and "Cookie" in first.headers["Vary"]
    cached["t"] += 7
    with count_queries() as n:
        again = app.test_client().get("/needs/")  # another reader, no cookie
        assert n() == 0
    assert again.status_code == 200 and again.headers["Age"] == "7"
    assert again.get_data() == first.get_data()
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    head = app.test_client().head("/needs/")
    assert head.status_code == 200 and _hit(head) and head.get_data() == b""


def test_the_copy_expires_after_the_configured_seconds(app, client, cached):
    client.get("/projects/")
    cached["t"] += 14
    assert _hit(client.get("/projects/"))
    cached["t"] += 2
    assert not _hit(client.get("/projects/"))  # older than 15 s: drawn again (and kept again)
    assert _hit(client.get("/projects/"))


def test_off_by_default_in_tests_and_when_set_to_zero(app, client):
    assert app.config["PUBLIC_PAGE_CACHE_SECONDS"] == 0
    client.get("/needs/")
    assert not _hit(client.get("/needs/"))


def test_signed_in_users_always_get_live_pages_and_a_new_need_at_once(app, client, cached, count_queries):
    anonymous = app.test_client()
    assert "老年人助餐服务" not in anonymous.get("/needs/").get_data(as_text=True)
    secretary = make_user(Role.secretary)
    db.session.commit()
    Auth(client).login(secretary.username)
    assert "老年人助餐服务" not in anonymous.get("/needs/").get_data(as_text=True)  # kept again after the sign-in
    make_need(secretary, title="老年人助餐服务")  # recorded by another worker (no request here to empty the cache)
    db.session.commit()
    with count_queries() as n:
        live = client.get("/needs/")
        assert n() > 0
    assert not _hit(live) and "老年人助餐服务" in live.get_data(as_text=True)
    assert not _hit(client.get("/needs/"))  # never kept for a signed-in user, never given one
    stale = anonymous.get("/needs/")  # the trade-off: an anonymous reader may see the list up to 15 s old
    assert _hit(stale) and "老年人助餐服务" not in stale.get_data(as_text=True)
    cached["t"] += 16
    assert "老年人助餐服务" in anonymous.get("/needs/").get_data(as_text=True)


def test_what_a_signed_in_user_saw_is_never_given_to_anyone(app, client, cached):
    resident = make_user(Role.resident)
    db.session.commit()
    Auth(client).login(resident.username)
    mine = client.get("/needs/").get_data(as_text=True)
    assert resident.display_name in mine
    other = app.test_client().get("/needs/")
    assert not _hit(other) and resident.display_name not in other.get_data(as_text=True)


def test_each_language_has_its_own_copy(app, cached):
    english, chinese = app.test_client(), app.test_client()
    english.get("/lang/en")
    assert '<html lang="en">' in english.get("/needs/").get_data(as_text=True)
    zh = chinese.get("/needs/")
    assert not _hit(zh) and '<html lang="zh-CN">' in zh.get_data(as_text=True)
    en = english.get("/needs/")
    assert _hit(en) and '<html lang="en">' in en.get_data(as_text=True)
    zh = chinese.get("/needs/")
    assert _hit(zh) and '<html lang="zh-CN">' in zh.get_data(as_text=True)


def test_each_query_string_has_its_own_copy(app, client, cached):
    make_need(title="老年人助餐服务", description="独居老人午餐没有着落，希望开设助餐点。")
    make_need(title="儿童托管", description="双职工家庭放学后无人照看孩子。")
    db.session.commit()
    meals = client.get("/needs/?q=助餐").get_data(as_text=True)
    care = client.get("/needs/?q=托管")
    assert not _hit(care)
    assert "老年人助餐服务" in meals and "儿童托管" not in meals
    assert "儿童托管" in care.get_data(as_text=True) and "老年人助餐服务" not in care.get_data(as_text=True)
    again = client.get("/needs/?q=助餐")
    assert _hit(again) and again.get_data(as_text=True) == meals


def test_a_pending_message_is_shown_live_and_never_kept(app, cached):
    project, _officer = published_project()
    db.session.commit()
    url = f"/projects/{project.code}"
    reader, other = app.test_client(), app.test_client()
    page = reader.get(url).get_data(as_text=True)
    response = reader.post(f"/follow/project/{project.code}",
                           data={"email": "nope", "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    other.get(url)  # kept again (the POST emptied this worker's cache)
    flashed = reader.get(url)
    assert not _hit(flashed) and "请填写有效的电子邮箱" in flashed.get_data(as_text=True)
    quiet = other.get(url)
    assert _hit(quiet) and "请填写有效的电子邮箱" not in quiet.get_data(as_text=True)
    after = reader.get(url)  # the message was shown once: the copy again
    assert _hit(after)


def test_no_cookie_is_replayed_and_a_form_on_a_cached_page_still_posts(app, cached):
    project, _officer = published_project()
    db.session.commit()
    url = f"/projects/{project.code}"
    first = app.test_client()
    live = first.get(url)
    assert not _hit(live) and "Set-Cookie" in live.headers  # the follow form's token needed a session
    first_token = csrf_token_from(live.get_data(as_text=True))

    second = app.test_client()
    copy = second.get(url)
    assert _hit(copy)
    cookie = copy.headers["Set-Cookie"]  # its own new session, not the first reader's
    assert cookie != live.headers["Set-Cookie"]
    token = csrf_token_from(copy.get_data(as_text=True))
    assert token != first_token and first_token not in copy.get_data(as_text=True)
    assert "pagecache-csrf" not in copy.get_data(as_text=True)
    response = second.post(f"/follow/project/{project.code}", data={"email": "li@example.org", "csrf_token": token})
    assert response.status_code == 302  # not a 400: the token is valid for this reader's session

    told = second.get(url)  # the message ("we sent a link"): live
    assert not _hit(told) and "li@example.org" in told.get_data(as_text=True)
    second.get(url)  # (the POST emptied this worker's cache: kept again)
    again = second.get(url)  # a reader with a session: a copy, with a token for that session, no new cookie
    assert _hit(again) and "Set-Cookie" not in again.headers
    assert re.search(r'name="csrf_token"', again.get_data(as_text=True))
    assert second.post(f"/follow/project/{project.code}", data={
        "email": "zhao@example.org", "csrf_token": csrf_token_from(again.get_data(as_text=True))}).status_code == 302

    plain = app.test_client().get("/needs/")
    assert "Set-Cookie" not in plain.headers  # a page without a form: no session at all
    assert "Set-Cookie" not in app.test_client().get("/needs/").headers


def test_only_successful_pages_are_kept(app, client, cached):
    assert client.get("/needs/LC-NOPE").status_code == 404
    assert not _hit(client.get("/needs/LC-NOPE"))
    assert not _hit(client.get("/login"))  # not a public page: never kept
    assert not _hit(client.get("/login"))


def test_the_memory_is_bounded(app, client, cached, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_PAGE_CACHE_BYTES", 8 * 2048)  # a list page (>2 KB) is above an eighth
    client.get("/needs/")
    assert not _hit(client.get("/needs/"))
    monkeypatch.setitem(app.config, "PUBLIC_PAGE_CACHE_BYTES", 8 * 4608)  # room for eight or nine lists
    for q in range(12):
        client.get(f"/needs/?q={q}")
    store = app.extensions["pagecache"].store()
    assert store.currsize <= store.maxsize and 8 <= len(store) < 12
    assert _hit(client.get("/needs/?q=11")) and not _hit(client.get("/needs/?q=0"))  # the oldest went first


def test_a_remember_cookie_or_a_signed_in_session_is_never_answered_from_the_copy(app, cached):
    reader = app.test_client()
    reader.get("/needs/")
    assert _hit(reader.get("/needs/"))
    reader.set_cookie("remember_token", "1|whatever")
    assert not _hit(reader.get("/needs/"))


def test_a_page_drawn_while_a_change_was_saved_in_this_worker_is_not_kept(app, client, cached, monkeypatch):
    """The change empties the cache; a rendering that read the data before it must not refill it."""
    from marketplace.views import needs as needs_views

    render = needs_views.render_template

    def during_a_change(*args, **kwargs):
        app.extensions["pagecache"].clear()  # another thread's write succeeded meanwhile
        return render(*args, **kwargs)

    monkeypatch.setattr(needs_views, "render_template", during_a_change)
    client.get("/needs/")
    monkeypatch.setattr(needs_views, "render_template", render)
    assert not _hit(app.test_client().get("/needs/"))


def test_a_copy_is_never_older_than_the_configured_seconds_counted_from_its_reading(app, client, cached, monkeypatch):
    from marketplace.views import needs as needs_views

    render = needs_views.render_template

    def slow(*args, **kwargs):
        cached["t"] += 10  # a slow page: read at t, finished at t + 10
        return render(*args, **kwargs)

    monkeypatch.setattr(needs_views, "render_template", slow)
    client.get("/needs/")
    monkeypatch.setattr(needs_views, "render_template", render)
    cached["t"] += 4
    hit = app.test_client().get("/needs/")
    assert _hit(hit) and hit.headers["Age"] == "14"  # its data is 14 s old
    cached["t"] += 2
    assert not _hit(app.test_client().get("/needs/"))  # 16 s after it was read


def test_the_memory_bound_counts_the_address_too(app, cached):
    """An address of several kilobytes (query string, Host) is kept with each copy: it counts."""
    project, _officer = published_project()
    db.session.commit()
    reader = app.test_client()
    url = f"/projects/{project.code}/ocds.json?pad={'x' * 4000}"
    page = reader.get(url, headers={"Host": ("h" * 60 + ".") * 50 + "example"})
    assert page.status_code == 200 and "x" * 4000 not in page.get_data(as_text=True)
    store = app.extensions["pagecache"].store()
    assert len(store) == 1 and store.currsize >= len(page.get_data()) + 7000


def test_the_meetings_pages_are_public_pages_and_signed_in_people_get_them_live(app, client, cached):
    for endpoint in ("meetings.index", "meetings.detail", "meetings.order_page"):
        assert getattr(app.view_functions[endpoint], "public_page", False), endpoint
    assert client.get("/meetings/").status_code == 200
    assert _hit(app.test_client().get("/meetings/"))
    secretary = make_user(Role.secretary)
    db.session.commit()
    signed_in = app.test_client()
    Auth(signed_in).login(secretary.username)
    assert not _hit(signed_in.get("/meetings/"))
