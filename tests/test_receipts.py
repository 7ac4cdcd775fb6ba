"""Receipts anyone can recompute: the bidder downloads the exact document that was hashed, the
winner's is public after the award, anyone checks a digest on 查验回执, and `flask receipts verify`
re-derives every receipt — amounts hashed in one canonical form ("56000.00")."""

import hashlib
import json
from datetime import timedelta
from decimal import Decimal

from marketplace.domain.core import clock
from marketplace.domain.tender import awards, bids
from marketplace.extensions import db
from marketplace.models import BidPartner, Role
from tests.conftest import Auth, tamper
from tests.factories import bid_data, bidder, make_user, project_in_delivery, published_project


def _joint_bid(project, lead=None, share="56000"):
    lead = lead or bidder()
    partner_user = bidder()
    bid = bids.save(lead, project, bid_data("60000"))
    partner = bids.invite_partner(lead, bid, partner_user.organization, "场地与志愿者", 30, Decimal(share))
    bids.answer_invitation(partner_user, partner, True)
    receipt = bids.submit(lead, bid)
    db.session.commit()
    return bid, receipt, lead, partner_user


def test_a_joint_bid_is_hashed_with_one_canonical_amount_and_re_derives(runner):
    project, _officer = published_project()
    bid, receipt, _lead, _partner = _joint_bid(project)
    document = json.loads(receipt.document)
    assert document["partners"][0][3] == "56000.00" and document["budget_total"] == "60000.00"
    assert hashlib.sha256(receipt.document.encode()).hexdigest() == receipt.digest
    db.session.expire_all()  # as stored, read back
    assert db.session.get(BidPartner, bid.partners[0].id).budget_share == Decimal("56000.00")
    assert bids.content_digest(db.session.get(type(bid), bid.id)) == receipt.digest
    result = runner.invoke(args=["receipts", "verify"])
    assert result.exit_code == 0 and "Receipts intact: 1 receipts" in result.output, result.output


def test_receipts_verify_names_a_bid_changed_behind_its_receipt(runner):
    project, _officer = published_project()
    bid, receipt, _lead, _partner = _joint_bid(project)
    tamper(("UPDATE bids SET plan = '改过的方案' WHERE id = :i", {"i": bid.id}))
    result = runner.invoke(args=["receipts", "verify"])
    assert result.exit_code == 1 and f"receipt #{receipt.id}" in result.output
    assert "the bid as stored now hashes to" in result.output


def test_receipts_verify_names_an_edited_receipt(runner):
    project, _officer = published_project()
    _bid, receipt, _lead, _partner = _joint_bid(project)
    tamper(("UPDATE bid_receipts SET digest = :d WHERE id = :i", {"d": "ab" * 32, "i": receipt.id}))
    result = runner.invoke(args=["receipts", "verify"])
    assert result.exit_code == 1 and "does not hash to its digest" in result.output
    assert "the chain has no submission with this digest" in result.output


def test_the_bidder_downloads_the_hashed_document_and_nobody_else_can(app):
    project, _officer = published_project()
    bid, receipt, lead, partner_user = _joint_bid(project)
    url = f"/projects/{project.code}/bid/receipts/{receipt.id}.json"
    for user in (lead, partner_user):
        client = app.test_client()
        Auth(client).login(user.username)
        response = client.get(url)
        assert response.status_code == 200 and hashlib.sha256(response.data).hexdigest() == receipt.digest
        assert "attachment" in response.headers["Content-Disposition"]
        if user is lead:
            page = client.get(f"/projects/{project.code}/bid").get_data(as_text=True)
            assert "sha256sum" in page and url in page
    assert app.test_client().get(url).status_code in (302, 401, 404)
    for user in (bidder(), make_user(Role.admin), make_user(Role.expert)):
        db.session.commit()
        client = app.test_client()
        Auth(client).login(user.username)
        assert client.get(url).status_code == 404
    assert app.test_client().get(f"/projects/{project.code}/award/receipt.json").status_code == 404


def test_after_the_award_the_winners_document_is_public(app, client):
    project, _officer, winner, _secretary = project_in_delivery()
    db.session.commit()
    receipt = bids.winner_receipt(project)
    response = client.get(f"/projects/{project.code}/award/receipt.json")
    assert response.status_code == 200 and hashlib.sha256(response.data).hexdigest() == receipt.digest
    page = client.get(f"/projects/{project.code}/award").get_data(as_text=True)
    assert receipt.digest in page and "sha256sum" in page
    assert winner


def test_a_losing_bids_document_stays_private(app, client):
    project, officer = published_project()
    first, _r1, _l1, _p1 = _joint_bid(project)
    loser = bidder()
    lost = bids.save(loser, project, bid_data("58000"))
    lost_receipt = bids.submit(loser, lost)
    expert, department = make_user(Role.expert), make_user(Role.department)
    from marketplace.models import PanelRole

    with clock.frozen(project.bid_deadline + timedelta(hours=1)):
        awards.close_if_due(project)
        awards.set_panel(officer, project, [(officer, PanelRole.street), (expert, PanelRole.expert),
                                            (department, PanelRole.department)])
        for b in (first, lost):
            awards.schedule_roadshow(officer, b, clock.now(), "线上")
        for user in (officer, expert, department):
            awards.declare(user, project)
            for b, plan in ((first, 38), (lost, 30)):
                awards.score(user, b, {k: {"score": v, "reason": "理由"} for k, v in
                                       {"plan": plan, "team": 15, "past": 10, "budget": 10, "roadshow": 8}.items()})
        awards.award(officer, project, first)
        db.session.commit()
        body = client.get(f"/projects/{project.code}/award/receipt.json").get_data(as_text=True)
    assert "58000.00" not in body and lost_receipt.document not in body
    assert json.loads(body)["budget_total"] == "60000.00"


def test_anyone_checks_a_digest(client):
    project, _officer = published_project()
    _bid, receipt, _lead, _partner = _joint_bid(project)
    page = client.get(f"/receipts/check?digest={receipt.digest.upper()}").get_data(as_text=True)
    assert project.code in page and "#" in page and "该回执存在" in page or "This receipt exists" in page
    assert "每周五天配送午餐" not in page  # never the bid
    for bad in ("xyz", "0" * 63, "<script>", "%00"):
        response = client.get("/receipts/check", query_string={"digest": bad})
        assert response.status_code == 200 and "64" in response.get_data(as_text=True)
    unknown = client.get("/receipts/check", query_string={"digest": "0" * 64}).get_data(as_text=True)
    assert "没有与该摘要对应的回执" in unknown or "No receipt has this digest" in unknown
    assert client.get("/receipts/check").status_code == 200
