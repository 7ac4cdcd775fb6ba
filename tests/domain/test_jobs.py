"""Mail and other slow side effects leave only after the transaction commits, and never after a
rollback: embedded (in-process, the default) and through RQ on the local Redis."""

import logging
import os
import uuid

import pytest
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from rq import SimpleWorker
from sqlalchemy import func, select

from marketplace.domain.core import jobs, notify
from marketplace.extensions import db
from marketplace.models import Notification, Role
from tests.factories import make_user

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/8")


@pytest.fixture
def outbox(app):
    state = app.extensions["mailman"]
    state.outbox = []
    yield state.outbox
    state.outbox = []


@pytest.fixture
def resident():
    user = make_user(Role.resident)
    user.email = "wang@example.org"
    db.session.commit()
    return user


def _notify(user):
    notify.notify([user], "wish.handled", {}, "/community/wishes")


def test_mail_leaves_only_after_the_commit(outbox, resident, monkeypatch):
    seen_committed = []

    class LookingMessage(notify.EmailMessage):
        def send(self, *args, **kwargs):  # look at the database from another connection first
            with db.engine.connect() as other:
                seen_committed.append(other.scalar(select(func.count(Notification.id))))
            return super().send(*args, **kwargs)

    monkeypatch.setattr(notify, "EmailMessage", LookingMessage)
    _notify(resident)
    db.session.flush()
    assert outbox == [] and len(jobs.pending()) == 1  # queued, not sent, inside the transaction
    db.session.commit()
    assert seen_committed == [1]  # the notification it announces was already committed
    assert [m.to for m in outbox] == [["wang@example.org"]]
    assert "微心愿" in outbox[0].body and outbox[0].body.endswith("/community/wishes")
    assert jobs.pending() == []


def test_a_rollback_sends_nothing_ever(outbox, resident):
    _notify(resident)
    db.session.rollback()
    assert jobs.pending() == []
    db.session.commit()  # a later commit does not resurrect it
    assert outbox == [] and db.session.scalar(select(func.count(Notification.id))) == 0


def test_a_savepoint_rolled_back_drops_only_its_own_jobs(outbox, resident):
    other = make_user(Role.resident)
    other.email = "li@example.org"
    with pytest.raises(RuntimeError):
        with db.session.begin_nested():
            _notify(other)
            raise RuntimeError("refused")
    with db.session.begin_nested():  # a released savepoint sends nothing yet…
        _notify(resident)
    assert outbox == []
    db.session.commit()  # …the outer commit does
    assert [m.to for m in outbox] == [["wang@example.org"]]


def test_a_failing_job_is_logged_and_leaves_the_committed_action_alone(resident, monkeypatch, caplog):
    class Outage(notify.EmailMessage):
        def send(self, *args, **kwargs):
            raise OSError("SMTP server unreachable")

    monkeypatch.setattr(notify, "EmailMessage", Outage)
    _notify(resident)
    with caplog.at_level(logging.ERROR):
        db.session.commit()
    assert "notify:send_mail failed" in caplog.text
    assert db.session.scalar(select(func.count(Notification.id))) == 1


def test_jobs_carry_plain_data_and_are_module_functions():
    with pytest.raises(TypeError):
        jobs.enqueue(notify.send_mail, to=object(), subject="s", body="b")
    with pytest.raises(ValueError):
        jobs.enqueue(lambda: None)


def test_a_mail_of_a_real_request_after_its_commit(app, outbox):
    from tests.factories import approved_need, make_org, project_data
    from marketplace.domain.tender import projects
    from tests.conftest import Auth

    need, officer = approved_need()
    project = projects.create(officer, [need], project_data(officer))
    projects.publish(officer, project)
    asker = make_user(Role.organization, organization_id=make_org().id)
    asker.email = "asker@example.org"
    db.session.commit()
    question = projects.ask(asker, project, "场地由谁提供？", "k1")
    db.session.commit()
    outbox.clear()
    street = app.test_client()
    Auth(street).login(officer.username)
    page = f"/projects/{project.code}"
    url = f"{page}/questions/{question.id}/answer"
    Auth(street).post(url, {"answer": " "}, page=page)
    assert outbox == []  # refused (no answer): nothing committed, nothing mailed
    assert Auth(street).post(url, {"answer": "场地由社区提供。"}, page=page).status_code == 302
    assert [m.to for m in outbox] == [["asker@example.org"]] and project.code in outbox[0].body


