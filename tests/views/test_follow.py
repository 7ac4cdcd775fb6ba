"""Following a need or a project: signed in at once, by e-mail after confirming; told when it
changes stage (in-app and by mail, after the commit); a link to stop; GETs never write."""

import re

import pytest
from sqlalchemy import func, select

from marketplace.domain.core import follow
from marketplace.domain.tender import projects
from marketplace.extensions import db
from marketplace.models import Follow, Notification, ProjectStatus, Role
from tests.conftest import Auth, csrf_token_from
from tests.factories import make_user, published_project


@pytest.fixture
def outbox(app):
    state = app.extensions["mailman"]
    state.outbox = []
    yield state.outbox
    state.outbox = []


def _link(message, path: str) -> str:
    match = re.search(rf"https?://[^\s]*?({path}/[A-Za-z0-9_\-]+)", message.body) or re.search(
        rf"({path}/[A-Za-z0-9_\-]+)", message.body)
    assert match, message.body
    return match.group(1)


def test_a_signed_in_follower_is_told_in_app_and_by_mail_when_the_stage_changes(app, outbox):
    project, officer = published_project()
    db.session.commit()
    user = make_user(Role.resident)
    user.email = "wang@example.org"
    follow.follow(user, project)
    follow.follow(user, project)  # twice: still one
    db.session.commit()
    assert db.session.scalar(select(func.count(Follow.id))) == 1
    outbox.clear()

    project.title = "改了标题"  # not a stage: nobody told
    db.session.commit()
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "follow.project")) == 0

    projects.withdraw(officer, project, "预算调整，暂缓实施")
    db.session.commit()
    told = db.session.scalars(select(Notification).where(Notification.kind == "follow.project")).all()
    assert [n.user_id for n in told] == [user.id] and told[0].params["status"] == ProjectStatus.withdrawn.value
    assert [m.to for m in outbox] == [["wang@example.org"]]
    assert project.code in outbox[0].body and "已撤回" in outbox[0].body


def test_a_refused_change_tells_nobody(app, outbox):
    project, officer = published_project()
    db.session.commit()
    user = make_user(Role.resident)
    follow.follow(user, project)
    db.session.commit()
    project.status = ProjectStatus.withdrawn
    db.session.rollback()
    db.session.commit()
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "follow.project")) == 0


def test_following_by_email_is_confirmed_by_its_link_and_stopped_by_another(app, client, outbox):
    project, officer = published_project()
    db.session.commit()
    page = client.get(f"/projects/{project.code}").get_data(as_text=True)
    assert 'id="follow-email"' in page
    response = client.post(f"/follow/project/{project.code}",
                           data={"email": "Li@Example.org", "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    row = db.session.scalars(select(Follow)).one()
    assert row.email == "li@example.org" and row.confirmed_at is None
    confirm = _link(outbox[-1], "/follow/confirm")

    project.status = ProjectStatus.reviewing  # before confirming: not told
    db.session.commit()
    assert len(outbox) == 1

    page = client.get(confirm)
    assert page.status_code == 200 and "确认" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Follow, row.id).confirmed_at is None  # a GET never writes
    assert client.post(confirm, data={"csrf_token": csrf_token_from(page.get_data(as_text=True))}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Follow, row.id).confirmed_at is not None

    project.status = ProjectStatus.failed
    db.session.commit()
    assert outbox[-1].to == ["li@example.org"] and project.code in outbox[-1].body
    stop = _link(outbox[-1], "/follow/stop")
    page = client.get(stop).get_data(as_text=True)
    assert client.post(stop, data={"csrf_token": csrf_token_from(page)}).status_code == 302
    assert db.session.scalar(select(func.count(Follow.id))) == 0


def test_bad_addresses_and_unknown_tokens(app, client, outbox):
    project, _officer = published_project()
    db.session.commit()
    page = client.get(f"/projects/{project.code}").get_data(as_text=True)
    for bad in ("", "not-an-address", "a@b", "x" * 300 + "@example.org"):
        response = client.post(f"/follow/project/{project.code}", data={"email": bad, "csrf_token": csrf_token_from(page)})
        assert response.status_code == 302
    assert db.session.scalar(select(func.count(Follow.id))) == 0 and outbox == []
    assert client.post(f"/follow/project/{project.code}", data={"email": "a@example.org"}).status_code == 400  # CSRF
    assert client.get("/follow/confirm/nope").status_code == 404
    assert client.get("/follow/stop/nope").status_code == 404
    assert client.post("/follow/project/LCXM-0000-9999", data={"csrf_token": csrf_token_from(page)}).status_code == 404


def test_signed_in_follow_and_unfollow_through_the_page(app, client):
    project, _officer = published_project()
    user = make_user(Role.resident, username="follower")
    db.session.commit()
    auth = Auth(client)
    auth.login("follower")
    page = client.get(f"/projects/{project.code}").get_data(as_text=True)
    assert "关注" in page
    client.post(f"/follow/project/{project.code}", data={"action": "follow", "csrf_token": csrf_token_from(page)})
    assert follow.is_following(user, project)
    page = client.get(f"/projects/{project.code}").get_data(as_text=True)
    assert "取消关注" in page
    client.post(f"/follow/project/{project.code}", data={"action": "unfollow", "csrf_token": csrf_token_from(page)})
    db.session.expire_all()
    assert not follow.is_following(user, project)
