"""Test fixtures. The database is TEST_DATABASE_URL when set (PostgreSQL in CI), otherwise a
SQLite file in a temporary folder. The schema is built once; every test leaves the tables empty."""

from __future__ import annotations

import contextvars
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from jinja2 import StrictUndefined
from sqlalchemy import JSON, Integer, bindparam, event, select, text
from sqlalchemy.engine import Engine

from marketplace import create_app, scratch
from marketplace.domain.core import clock
from marketplace.extensions import db, limiter

FROZEN_AT = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)  # 10:00 in Licang


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--yes-destroy", metavar="URL", default=None,
                     help="allow the tests to empty TEST_DATABASE_URL although it is not a scratch database")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> str:
    """TEST_DATABASE_URL (never DATABASE_URL), refused unless it is a scratch database."""
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    try:
        scratch.refuse_unless_scratch(url, pytestconfig.getoption("--yes-destroy"), "run the tests on")
    except scratch.NotScratch as exc:
        pytest.exit(str(exc), returncode=3)
    return url


class IsolatedClient(FlaskClient):
    """Runs each request in a fresh context, as a real server does: the test's own app context
    (and its `g`, its database session, Flask-Login's cached user) is not shared with requests."""

    def open(self, *args, **kwargs):
        if has_app_context():  # (not when following a redirect inside a request's own context)
            db.session.commit()  # the test hands over to the "server": nothing of it stays pending
        kwargs.setdefault("buffered", True)  # a streamed body is produced in the request's context too
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory):
    os.environ["TEST_DATABASE_URL"] = database_url
    app = create_app("testing")
    app.test_client_class = IsolatedClient
    app.jinja_env.undefined = StrictUndefined
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@contextmanager
def chain_unguarded() -> Iterator[None]:
    """The triggers refusing UPDATE and DELETE on the chain, set aside inside this transaction."""
    from marketplace.models.audit import GUARDED, guard_statements

    name = db.engine.dialect.name
    for table in GUARDED:
        for statement in guard_statements(name, table, create=False):
            db.session.execute(text(statement))
    yield
    for table in GUARDED:
        for statement in guard_statements(name, table):
            db.session.execute(text(statement))


def _wipe() -> None:
    """Empty every table (children first), keeping the schema."""
    db.session.rollback()
    with chain_unguarded():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture(autouse=True)
def _context(app) -> Iterator[None]:
    """Each test runs in an app context, at a fixed time, with empty tables afterwards."""
    with app.app_context():
        limiter.reset()
        with clock.frozen(FROZEN_AT):
            yield
        _wipe()
        db.session.remove()


@dataclass
class DemoSnapshot:
    rows: dict[str, list[dict]]  # table → its rows, in primary-key order
    files: dict[str, Path]  # config key of a folder (uploads, exports) → a copy of what the demo left in it


@pytest.fixture(scope="session")
def demo_snapshot(app, tmp_path_factory: pytest.TempPathFactory) -> DemoSnapshot:
    """The demo district (`flask seed-demo`, at FROZEN_AT) built once per pass and kept as rows:
    building it takes long, putting its rows back (the `demo` fixture) a second."""
    from marketplace.demo import build_demo

    with app.app_context(), clock.frozen(FROZEN_AT):
        _wipe()
        build_demo()
        db.session.commit()
        rows = {}
        for table in db.metadata.sorted_tables:
            json = [c for c in table.columns if isinstance(c.type, JSON)]
            query = select(table, *[c.is_(None).label(f"sql_null_{c.name}") for c in json])
            rows[table.name] = []
            for row in db.session.execute(query.order_by(*table.primary_key.columns)).mappings():
                values = {c.name: row[c] for c in table.columns}
                for c in json:  # JSON's null and SQL's NULL both read as None
                    if values[c.name] is None and not row[f"sql_null_{c.name}"]:
                        values[c.name] = JSON.NULL
                rows[table.name].append(values)
        _wipe()
        db.session.remove()
    files = {}
    for key in ("UPLOAD_FOLDER", "EXPORT_FOLDER"):
        files[key] = tmp_path_factory.mktemp("demo-" + key.lower())
        shutil.copytree(app.config[key], files[key], dirs_exist_ok=True)
    return DemoSnapshot(rows, files)