@pytest.fixture
def rq_backend(app):
    connection = Redis.from_url(TEST_REDIS_URL)
    try:
        connection.ping()
    except RedisConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip("no Redis at " + TEST_REDIS_URL)
    saved = {k: app.config[k] for k in ("JOBS_BACKEND", "REDIS_URL", "JOBS_QUEUE")}
    app.config.update(JOBS_BACKEND=jobs.RQ, REDIS_URL=TEST_REDIS_URL, JOBS_QUEUE=f"test-{uuid.uuid4().hex[:8]}")
    app.extensions.pop("jobs.redis", None)
    queue = jobs.queue(app)
    yield queue
    queue.delete(delete_jobs=True)
    for key in connection.scan_iter(f"rq:*:{queue.name}"):  # registries (the jobs' own keys expire)
        connection.delete(key)
    app.config.update(saved)
    app.extensions.pop("jobs.redis", None)


def test_with_rq_the_commit_queues_the_mail_and_the_worker_sends_it(outbox, resident, rq_backend):
    _notify(resident)
    db.session.rollback()
    assert rq_backend.count == 0  # a rollback queues nothing
    _notify(resident)
    db.session.commit()
    assert rq_backend.count == 1 and outbox == []  # queued in Redis, not sent by the web process
    job = rq_backend.jobs[0]
    assert job.func_name == "marketplace.worker.perform" and job.args[0] == "marketplace.domain.core.notify:send_mail"
    SimpleWorker([rq_backend], connection=rq_backend.connection).work(burst=True)
    assert [m.to for m in outbox] == [["wang@example.org"]]
    assert rq_backend.count == 0 and job.get_status(refresh=True) == "finished"


def test_the_scheduler_submits_the_deadlines_tick(runner):
    from datetime import timedelta

    from marketplace.domain.core import clock
    from marketplace.models import ProjectStatus
    from tests.factories import published_project

    project, _ = published_project()
    due = project.bid_deadline + timedelta(minutes=1)
    db.session.commit()  # (the tick runs in a session of its own: SQLite's write lock must be free)
    with clock.frozen(due):
        result = runner.invoke(args=["jobs", "scheduler", "--once"])
    assert result.exit_code == 0 and "deadlines tick submitted (embedded)" in result.output
    db.session.expire_all()
    assert db.session.get(type(project), project.id).status is ProjectStatus.failed  # no bid: 流标
    refused = runner.invoke(args=["jobs", "worker", "--burst"])
    assert refused.exit_code != 0 and "JOBS_BACKEND" in refused.output


def test_the_documented_commands_scheduler_then_worker_with_rq(app, runner, rq_backend, tmp_path):
    """`flask jobs scheduler --once` queues the tick; `flask jobs worker --burst` (a separate
    process, forking a work-horse per job) runs it against the database and mails."""
    import subprocess
    import sys
    from datetime import datetime, timedelta, timezone

    from marketplace.config import ROOT
    from marketplace.domain.core import clock
    from marketplace.models import ProjectStatus
    from tests.factories import published_project

    with clock.frozen(datetime(2026, 1, 5, 2, tzinfo=timezone.utc)):  # due by the real clock too
        project, _ = published_project()
    user = make_user(Role.resident)
    user.email = "zhao@example.org"
    _notify(user)
    db.session.commit()
    assert rq_backend.count == 1
    with clock.frozen(project.bid_deadline + timedelta(minutes=1)):
        db.session.commit()
        assert runner.invoke(args=["jobs", "scheduler", "--once"]).exit_code == 0
    assert rq_backend.count == 2
    env = {**os.environ, "FLASK_APP": "wsgi.py", "APP_ENV": "development", "INSTANCE_PATH": str(tmp_path),
           "DATABASE_URL": db.engine.url.render_as_string(hide_password=False), "MAIL_BACKEND": "console",
           "JOBS_BACKEND": "rq", "REDIS_URL": TEST_REDIS_URL, "JOBS_QUEUE": rq_backend.name}
    done = subprocess.run([sys.executable, "-m", "flask", "jobs", "worker", "--burst"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "To: zhao@example.org" in done.stdout  # the console mail backend prints the message
    db.session.expire_all()
    assert db.session.get(type(project), project.id).status is ProjectStatus.failed  # no bid: 流标
    assert rq_backend.count == 0 and len(rq_backend.failed_job_registry) == 0
