"""履约: the delivery plan (milestones within the contract), progress reports with photos, the
community's confirmation, residents' complaints, intervention → rectification → exit, and closing."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from io import BytesIO
from typing import Any

from flask_babel import lazy_gettext as _l
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace.domain.assess import needs
from marketplace.domain.core.records import contract, winner_org_id  # noqa: F401 (part of the stage's vocabulary)
from marketplace.domain.core import audit, clock, followup, notify, permissions, rules, uploads
from marketplace.domain.credit import ledger
from marketplace.domain.core.errors import InvalidTransition, ValidationError, free_text
from marketplace.extensions import db
from marketplace.models import (
    User,
    ClosingReport,
    Complaint,
    ComplaintStatus,
    Intervention,
    InterventionStatus,
    Milestone,
    MilestoneStatus,
    ProgressPhoto,
    ProgressReport,
    Project,
    ProjectStatus,
)



def milestones(project: Project) -> list[Milestone]:
    """The milestones with their reports and photos (three queries, however many reports)."""
    return list(db.session.scalars(select(Milestone).where(Milestone.project_id == project.id)
                                   .options(selectinload(Milestone.reports).selectinload(ProgressReport.photos))
                                   .order_by(Milestone.seq)))


def _money(raw: Any, field: str) -> Decimal:
    try:
        value = Decimal(str(raw).replace(",", "").strip())
    except (InvalidOperation, AttributeError):
        raise ValidationError(_l("Enter an amount."), field=field) from None
    if not value.is_finite() or value < 0:
        raise ValidationError(_l("Enter an amount."), field=field)
    return value.quantize(Decimal("0.01"))


# --- the plan ----------------------------------------------------------------------------------

def set_plan(actor: Any, project: Project, lines: list[dict[str, Any]]) -> list[Milestone]:
    """The organization sets its milestones (output, date, tranche) within the contract; the street
    approves them. Until approval the plan can be replaced."""
    permissions.require(actor, "delivery.plan", project)
    deal = contract(project)
    if deal is None:
        raise InvalidTransition(_l("There is no contract yet."))
    if deal.plan_approved_at is not None:
        raise InvalidTransition(_l("The plan is approved; it can no longer be changed."))
    clean = []
    for line in lines:
        output = (line.get("output") or "").strip()
        if not output and not line.get("due_on") and not line.get("tranche"):
            continue
        if not output:
            raise ValidationError(_l("Every milestone needs its output."), field="milestones")
        due_on = line.get("due_on")
        if not isinstance(due_on, date):
            raise ValidationError(_l("Every milestone needs a date."), field="milestones")
        if not deal.starts_on <= due_on <= deal.ends_on:
            raise ValidationError(_l("Milestone dates must fall within the contract (%(a)s to %(b)s).",
                                     a=deal.starts_on, b=deal.ends_on), field="milestones")
        clean.append((output[:300], due_on, _money(line.get("tranche"), "milestones")))
    if not clean:
        raise ValidationError(_l("Give at least one milestone."), field="milestones")
    total = sum((t for _o, _d, t in clean), Decimal(0))
    if total > deal.amount:
        raise ValidationError(_l("The tranches add up to %(t)s yuan, more than the contract's %(a)s yuan.",
                                 t=total, a=deal.amount), field="milestones")
    for old in milestones(project):
        db.session.delete(old)
    db.session.flush()
    rows = [Milestone(project_id=project.id, seq=i + 1, output=o, due_on=d, tranche=t)
            for i, (o, d, t) in enumerate(sorted(clean, key=lambda x: x[1]))]
    db.session.add_all(rows)
    db.session.flush()
    audit.append(actor, "delivery.plan_set", project, {"milestones": len(rows), "tranches": str(total)})
    return rows


def approve_plan(actor: Any, project: Project) -> None:
    permissions.require(actor, "delivery.approve_plan", project)
    deal = contract(project)
    if deal is None or not milestones(project):
        raise InvalidTransition(_l("There is no plan to approve yet."))
    deal.plan_approved_at = clock.now()
    audit.append(actor, "delivery.plan_approved", project, {})


# --- progress --------------------------------------------------------------------------------

def _thumbnail(data: bytes) -> bytes:
    with Image.open(BytesIO(data)) as image:
        image = image.convert("RGB")
        image.thumbnail((320, 240))
        out = BytesIO()
        image.save(out, "JPEG", quality=80)
        return out.getvalue()


def report_progress(actor: Any, milestone: Milestone, text: str, people_served: int, spent: Any,
                    photos: list[Any] | None = None, delivered: bool = False) -> ProgressReport:
    project = db.session.get(Project, milestone.project_id)
    permissions.require(actor, "delivery.report", project)
    if contract(project).plan_approved_at is None:
        raise InvalidTransition(_l("The street has not approved the plan yet."))
    if milestone.status is MilestoneStatus.confirmed:
        raise InvalidTransition(_l("This milestone is already confirmed."))
    text = (text or "").strip()
    if len(text) < 2:
        raise ValidationError(_l("Describe what was done."), field="text")
    if not isinstance(people_served, int) or people_served < 0:
        raise ValidationError(_l("Enter a whole number."), field="people_served")
    amount = _money(spent, "spent")
    already = db.session.scalar(select(func.coalesce(func.sum(ProgressReport.spent), 0)).where(
        ProgressReport.milestone_id == milestone.id)) or Decimal(0)
    if Decimal(already) + amount > milestone.tranche:
        raise ValidationError(_l("Spending reported on this milestone would reach %(t)s yuan, beyond its tranche of "
                                 "%(m)s yuan.", t=Decimal(already) + amount, m=milestone.tranche), field="spent")
    checked = uploads.read_images(photos or [])
    report = ProgressReport(project_id=project.id, milestone_id=milestone.id, text=text,
                            people_served=people_served, spent=amount, author_id=actor.id)
    db.session.add(report)
    db.session.flush()
    for data, content_type, ext in checked:
        stored = uploads.store("progress", data, content_type, ext)
        thumb = f"{secrets.token_hex(16)}.jpg"
        (uploads.folder("progress") / thumb).write_bytes(_thumbnail(data))
        report.photos.append(ProgressPhoto(stored_name=stored.stored_name, thumb_name=thumb,
                                           content_type=content_type))
    if delivered:
        milestone.status, milestone.delivered_at, milestone.dispute_reason = (MilestoneStatus.delivered,
                                                                              clock.now(), None)
    db.session.flush()
    audit.append(actor, "delivery.progress", project, {"milestone": milestone.seq, "people": people_served,
                                                       "spent": str(amount), "delivered": delivered,
                                                       "photos": len(checked)})
    return report


def confirm_milestone(actor: Any, milestone: Milestone, confirmed: bool, reason: str = "") -> None:
    """The community secretary confirms a delivered milestone or disputes it with a reason."""
    project = db.session.get(Project, milestone.project_id)
    permissions.require(actor, "delivery.confirm", project)
    if milestone.status is not MilestoneStatus.delivered:
        raise InvalidTransition(_l("Only a milestone reported as delivered can be confirmed or disputed."))
    if confirmed:
        milestone.status, milestone.confirmed_at = MilestoneStatus.confirmed, clock.now()
    else:
        reason = free_text(reason)
        if not reason:
            raise ValidationError(_l("Give the reason for the dispute."), field="reason")
        milestone.status, milestone.dispute_reason = MilestoneStatus.disputed, reason
    audit.append(actor, "delivery.milestone_confirmed" if confirmed else "delivery.milestone_disputed", project,
                 {"milestone": milestone.seq, "reason": reason or None})


# --- complaints ------------------------------------------------------------------------------

def file_complaint(project: Project, text: str, address: str, submission_key: str | None = None) -> Complaint:
    if submission_key:
        earlier = db.session.scalar(select(Complaint).where(Complaint.submission_key == submission_key))
        if earlier is not None:
            return earlier
    if project.status is not ProjectStatus.delivery:
        raise InvalidTransition(_l("Complaints are received while a project is being delivered."))
    text = (text or "").strip()
    if len(text) < 10:
        raise ValidationError(_l("Describe the problem (at least 10 characters)."), field="text")
    complaint = Complaint(project_id=project.id, text=text[:3000], client_hash=needs.client_hash(address),
                          submission_key=submission_key)
    followup.assign(complaint)
    db.session.add(complaint)
    db.session.flush()
    audit.append(None, "delivery.complaint_filed", project, {"complaint": complaint.id})
    return complaint


def decide_complaint(actor: Any, complaint: Complaint, uphold: bool, reason: str) -> None:
    project = db.session.get(Project, complaint.project_id)
    permissions.require(actor, "delivery.supervise", project)
    if complaint.status is not ComplaintStatus.pending:
        raise InvalidTransition(_l("This complaint is already decided."))
    reason = free_text(reason)
    if not reason:
        raise ValidationError(_l("Give the reason; it is public."), field="reason")
    complaint.status = ComplaintStatus.upheld if uphold else ComplaintStatus.dismissed
    complaint.decision_reason, complaint.decided_at = reason, clock.now()
    audit.append(actor, "delivery.complaint_upheld" if uphold else "delivery.complaint_dismissed", project,
                 {"complaint": complaint.id, "reason": reason})
    if uphold:
        ledger.record(winner_org_id(project), "complaint", rules.get_rule("credit.upheld_objection"),
                      str(_l("Upheld complaint on project %(code)s", code=project.code)), project)
        check_interventions(project)



# --- intervention → rectification → exit -------------------------------------------------------

def open_intervention(project: Project) -> Intervention | None:
    return db.session.scalar(select(Intervention).where(
        Intervention.project_id == project.id,
        Intervention.status.in_((InterventionStatus.open, InterventionStatus.plan_filed))))


def check_interventions(project: Project) -> Intervention | None:
    """Open an intervention when a milestone is overdue beyond the limit or enough complaints were upheld."""
    if project.status is not ProjectStatus.delivery or open_intervention(project) is not None:
        return None
    today = clock.today()
    limit = rules.get_rule("delivery.overdue_days")
    # what an earlier intervention already dealt with does not open another one
    since = db.session.scalar(select(func.max(Intervention.created_at)).where(Intervention.project_id == project.id))
    cause = None
    for m in milestones(project):
        breached_on = m.due_on + timedelta(days=limit)
        if (m.status in (MilestoneStatus.planned, MilestoneStatus.disputed) and today > breached_on
                and (since is None or breached_on >= since.astimezone(clock.LOCAL_TZ).date())):
            cause = str(_l("Milestone %(n)s (%(o)s) is %(d)s days overdue.", n=m.seq, o=m.output,
                           d=(today - m.due_on).days))
            break
    if cause is None:
        recent = [Complaint.project_id == project.id, Complaint.status == ComplaintStatus.upheld]
        if since is not None:
            recent.append(Complaint.decided_at > since)
        upheld = db.session.scalar(select(func.count(Complaint.id)).where(*recent)) or 0
        if upheld >= rules.get_rule("delivery.complaints"):
            cause = str(_l("%(n)s upheld complaints from residents.", n=upheld))
    if cause is None:
        return None
    item = Intervention(project_id=project.id, cause=cause,
                        plan_due_on=today + timedelta(days=rules.get_rule("delivery.rectification_days")))
    db.session.add(item)
    db.session.flush()
    audit.append("system", "delivery.intervention_opened", project, {"cause": cause,
                                                                     "plan_due_on": item.plan_due_on.isoformat()})
    org_users = db.session.scalars(select(User).where(User.organization_id == winner_org_id(project)))
    notify.notify(org_users, "delivery.intervention", {"code": project.code}, f"/projects/{project.code}/delivery")
    return item


def file_rectification(actor: Any, item: Intervention, plan: str) -> None:
    project = db.session.get(Project, item.project_id)
    permissions.require(actor, "delivery.report", project)
    if item.status is not InterventionStatus.open:
        raise InvalidTransition(_l("A rectification plan is not expected now."))
    if clock.today() > item.plan_due_on:
        raise InvalidTransition(_l("The rectification plan was due on %(d)s.", d=item.plan_due_on))
    plan = free_text(plan, "plan")
    if len(plan) < 10:
        raise ValidationError(_l("Describe the rectification plan (at least 10 characters)."), field="plan")
    item.plan_text, item.plan_filed_at, item.status = plan, clock.now(), InterventionStatus.plan_filed
    audit.append(actor, "delivery.rectification_filed", project, {"intervention": item.id})


def decide_rectification(actor: Any, item: Intervention, accept: bool, reason: str) -> None:
    """The street accepts the rectification, or exits the organization (淘汰退出)."""
    project = db.session.get(Project, item.project_id)
    permissions.require(actor, "delivery.supervise", project)
    reason = free_text(reason)
    if not reason:
        raise ValidationError(_l("Give the reason; it is public."), field="reason")
    if accept:
        if item.status is not InterventionStatus.plan_filed:
            raise InvalidTransition(_l("There is no rectification plan to accept."))
        item.status = InterventionStatus.accepted
    else:
        if item.status is InterventionStatus.open and clock.today() <= item.plan_due_on:
            raise InvalidTransition(_l("The organization still has until %(d)s to file its plan.", d=item.plan_due_on))
        if item.status not in (InterventionStatus.open, InterventionStatus.plan_filed):
            raise InvalidTransition(_l("This intervention is closed."))
        item.status = InterventionStatus.exited
        project.status = ProjectStatus.exited
        ledger.record(winner_org_id(project), "exit", rules.get_rule("credit.exit"),
                      str(_l("Exited from project %(code)s: %(r)s", code=project.code, r=reason)), project)
    item.decision_reason, item.decided_at = reason, clock.now()
    audit.append(actor, "delivery.rectification_accepted" if accept else "delivery.exited", project,
                 {"intervention": item.id, "reason": reason})


# --- closing -------------------------------------------------------------------------------------

def submit_closing(actor: Any, project: Project, data: dict[str, Any]) -> ClosingReport:
    permissions.require(actor, "delivery.report", project)
    if any(m.status is not MilestoneStatus.confirmed for m in milestones(project)) or not milestones(project):
        raise InvalidTransition(_l("Every milestone must be confirmed by the community before closing."))
    if open_intervention(project) is not None:
        raise InvalidTransition(_l("An intervention is open; it must be resolved before closing."))
    outputs, lessons = (data.get("outputs") or "").strip(), (data.get("lessons") or "").strip()
    if not outputs or not lessons:
        raise ValidationError(_l("Describe the outputs against the targets and the lessons learned."), field="outputs")
    beneficiaries = data.get("beneficiaries")
    if not isinstance(beneficiaries, int) or beneficiaries < 0:
        raise ValidationError(_l("Enter a whole number."), field="beneficiaries")
    spending = _money(data.get("spending"), "spending")
    deal = contract(project)
    if spending > deal.amount:
        raise ValidationError(_l("Spending cannot exceed the contract's %(a)s yuan.", a=deal.amount), field="spending")
    report = db.session.scalar(select(ClosingReport).where(ClosingReport.project_id == project.id)) or ClosingReport(
        project_id=project.id)
    if report.signed_off_at is not None:
        raise InvalidTransition(_l("The closing report is signed off."))
    report.outputs, report.lessons, report.beneficiaries, report.spending = outputs, lessons, beneficiaries, spending
    db.session.add(report)
    db.session.flush()
    audit.append(actor, "delivery.closing_submitted", project, {"spending": str(spending),
                                                                "beneficiaries": beneficiaries})
    return report


def sign_off(actor: Any, project: Project) -> None:
    """The community signs the closing report off; evaluation (考榜) opens."""
    permissions.require(actor, "delivery.confirm", project)
    report = db.session.scalar(select(ClosingReport).where(ClosingReport.project_id == project.id))
    if report is None or report.signed_off_at is not None:
        raise InvalidTransition(_l("There is no closing report to sign off."))
    report.signed_off_at, report.signed_off_by_id = clock.now(), actor.id
    project.status = ProjectStatus.evaluation
    audit.append(actor, "delivery.closed", project, {})


def tick() -> int:
    """Open the interventions that are due (cron and page access)."""
    opened = 0
    for project in db.session.scalars(select(Project).where(Project.status == ProjectStatus.delivery)).all():
        opened += check_interventions(project) is not None
    return opened


def closing_of(project: Project) -> ClosingReport | None:
    return db.session.scalar(select(ClosingReport).where(ClosingReport.project_id == project.id))