def restore_demo(snapshot: DemoSnapshot) -> None:
    """Put the demo district back into the (empty) tables, as `flask seed-demo` leaves them."""
    from flask import current_app

    for table in db.metadata.sorted_tables:
        if snapshot.rows[table.name]:
            json = {c.name: bindparam(c.name, type_=JSON(none_as_null=True))  # None: SQL's NULL
                    for c in table.columns if isinstance(c.type, JSON)}
            db.session.execute(table.insert().values(json) if json else table.insert(), snapshot.rows[table.name])
    if dialect() == "postgresql":  # the ids go on from the demo's, as after a real build
        quote = db.engine.dialect.identifier_preparer.quote
        for table in db.metadata.sorted_tables:
            keys = list(table.primary_key.columns)
            if len(keys) == 1 and isinstance(keys[0].type, Integer) and snapshot.rows[table.name]:
                db.session.execute(text("SELECT setval(pg_get_serial_sequence(:t, :c), :n)"),
                                   {"t": quote(table.name), "c": keys[0].name,
                                    "n": max(row[keys[0].name] for row in snapshot.rows[table.name])})
    db.session.commit()
    for key, copy in snapshot.files.items():
        shutil.copytree(copy, current_app.config[key], dirs_exist_ok=True)


@pytest.fixture
def demo(demo_snapshot: DemoSnapshot) -> None:
    """The demo district, as `flask seed-demo` loads it (a fresh copy for each test)."""
    restore_demo(demo_snapshot)


@pytest.fixture(scope="session")
def demo_crawl(app, demo_snapshot: DemoSnapshot):
    """Every GET page of a fresh demo district read once per pass as every role (tests/demo_crawl.py)."""
    from tests.demo_crawl import read_every_page

    with app.app_context(), clock.frozen(FROZEN_AT):
        limiter.reset()
        restore_demo(demo_snapshot)
        try:
            return read_every_page(app)
        finally:
            _wipe()
            db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def csrf_off(app) -> Iterator[None]:
    app.config["WTF_CSRF_ENABLED"] = False
    yield
    app.config["WTF_CSRF_ENABLED"] = True


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def count_queries() -> Iterator:
    """with count_queries() as n: ...; assert n() <= budget"""
    state = {"n": 0, "on": False}

    def _listen(*_args, **_kwargs) -> None:
        if state["on"]:
            state["n"] += 1

    event.listen(Engine, "after_cursor_execute", _listen)

    @contextmanager
    def _count() -> Iterator:
        if state["on"]:
            raise RuntimeError("count_queries cannot be nested")
        state.update(n=0, on=True)
        try:
            yield lambda: state["n"]
        finally:
            state["on"] = False

    yield _count
    event.remove(Engine, "after_cursor_execute", _listen)


def csrf_token_from(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    if match is None:
        match = re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


class Auth:
    def __init__(self, client) -> None:
        self.client = client

    def login(self, username: str, password: str = "Quiet-harbour-47"):
        """Sign in; an account with two-factor on also gives the code its app would show."""
        page = self.client.get("/login").get_data(as_text=True)
        response = self.client.post("/login", data={"username": username, "password": password,
                                                    "csrf_token": csrf_token_from(page)})
        if response.status_code == 302 and response.headers["Location"].endswith("/login/two-factor"):
            from tests.factories import totp_code

            page = self.client.get("/login/two-factor").get_data(as_text=True)
            response = self.client.post("/login/two-factor", data={"code": totp_code(username),
                                                                   "csrf_token": csrf_token_from(page)})
        return response

    def post(self, url: str, data: dict | None = None, page: str | None = None, **kw):
        """POST with a valid CSRF token taken from `page` (or the dashboard)."""
        html = self.client.get(page or "/dashboard").get_data(as_text=True)
        return self.client.post(url, data={**(data or {}), "csrf_token": csrf_token_from(html)}, **kw)


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


def dialect() -> str:
    return db.engine.dialect.name


def execute_raw(sql: str, **params) -> None:
    db.session.execute(text(sql), params)
    db.session.commit()


def tamper(*statements: tuple[str, dict]) -> None:
    """What an intruder with database access does: raw SQL, committed (the chain's triggers dropped first)."""
    with chain_unguarded():
        for sql, params in statements:
            db.session.execute(text(sql), params)
    db.session.commit()
