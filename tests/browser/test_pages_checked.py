"""Every page type as every role, the console included, checked once per database pass:
axe-core (npm, injected from node_modules — no CDN) must find no serious or critical violation,
and the Nu HTML checker (npm `vnu-jar`, run with the machine's Java once over all saved pages)
must report no error.

The pages are found by walking the URL map (as tests/test_crawl.py does), so new pages are
checked without being listed here. One page per endpoint and sample (projects and needs in each of
their states), each as every role that may open it; a page that answers other than 200 is not
checked (the crawl test covers status codes)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func

from marketplace.config import ROOT
from marketplace.domain.core import clock
from marketplace.extensions import db
from marketplace.models import IntegrityFlag, Need, Organization, Project, ServiceItem, SurveyCode
from tests.conftest import FROZEN_AT, Auth, _wipe, restore_demo

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
ROLES = (None, "admin", "supervisor", "street", "secretary", "department", "expert", "org", "resident")
SERIOUS = ("serious", "critical")
SKIPPED_ENDPOINTS = ("static", "set_language", ".ajax_", "export", ".photo", "attachment", "download",
                     "brochure", "report", "codes_sheet", "ocds", "document", "logout")


@dataclass
class Checked:
    pages: dict[str, tuple[str, str]] = field(default_factory=dict)  # file name → (role, url)
    axe: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # role, url, rule, impact, where
    axed: list[tuple[str, str]] = field(default_factory=list)
    folder: Path | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def _samples() -> dict[str, list[str]]:
    """A few values per URL argument, from the demo: a project and a need in each state."""
    def one_per(model, column, status):
        rows = db.session.execute(db.select(status, func.min(column)).group_by(status)).all()
        return [value for _s, value in rows]

    return {
        "project": one_per(Project, Project.code, Project.status),
        "need": one_per(Need, Need.code, Need.status),
        "service": one_per(ServiceItem, ServiceItem.code, ServiceItem.status),
        "survey": [c for c in [db.session.scalar(db.select(SurveyCode.code).where(SurveyCode.used_at.is_(None)))] if c],
        "org_id": [str(i) for i in db.session.scalars(db.select(Organization.id).order_by(Organization.id).limit(1))],
        "flag_id": [str(i) for i in db.session.scalars(db.select(IntegrityFlag.id).order_by(IntegrityFlag.id).limit(1))],
    }


def _code_kind(rule: str) -> str:
    for prefix, kind in (("/projects", "project"), ("/needs", "need"), ("/reviews", "need"),
                         ("/services", "service"), ("/survey", "survey")):
        if rule.startswith(prefix):
            return kind
    return "project"


def page_urls(app) -> list[str]:
    """One URL per GET endpoint and sample value; the console's model views with a row each."""
    samples = _samples()
    urls: list[str] = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or any(s in rule.endpoint for s in SKIPPED_ENDPOINTS):
            continue
        if rule.rule.startswith("/admin"):
            continue
        args = set(rule.arguments)
        if not args:
            urls.append(rule.rule)
            continue
        values: list[dict[str, str]] = []
        if args == {"code"}:
            values = [{"code": v} for v in samples[_code_kind(rule.rule)]]
        elif len(args) == 1 and next(iter(args)) in samples:
            values = [{a: v for a in args} for v in samples[next(iter(args))]]
        urls += [rule.build(v)[1] for v in values]
    urls += admin_urls(app)
    only = os.environ.get("CHECKED_PAGES_ONLY")  # while working on some pages: a regular expression
    return sorted(u for u in set(urls) if not only or re.search(only, u))


def admin_urls(app) -> list[str]:
    admin = app.extensions["admin"][0]
    urls = []
    for view in admin._views:
        base = view.url
        urls.append(base + "/")
        model = getattr(view, "model", None)
        if model is None:
            continue
        pk = db.session.scalar(db.select(model.__mapper__.primary_key[0]).limit(1))
        if getattr(view, "can_create", False):
            urls.append(f"{base}/new/")
        if pk is not None:
            urls.append(f"{base}/details/?id={pk}")
            if getattr(view, "can_edit", False):
                urls.append(f"{base}/edit/?id={pk}")
    return urls


def _client(app, username: str | None):
    client = app.test_client()
    if username is not None:
        assert Auth(client).login(username, "Licang-2026").status_code == 302, username
    return client


TAG = re.compile(r"""<([a-zA-Z][\w-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>""")
ATTR = re.compile(r'\s(class|role|type|scope|lang|aria-[\w-]+|alt|for|title|tabindex|disabled|required|hidden)(?:="([^"]*)")?')


def signature(html: str) -> frozenset[str]:
    """The kinds of element a page has (tag with its class, role, type and ARIA attributes), without
    text or ids: what axe judges. Two pages of the same kinds need not both be run through axe."""
    kinds = set()
    for tag, attrs in TAG.findall(html):
        parts = [tag.lower()] + sorted(f"{k}={v}" if k in ("class", "role", "type", "scope", "lang") else k
                                       for k, v in ATTR.findall(attrs))
        kinds.add(" ".join(parts))
    return frozenset(kinds)


def _fetch(app, folder: Path, checked: Checked) -> dict[str, list[tuple[str | None, str, str, frozenset]]]:
    """Every page as every role through the test client: each distinct page saved for the Nu checker;
    the candidates for axe grouped by endpoint."""
    urls = page_urls(app)
    adapter = app.url_map.bind("localhost")
    seen: set[str] = set()
    by_endpoint: dict[str, list] = {}
    for username in ROLES:
        client = _client(app, username)
        for url in urls:
            response = client.get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            html = response.get_data(as_text=True)
            digest = hashlib.sha256(CSRF.sub("", html).encode()).hexdigest()
            if digest in seen:  # the same page for several roles (a public page, say) is checked once
                continue
            seen.add(digest)
            name = f"{len(checked.pages):04d}.html"
            (folder / name).write_text(html, encoding="utf-8")
            checked.pages[name] = (username or "anonymous", url)
            endpoint = adapter.match(url.split("?")[0])[0]
            by_endpoint.setdefault(endpoint, []).append((username, url, name, signature(html)))
    return by_endpoint


