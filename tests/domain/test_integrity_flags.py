"""The scan over the database (sealed tenders never looked at; findings kept as flags, once) and a
flag's life: opened with a reason, then dismissed or referred with a reason — each on the chain."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from marketplace.domain.core import clock
from marketplace.domain.core.errors import InvalidTransition, ValidationError
from marketplace.domain.integrity import flags, scan
from marketplace.domain.tender import awards
from marketplace.extensions import db
from marketplace.models import AuditEntry, FlagLook, FlagStatus, IntegrityFlag, Role
from tests.factories import make_user, two_competitors_sharing_a_phone


def test_sealed_tenders_are_not_scanned_closed_ones_are():
    project, a, b = two_competitors_sharing_a_phone()
    assert scan.scan()["found"] == 0  # bidding still open: nothing of its bids is read
    with clock.frozen(project.bid_deadline + timedelta(minutes=5)):
        awards.close_if_due(project)
        result = scan.scan()
    flag = db.session.scalar(select(IntegrityFlag))
    assert result["created"] == 1 and flag.key == f"identity:o{min(a.id, b.id)}:o{max(a.id, b.id)}"
    assert flag.status is FlagStatus.open and flag.facts["fields"] == ["phone"]
    assert [p.id for p in flag.projects] == [project.id]
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "integrity.scanned")
                             .order_by(AuditEntry.seq.desc())).payload["count"] == result["found"]


def test_the_scan_keeps_each_letter_cut_once_by_its_digest():
    """A re-scan does not cut unchanged letters again; a letter that changed is cut anew and the
    shingles no bid uses any more are dropped."""
    from marketplace.domain.integrity import signals
    from marketplace.models import Bid, LetterShingles

    project, _a, _b = two_competitors_sharing_a_phone()
    with clock.frozen(project.bid_deadline + timedelta(minutes=5)):
        awards.close_if_due(project)
        first = scan.scan()
        bids = db.session.scalars(select(Bid).where(Bid.project_id == project.id)).all()
        letters = {"\n".join(x or "" for x in (b.summary, b.plan, b.team, b.outputs, b.schedule)) for b in bids}
        kept = dict(db.session.execute(select(LetterShingles.digest, LetterShingles.count)).all())
        assert first["letters_cut"] == len(letters) and set(kept) == {signals.letter_digest(t) for t in letters}
        assert all(n > 0 for n in kept.values())
        assert scan.scan()["letters_cut"] == 0
        bids[0].plan = (bids[0].plan or "") + "另设周末托管。"  # (as if the record were corrected)
        db.session.flush()
        assert scan.scan()["letters_cut"] == 1
        assert len(set(db.session.scalars(select(LetterShingles.digest)))) == len(
            {"\n".join(x or "" for x in (b.summary, b.plan, b.team, b.outputs, b.schedule)) for b in bids})


@pytest.fixture
def after_deadline():
    """A flag found once bidding closed; the test runs at that time."""
    project, _a, _b = two_competitors_sharing_a_phone()
    with clock.frozen(project.bid_deadline + timedelta(minutes=5)):
        awards.close_if_due(project)
        scan.scan()
        yield db.session.scalar(select(IntegrityFlag))


def test_a_second_scan_updates_the_flag_and_a_decided_flag_stays_decided(after_deadline):
    flag = after_deadline
    supervisor = make_user(Role.supervisor)
    again = scan.scan()
    assert again == {"found": 1, "created": 0, "updated": 1, "letters_cut": 0}
    flags.open_evidence(supervisor, flag, "例行核查本季度标记")
    flags.dismiss(supervisor, flag, "两家组织的电话为同一物业总机，已核实")
    assert scan.scan() == {"found": 1, "created": 0, "updated": 0, "letters_cut": 0}
    assert flag.status is FlagStatus.dismissed and db.session.scalar(
        select(IntegrityFlag.id).where(IntegrityFlag.status == FlagStatus.open)) is None


def test_the_evidence_opens_with_a_reason_and_each_step_is_on_the_chain(after_deadline):
    flag = after_deadline
    supervisor = make_user(Role.supervisor)
    assert not flags.may_read(supervisor, flag)
    with pytest.raises(InvalidTransition):
        flags.dismiss(supervisor, flag, "没有看证据就驳回")  # one decides having looked
    with pytest.raises(ValidationError):
        flags.open_evidence(supervisor, flag, "看")
    flags.open_evidence(supervisor, flag, "核查共用电话")
    assert flags.may_read(supervisor, flag)
    with clock.frozen(clock.now() + timedelta(hours=flags.LOOK_HOURS, minutes=1)):
        assert not flags.may_read(supervisor, flag)  # a later look is another entry
    flags.refer(supervisor, flag, "共用电话且在同一项目中竞争，需进一步调查", "区纪委监委第三纪检监察室")
    assert flag.status is FlagStatus.referred and flag.referred_to == "区纪委监委第三纪检监察室"
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.subject_type == "integrity_flags")
                                 .order_by(AuditEntry.seq)).all()
    assert actions == ["integrity.flag_opened", "integrity.flag_referred"]
    with pytest.raises(InvalidTransition):
        flags.dismiss(supervisor, flag, "已移送后不能再驳回")
    assert db.session.scalar(select(FlagLook.reason)) == "核查共用电话"


@pytest.mark.parametrize("role", [Role.admin, Role.street, Role.expert, Role.organization, Role.resident])
def test_only_the_supervisor_opens_or_decides(role, after_deadline):
    flag = after_deadline
    other = make_user(role)
    with pytest.raises(Forbidden):
        flags.open_evidence(other, flag, "我想看看证据")
    with pytest.raises(InvalidTransition):
        flags.dismiss(other, flag, "我想驳回这个标记")


def test_the_command_scans(runner, after_deadline):
    result = runner.invoke(args=["integrity", "scan"])
    assert result.exit_code == 0 and "integrity scan: 1 findings, 0 new flags, 1 open flags updated" in result.output
