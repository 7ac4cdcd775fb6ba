"""`flask audit verify --deep`: the business rows the chain recorded (scores with their criteria and
reasons, credit events, bids, receipts, awards, evaluations, lists, settings) still match their digests;
a direct SQL UPDATE is named."""

from decimal import Decimal

from marketplace.domain.credit import ledger
from marketplace.extensions import db
from marketplace.models import AuditRow, BidScore, CreditEvent
from tests.conftest import tamper
from tests.factories import make_org, project_in_delivery


def test_the_demo_district_verifies_deep(app, runner, client, demo):
    from marketplace.models import Role, User

    # the public chain of the demo names no expert, resident or secretary, by account or by name
    people = db.session.scalars(db.select(User).where(User.role.in_((Role.expert, Role.resident, Role.secretary)))).all()
    url, pages = "/audit/chain.json", []
    while url:
        response = client.get(url)
        pages.append(response.get_data(as_text=True))
        url = response.get_json()["next"]
    roles = {r.value for r in Role}  # (the demo's "expert" account shares its name with the role)
    for person in people:
        account = f'"{person.username}"' if person.username not in roles else person.display_name
        assert not any(account in body or person.display_name in body for body in pages), person
    result = runner.invoke(args=["audit", "verify", "--deep"])
    assert result.exit_code == 0, result.output
    assert "Business rows intact" in result.output
    receipts = runner.invoke(args=["receipts", "verify"])  # the demo's joint bids included
    assert receipts.exit_code == 0 and "Receipts intact" in receipts.output, receipts.output
    tables = set(db.session.scalars(db.select(AuditRow.row_table).distinct()))
    assert {"bids", "bid_receipts", "bid_scores", "awards", "evaluators", "evaluations", "credit_events",
            "list_periods"} <= tables, tables


def test_a_direct_update_of_a_panel_score_is_named(runner):
    project_in_delivery()
    db.session.commit()
    assert runner.invoke(args=["audit", "verify", "--deep"]).exit_code == 0
    score = db.session.scalars(db.select(BidScore).order_by(BidScore.id)).first()
    tamper(("UPDATE bid_scores SET total = 99 WHERE id = :i", {"i": score.id}))
    result = runner.invoke(args=["audit", "verify", "--deep"])
    assert result.exit_code == 1
    assert f"bid_scores #{score.id} no longer matches its digest recorded in entry #" in result.output
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0  # the chain alone cannot see it


def test_a_changed_reason_of_a_score_is_named(runner):
    project_in_delivery()
    db.session.commit()
    score = db.session.scalars(db.select(BidScore).order_by(BidScore.id)).first()
    scores = dict(score.scores)
    scores["plan"] = {**scores["plan"], "reason": "改过的理由"}
    import json

    tamper(("UPDATE bid_scores SET scores = :s WHERE id = :i", {"s": json.dumps(scores), "i": score.id}))
    assert f"bid_scores #{score.id}" in runner.invoke(args=["audit", "verify", "--deep"]).output


def test_a_direct_update_of_a_credit_event_is_named(runner):
    org = make_org()
    event = ledger.record(org.id, "objection", Decimal("-5"), "异议成立")
    db.session.commit()
    assert runner.invoke(args=["audit", "verify", "--deep"]).exit_code == 0
    tamper(("UPDATE credit_events SET points = 5 WHERE id = :i", {"i": event.id}))
    result = runner.invoke(args=["audit", "verify", "--deep"])
    assert result.exit_code == 1 and f"credit_events #{event.id} no longer matches" in result.output


def test_a_row_inserted_behind_the_chains_back_is_named(runner):
    org = make_org()
    ledger.record(org.id, "objection", Decimal("-5"), "异议成立")
    db.session.commit()
    tamper(("INSERT INTO credit_events (organization_id, kind, points, reason, occurred_on, created_at) "
            "VALUES (:o, 'excellent', 30, '凭空加分', '2026-11-01', '2026-11-01 00:00:00')", {"o": org.id}))
    new_id = db.session.scalar(db.select(db.func.max(CreditEvent.id)))
    result = runner.invoke(args=["audit", "verify", "--deep"])
    assert result.exit_code == 1 and f"credit_events #{new_id} is not recorded in the chain" in result.output


def test_an_edited_row_index_is_named(runner):
    org = make_org()
    ledger.record(org.id, "objection", Decimal("-5"), "异议成立")
    db.session.commit()
    tamper(("UPDATE audit_rows SET digest = :d", {"d": "0" * 64}))
    result = runner.invoke(args=["audit", "verify", "--deep"])
    assert result.exit_code == 1 and "row index of entry" in result.output
