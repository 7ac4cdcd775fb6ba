"""Every GET page, on the demo district, for every role: never a 500, and reading never writes —
not even when deadlines have fallen due and nobody has run `flask deadlines tick` yet."""

from datetime import timedelta

from marketplace.domain import deadlines
from marketplace.domain.core import audit, clock
from marketplace.extensions import db
from marketplace.models import Need, Organization, Project, SurveyCode
from tests.conftest import FROZEN_AT, Auth

ROLES = (None, "admin", "street", "secretary", "department", "expert", "org", "org22", "org24")


def _urls(app):
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


def _crawl(app, urls) -> list[tuple[str | None, str, int]]:
    failures = []
    for username in ROLES:
        client = app.test_client()
        if username:
            assert Auth(client).login(username, "Licang-2026").status_code == 302, username
        for url in urls:
            response = client.get(url)
            if response.status_code >= 500:
                failures.append((username, url, response.status_code))
            response.close()
    return failures


def test_no_page_fails_and_no_page_writes_for_any_role(app, demo):
    urls = _urls(app)
    db.session.commit()
    assert len(urls) > 150
    assert _crawl(app, urls) == []

    # Weeks later: bidding deadlines passed, notices ended, milestones overdue — and no cron yet.
    with clock.frozen(FROZEN_AT + timedelta(days=40)):
        before = audit.head()  # sign-ins write (last sign-in time) but append nothing to the chain
        assert _crawl(app, urls) == []
        db.session.expire_all()
        assert audit.head() == before, "a GET page recorded a transition"
        due = deadlines.tick()  # the transitions were due all along: cron records them
        assert due["closed"] + due["finalized"] + due["interventions"] > 0
        db.session.rollback()
