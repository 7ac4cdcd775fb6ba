"""Sealing is absolute: before the deadline a bid's content and its files appear in no response
to anyone but the bidding organization's own users — every GET route, every role."""

from io import BytesIO

from werkzeug.datastructures import FileStorage

from marketplace.domain.tender import bids
from marketplace.extensions import db
from marketplace.models import Role
from tests.conftest import Auth
from tests.factories import bid_data, bidder, make_need, make_user, pdf_bytes, published_project

MARKER = "SEALED-7f3a9c-方案"
FILE_MARKER = b"SEALED-FILE-e41b"


def _urls(app, values):
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.endswith("static") or "/ajax/" in rule.rule:
            continue
        args = {}
        for name in rule.arguments:
            if name not in values:
                break
            args[name] = values[name]
        else:
            urls.append(rule.build(args, append_unknown=False)[1] if rule.arguments else rule.rule)
    return urls


def test_no_route_shows_a_sealed_bid_before_the_deadline(app):
    project, officer = published_project()
    owner = bidder()
    bid = bids.save(owner, project, bid_data(summary=MARKER, plan=MARKER, team=MARKER))
    [attachment] = bids.add_attachments(owner, bid, [FileStorage(BytesIO(pdf_bytes(FILE_MARKER.decode())),
                                                                  filename=f"{MARKER}.pdf")])
    receipt = bids.submit(owner, bid)
    need = make_need()
    colleague = make_user(Role.organization, organization_id=owner.organization_id)
    others = {role: make_user(role) for role in Role if role is not Role.organization}
    rival = bidder()
    db.session.commit()
    values = {"code": project.code, "file_id": attachment.id, "org_id": owner.organization_id, "fmt": "csv",
              "photo_id": 1, "wish_id": 1, "objection_id": 1, "partner_id": 1, "bid_id": bid.id}
    urls = _urls(app, values) + [f"/needs/{need.code}", "/projects/export.xlsx", "/needs/export.xlsx",
                                 "/projects/?q=7f3a9c", "/needs/?q=7f3a9c", "/admin/auditentry/", "/notifications/",
                                 "/audit/chain.json?after=0", "/projects/ocds.json?page=1"]
    assert any("/bid/files/" in u for u in urls) and len(urls) > 40
    # the open data and the public chain are crawled too
    assert {"/audit/chain.json", "/audit/checkpoints.json", f"/projects/{project.code}/ocds.json",
            "/projects/ocds.json"} <= set(urls)

    def crawl(client):
        seen = []
        for url in urls:
            response = client.get(url)
            body = response.get_data()
            response.close()
            if MARKER.encode() in body or FILE_MARKER in body:
                seen.append(url)
        return seen

    assert crawl(app.test_client()) == []
    for user in [*others.values(), rival]:
        client = app.test_client()
        Auth(client).login(user.username)
        assert crawl(client) == [], user.role
    for user in (owner, colleague):
        client = app.test_client()
        Auth(client).login(user.username)
        seen = crawl(client)
        assert f"/projects/{project.code}/bid" in seen and f"/projects/{project.code}/bid/files/{attachment.id}" in seen
    # the receipt is public all along
    assert receipt.digest in app.test_client().get(f"/projects/{project.code}").get_data(as_text=True)