CSRF = re.compile(r'(csrf_token" (?:type="hidden" )?value|nonce)="[^"]*"')


def choose_for_axe(by_endpoint: dict[str, list]) -> list[tuple[str | None, str, str]]:
    """Every page type (endpoint) at least once, every role's pages, and enough further pages
    that every kind of element met anywhere is run through axe at least once (greedy cover)."""
    candidates = [c for group in by_endpoint.values() for c in group]
    left = set().union(*(c[3] for c in candidates))
    chosen: dict[str, tuple] = {}

    def take(candidate):
        chosen[candidate[2]] = candidate
        left.difference_update(candidate[3])

    for group in by_endpoint.values():
        take(max(group, key=lambda c: len(c[3] & left)))
    for username in ROLES:  # each role's own view (its navigation, its dashboard) at least once
        own = [c for c in candidates if c[0] == username]
        if own and not any(c[0] == username for c in chosen.values()):
            take(max(own, key=lambda c: len(c[3] & left)))
    while left:
        take(max(candidates, key=lambda c: len(c[3] & left)))
    return [(c[0], c[1], c[2]) for c in chosen.values()]


def _axe(app, live_server, browser, chosen, checked: Checked) -> None:
    axe_source = AXE.read_text(encoding="utf-8")
    for username in ROLES:
        mine = [c for c in chosen if c[0] == username]
        if not mine:
            continue
        context = browser.new_context(locale="zh-CN", viewport={"width": 1200, "height": 900})
        if username is not None:
            cookie = _client(app, username).get_cookie("session")
            context.add_cookies([{"name": "session", "value": cookie.value, "url": live_server}])
        page = context.new_page()
        page.set_default_timeout(20000)
        for _username, url, _name in mine:
            response = page.goto(live_server + url)
            assert response is not None and response.status == 200, (username, url)
            page.evaluate(axe_source)
            result = page.evaluate(
                "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
                " return r.violations.map(v => [v.id, v.impact,"
                " v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')]); }")
            checked.axed.append((username or "anonymous", url))
            for rule_id, impact, where in result:
                if impact in SERIOUS:
                    checked.axe.append((username or "anonymous", url, rule_id, impact, where))
        context.close()


@pytest.fixture(scope="session")
def checked_pages(app, live_server, browser, demo_snapshot) -> Iterator[Checked]:
    """The demo district crawled once per database pass; the tables emptied afterwards."""
    assert AXE.exists() and VNU.exists(), "run `npm ci` (make test does): axe-core and vnu-jar come from npm"
    folder = Path(tempfile.mkdtemp(prefix="checked-pages-"))  # pytest prunes its numbered folders
    with app.app_context(), clock.frozen(FROZEN_AT):
        try:
            started = time.monotonic()
            restore_demo(demo_snapshot)
            checked = Checked(folder=folder)
            by_endpoint = _fetch(app, folder, checked)
            checked.seconds["fetch"] = time.monotonic() - started
            chosen = choose_for_axe(by_endpoint)
            _axe(app, live_server, browser, chosen, checked)
            checked.seconds["axe"] = time.monotonic() - started - checked.seconds["fetch"]
        finally:
            _wipe()
            db.session.remove()
    yield checked
    shutil.rmtree(folder, ignore_errors=True)


def test_the_crawl_covers_every_role_and_the_console(checked_pages):
    urls = {url for _role, url in checked_pages.pages.values()}
    roles = {role for role, _url in checked_pages.pages.values()}
    print(f"{len(checked_pages.pages)} pages, {len(checked_pages.axed)} through axe, seconds: {checked_pages.seconds}")
    if os.environ.get("CHECKED_PAGES_ONLY"):
        pytest.skip("CHECKED_PAGES_ONLY is set")
    assert len(checked_pages.pages) > 150, len(checked_pages.pages)
    assert any(u.startswith("/admin") for u in urls) and any("/edit/" in u for u in urls)
    assert {"anonymous", "admin", "street", "secretary", "expert", "org"} <= roles


def test_axe_finds_no_serious_or_critical_violation(checked_pages):
    report = "\n".join(f"{role:10} {url}  {rule} ({impact}): {where}"
                       for role, url, rule, impact, where in checked_pages.axe)
    assert not checked_pages.axe, f"{len(checked_pages.axe)} serious/critical axe violations:\n{report}"


def test_the_nu_checker_reports_no_error(checked_pages):
    files = sorted(str(checked_pages.folder / name) for name in checked_pages.pages)
    done = subprocess.run(["java", "-Xss4m", "-jar", str(VNU), "--errors-only", "--format", "json", *files],
                          capture_output=True, text=True, timeout=600)
    messages = json.loads(done.stderr or '{"messages": []}')["messages"]
    errors = [m for m in messages if m.get("type") == "error"]
    lines = []
    for m in errors[:80]:
        role, url = checked_pages.pages[Path(m["url"].removeprefix("file:")).name]
        lines.append(f"{role:10} {url}:{m.get('lastLine')}  {m['message']}  «{m.get('extract', '').strip()[:80]}»")
    assert not errors, f"{len(errors)} Nu checker errors:\n" + "\n".join(lines)
