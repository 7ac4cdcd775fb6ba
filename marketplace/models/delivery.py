"""履约 → 考榜: milestones, progress reports with photos, complaints, interventions, the closing
report, the four-party evaluation with residents' single-use survey codes, and credit events."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models.enums import (
    ComplaintStatus,
    EvaluationGrade,
    InterventionStatus,
    MilestoneStatus,
    Party,
)
from marketplace.orm import TimestampMixin, enum_column


class Milestone(TimestampMixin, db.Model):
    __tablename__ = "milestones"
    __table_args__ = (
        UniqueConstraint("project_id", "seq"),
        CheckConstraint("tranche >= 0", name="tranche_not_negative"),
        CheckConstraint("status <> 'disputed' OR dispute_reason IS NOT NULL", name="dispute_has_reason"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    output: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[date]
    tranche: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    status: Mapped[MilestoneStatus] = mapped_column(enum_column(MilestoneStatus), default=MilestoneStatus.planned)
    delivered_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    dispute_reason: Mapped[str | None] = mapped_column(String(500))
    reports: Mapped[list[ProgressReport]] = relationship(back_populates="milestone", order_by="ProgressReport.id")
    project = relationship("Project")


class ProgressReport(TimestampMixin, db.Model):
    __tablename__ = "progress_reports"
    __table_args__ = (CheckConstraint("spent >= 0", name="spent_not_negative"),
                      CheckConstraint("people_served >= 0", name="people_not_negative"))
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestones.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    people_served: Mapped[int] = mapped_column(Integer)
    spent: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    milestone: Mapped[Milestone] = relationship(back_populates="reports")
    photos: Mapped[list[ProgressPhoto]] = relationship(back_populates="report", order_by="ProgressPhoto.id")


class ProgressPhoto(TimestampMixin, db.Model):
    __tablename__ = "progress_photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("progress_reports.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    thumb_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    report: Mapped[ProgressReport] = relationship(back_populates="photos")


class Complaint(TimestampMixin, db.Model):
    __tablename__ = "complaints"
    __table_args__ = (CheckConstraint("status = 'pending' OR decision_reason IS NOT NULL", name="decided_has_reason"),
                      # the street's pending complaints found from the few pending rows, not by probing every project
                      Index("ix_complaints_status_project", "status", "project_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    client_hash: Mapped[str] = mapped_column(String(64))
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[ComplaintStatus] = mapped_column(enum_column(ComplaintStatus), default=ComplaintStatus.pending)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]
    tracking_code: Mapped[str | None] = mapped_column(String(12), unique=True)  # followed on /track
    project = relationship("Project")


class Intervention(TimestampMixin, db.Model):
    """干预指导 → 纠偏整改 → (accepted | 淘汰退出)."""

    __tablename__ = "interventions"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    cause: Mapped[str] = mapped_column(String(300))
    plan_due_on: Mapped[date]
    plan_text: Mapped[str | None] = mapped_column(Text)
    plan_filed_at: Mapped[datetime | None]
    status: Mapped[InterventionStatus] = mapped_column(enum_column(InterventionStatus), default=InterventionStatus.open)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]
    project = relationship("Project")

    @property
    def is_open(self) -> bool:
        """Still running: waiting for the plan, or the plan waiting for the street."""
        return self.status in (InterventionStatus.open, InterventionStatus.plan_filed)


class ClosingReport(TimestampMixin, db.Model):
    __tablename__ = "closing_reports"
    __table_args__ = (UniqueConstraint("project_id"), CheckConstraint("spending >= 0", name="spending_not_negative"))
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    outputs: Mapped[str] = mapped_column(Text)
    beneficiaries: Mapped[int] = mapped_column(Integer)
    spending: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    lessons: Mapped[str] = mapped_column(Text)
    signed_off_at: Mapped[datetime | None]
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Evaluator(TimestampMixin, db.Model):
    """A person scoring for a party (the party organization, the department, experts/third party)."""

    __tablename__ = "evaluators"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),
                      CheckConstraint("(submitted_at IS NULL) = (total IS NULL)", name="total_iff_submitted"))
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    party: Mapped[Party] = mapped_column(enum_column(Party))
    scores: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    total: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    submitted_at: Mapped[datetime | None]
    user = relationship("User")


class SurveyCode(TimestampMixin, db.Model):
    """A single-use code a household uses to answer the satisfaction survey, without an account."""

    __tablename__ = "survey_codes"
    __table_args__ = (CheckConstraint("(used_at IS NULL) = (answers IS NULL)", name="answers_iff_used"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    used_at: Mapped[datetime | None]
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Evaluation(TimestampMixin, db.Model):
    """The result of 考榜: each party's score, the weighted total and the grade."""

    __tablename__ = "evaluations"
    __table_args__ = (UniqueConstraint("project_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    parts: Mapped[dict[str, Any]] = mapped_column(JSON)  # {party: {"score", "weight", "used_weight"}}
    total: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    grade: Mapped[EvaluationGrade] = mapped_column(enum_column(EvaluationGrade))
    missing_rule: Mapped[str] = mapped_column(String(16))
    corrections: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class CreditEvent(TimestampMixin, db.Model):
    """One entry of an organization's credit ledger (信用): points with a reason and a source."""

    __tablename__ = "credit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    points: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    reason: Mapped[str] = mapped_column(Text)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    occurred_on: Mapped[date]
    project = relationship("Project")


class ReportTemplate(TimestampMixin, db.Model):
    """结项报告定制: the closing report's title, sections and logo per category (none = the default)."""

    __tablename__ = "report_templates"
    __table_args__ = (UniqueConstraint("category_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    title: Mapped[str] = mapped_column(String(100))
    sections: Mapped[str] = mapped_column(String(300))  # comma-separated section keys, in order
    logo_text: Mapped[str | None] = mapped_column(String(40))
    category = relationship("Category")

    def __str__(self) -> str:
        return self.title
