"""发榜: projects made from approved needs, their Q&A."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, Integer, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models.enums import Grade, ProjectStatus, Regime
from marketplace.models.geography import Category, Community, Street
from marketplace.models.search import searchable
from marketplace.orm import TimestampMixin, enum_column

project_communities = Table(
    "project_communities",
    db.metadata,
    Column("project_id", ForeignKey("projects.id"), primary_key=True),
    Column("community_id", ForeignKey("communities.id"), primary_key=True),
)


class Project(TimestampMixin, db.Model):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint("budget_cap > 0", name="budget_positive"),
        CheckConstraint("qa_deadline < bid_deadline", name="qa_before_deadline"),
        CheckConstraint("(status = 'draft') = (published_at IS NULL)", name="published_iff_not_draft"),
        CheckConstraint("(status = 'withdrawn') = (withdrawn_reason IS NOT NULL)", name="withdrawn_has_reason"),
        # the projects open for bids, soonest deadline first (home page, deadlines tick): a range scan
        Index("ix_projects_status_bid_deadline", "status", "bid_deadline"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(Text)
    outputs: Mapped[str] = mapped_column(Text)  # one measurable output per line
    budget_cap: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    regime: Mapped[Regime] = mapped_column(enum_column(Regime), default=Regime.community_fund)
    min_grade: Mapped[Grade | None] = mapped_column(enum_column(Grade))
    bid_deadline: Mapped[datetime]
    qa_deadline: Mapped[datetime]
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON)  # {criterion: weight}, adds up to 100
    status: Mapped[ProjectStatus] = mapped_column(enum_column(ProjectStatus), default=ProjectStatus.draft,
                                                  index=True)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    withdrawn_at: Mapped[datetime | None]
    withdrawn_reason: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    search_text: Mapped[str | None] = mapped_column(Text)
    # the contracting process now running: 1 at publication, +1 each time it is published again after
    # 流标, exit or withdrawal (each process is its own OCDS ocid)
    process: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    category: Mapped[Category] = relationship()
    street: Mapped[Street] = relationship()
    communities: Mapped[list[Community]] = relationship(secondary=project_communities,
                                                        order_by="Community.id")
    needs: Mapped[list[Need]] = relationship(back_populates="project", order_by="Need.id")  # noqa: F821
    questions: Mapped[list[Question]] = relationship(back_populates="project", order_by="Question.id")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


searchable(Project.__table__)


class Question(TimestampMixin, db.Model):
    """A bidder's question; public with its answer, the asker never named."""

    __tablename__ = "questions"
    __table_args__ = (
        CheckConstraint("(answer IS NULL) = (answered_at IS NULL)", name="answer_has_time"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    project: Mapped[Project] = relationship(back_populates="questions")
