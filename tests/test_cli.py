from sqlalchemy import func, select

from marketplace.domain.core import audit
from marketplace.extensions import db
from marketplace.models import (
    Community,
    ExpertProfile,
    Grade,
    Organization,
    Role,
    Street,
    User,
    VerificationStatus,
)
from marketplace.domain.core import uscc
from marketplace.domain.orgs import standing


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_seed_demo_loads_the_licang_district(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    _covers_every_stage_in_time_order()
    assert "Licang-2026" in result.output
    assert count(Street) == 11 and count(Community) == 123
    names = set(db.session.scalars(select(Street.name)))
    assert {"振华路街道", "李村街道", "楼山街道", "九水街道"} <= names
    assert count(Organization) >= 30 and count(ExpertProfile) >= 10
    roles = set(db.session.scalars(select(User.role)))
    assert roles == set(Role)
    orgs = db.session.scalars(select(Organization)).all()
    assert all(uscc.problems(o.uscc) == [] for o in orgs)
    assert {o.grade for o in orgs} >= {None, *Grade}
    assert {o.status for o in orgs} == set(VerificationStatus)
    assert len({o.alliance for o in orgs}) == 5
    assert audit.verify_chain().ok


def test_seed_demo_is_idempotent(runner, demo):  # (the district as seed-demo loaded it)
    before = (count(Street), count(Community), count(Organization), count(User))
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0
    assert (count(Street), count(Community), count(Organization), count(User)) == before
    assert audit.verify_chain().ok


def test_if_empty_loads_an_empty_database(runner, monkeypatch):
    loaded = []
    monkeypatch.setattr("marketplace.demo.build_demo", lambda: loaded.append(True) or [])  # (slow; not the point)
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0 and loaded == [True], result.output


def test_if_empty_skips_a_database_with_users(runner, demo):
    users = count(User)
    assert users > 0
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "already has data" in result.output and count(User) == users


def test_create_admin(runner):
    result = runner.invoke(args=["create-admin", "--username", "boss"], input="Strong-pass-1\nStrong-pass-1\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.username == "boss")).role is Role.admin
    result = runner.invoke(args=["create-admin", "--username", "boss"], input="Strong-pass-1\nStrong-pass-1\n")
    assert result.exit_code != 0 and "已被使用" in result.output


def _covers_every_stage_in_time_order():
    from marketplace.models import (
        AuditEntry,
        Award,
        AwardStatus,
        BidPartner,
        Contract,
        Evaluation,
        EvaluationGrade,
        Need,
        NeedStatus,
        Objection,
        ObjectionStatus,
        PartnerStatus,
        Project,
        ProjectStatus,
        Wish,
        WishStatus,
    )

    states = set(db.session.scalars(select(Project.status)))
    assert states == set(ProjectStatus) - {ProjectStatus.exited}  # the exited one is published again
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "delivery.exited"))
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "delivery.intervention_opened"))
    assert {e.grade for e in db.session.scalars(select(Evaluation))} == set(EvaluationGrade)
    assert set(db.session.scalars(select(Need.status))) == set(NeedStatus)
    assert set(db.session.scalars(select(Wish.status))) == set(WishStatus)
    assert {a.status for a in db.session.scalars(select(Award))} == set(AwardStatus)
    assert ObjectionStatus.upheld in set(db.session.scalars(select(Objection.status)))
    assert {PartnerStatus.confirmed, PartnerStatus.invited} <= set(db.session.scalars(select(BidPartner.status)))
    assert count(Contract) >= 8
    from marketplace.domain.tender import bids
    from marketplace.models import ExemplaryProposal, ListEntry, ListKind, Organization

    entries = db.session.scalars(select(ListEntry)).all()
    assert {e.kind for e in entries} == {ListKind.red, ListKind.black}
    assert any(e.removed_at is not None for e in entries)  # an upheld appeal
    assert count(ExemplaryProposal) == 1
    banned = [o for o in db.session.scalars(select(Organization)) if standing.active_black(o.id)]
    open_project = db.session.scalar(select(Project).where(Project.status == ProjectStatus.bidding))
    assert banned and "black_list" in [r.code for r in bids.refusals(banned[0], open_project)]
    times = list(db.session.scalars(select(AuditEntry.created_at).order_by(AuditEntry.seq)))
    assert all(a <= b for a, b in zip(times, times[1:]))


def test_deadlines_tick_closes_due_bidding(runner):
    from datetime import timedelta

    from marketplace.domain.core import clock
    from marketplace.models import ProjectStatus
    from tests.factories import published_project

    project, _ = published_project()
    db.session.commit()
    with clock.frozen(project.bid_deadline + timedelta(minutes=1)):
        result = runner.invoke(args=["deadlines", "tick"])
    assert result.exit_code == 0 and "bidding closed: 1" in result.output
    db.session.expire_all()
    assert db.session.get(type(project), project.id).status is ProjectStatus.failed  # no bid: 流标


def test_lists_compute_from_the_command_line(runner):
    result = runner.invoke(args=["lists", "compute", "--period", "2026Q4"])
    assert result.exit_code == 0 and "2026Q4: 0 red, 0 black (draft)" in result.output
    bad = runner.invoke(args=["lists", "compute", "--period", "2026-4"])
    assert bad.exit_code != 0 and "2026Q4" in bad.output
