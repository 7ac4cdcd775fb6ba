"""Never a 500: every GET page, on the demo district, for a spread of roles."""

from marketplace.extensions import db
from marketplace.models import Need, Organization, Project, SurveyCode
from tests.conftest import Auth


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


def test_no_page_fails_for_any_role(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    urls = _urls(app)
    db.session.commit()
    assert len(urls) > 150
    failures = []
    for username in (None, "admin", "street", "secretary", "expert", "org22", "org24"):
        client = app.test_client()
        if username:
            assert Auth(client).login(username, "Licang-2026").status_code == 302, username
        for url in urls:
            response = client.get(url)
            if response.status_code >= 500:
                failures.append((username, url))
            response.close()
    assert failures == []
