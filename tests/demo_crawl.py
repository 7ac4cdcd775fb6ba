"""Every GET page of the demo district read as every role, once per database pass (the
`demo_crawl` fixture): tests/test_crawl.py asserts that none fails, tests/test_hostile.py that
none fails or carries inline script, and then throws hostile input at the forms found, with the
very clients (sessions, CSRF tokens) that read them."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from marketplace.extensions import db
from marketplace.models import Need, Organization, Project, SurveyCode
from tests.conftest import Auth

ROLES = (None, "admin", "street", "secretary", "department", "expert", "org", "org22", "org24")


def demo_urls(app) -> list[str]:
    """Every GET page (the console aside): each project, a few needs and organizations, a survey code."""
    projects = list(db.session.scalars(db.select(Project.code)))
    needs = list(db.session.scalars(db.select(Need.code).limit(4)))
    orgs = list(db.session.scalars(db.select(Organization.id).limit(3)))
    code = db.session.scalar(db.select(SurveyCode.code))
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or "static" in rule.endpoint or rule.rule.startswith("/admin"):
            continue
        args = rule.arguments
        if not args:
            urls.append(rule.rule)
        elif args == {"code"}:
            values = projects if rule.rule.startswith("/projects") else (
                needs if rule.rule.startswith(("/needs", "/reviews")) else [code])
            urls += [rule.build({"code": v})[1] for v in values]
        elif args == {"org_id"}:
            urls += [rule.build({"org_id": v})[1] for v in orgs]
        elif args == {"fmt"}:
            urls += [rule.build({"fmt": f})[1] for f in ("csv", "xlsx")]
    return urls


def signed_in_clients(app) -> dict:
    clients = {}
    for username in ROLES:
        client = app.test_client()
        if username:
            assert Auth(client).login(username, "Licang-2026").status_code == 302, username
        clients[username] = client
    return clients


class Forms(HTMLParser):
    """The POST forms of a page: action, and each field's name, kind and the values it offers."""

    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_url, self.forms, self._current = page_url, [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            action = urlsplit(a.get("action") or self.page_url)
            self._current = {"action": action.path + (f"?{action.query}" if action.query else ""),
                             "fields": {}, "multipart": "multipart" in (a.get("enctype") or "")}
            self.forms.append(self._current)
        elif self._current is not None and tag in ("input", "textarea", "select") and a.get("name"):
            kind = a.get("type", "text") if tag == "input" else tag
            if kind in ("submit", "button", "image", "reset"):
                return
            entry = self._current["fields"].setdefault(a["name"], {"kind": kind, "values": []})
            if a.get("value") is not None:
                entry["values"].append(a["value"])
        elif self._current is not None and tag == "option" and a.get("value") is not None:
            fields = self._current["fields"]
            if fields:
                list(fields.values())[-1]["values"].append(a["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


@dataclass
class DemoCrawl:
    urls: list[str]
    clients: dict  # role → the signed-in test client that read the pages
    failures: list[tuple] = field(default_factory=list)  # (role, url, status) of every 5xx
    inline: list[tuple] = field(default_factory=list)  # (role, url, what) the Content-Security-Policy would block
    forms: dict = field(default_factory=dict)  # (role, action) → the form as first met


def read_every_page(app) -> DemoCrawl:
    from tests.views.test_security import INLINE

    urls = demo_urls(app)
    db.session.commit()
    crawl = DemoCrawl(urls, signed_in_clients(app))
    for username, client in crawl.clients.items():
        for url in urls:
            response = client.get(url)
            if response.status_code >= 500:
                crawl.failures.append((username, url, response.status_code))
            elif response.status_code == 200 and response.mimetype == "text/html":
                html = response.get_data(as_text=True)
                if INLINE.search(html):
                    crawl.inline.append((username, url, INLINE.findall(html)[:3]))
                parser = Forms(url)
                parser.feed(html)
                for form in parser.forms:
                    if form["action"] not in ("/logout",):
                        crawl.forms.setdefault((username, form["action"]), form)
            response.close()
    return crawl
