"""What the clock makes due, recorded: bidding closes at its deadline (or fails, 流标), an award
becomes final when its notice ends, an intervention opens on an overdue milestone.

Readers never need this to see the right state (pages derive it from the clock, see
`core.records.stage`); it is what `flask deadlines tick` runs (cron or the job scheduler), and what
a writing request runs first on the project it acts on."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.domain import reminders
from marketplace.domain.core import clock
from marketplace.domain.deliver import delivery
from marketplace.domain.tender import awards
from marketplace.extensions import db
from marketplace.models import Project, ProjectStatus
from marketplace.domain.core import jobs
from marketplace.domain.integrity import scan


def catch_up(project: Project) -> None:
    """Record the transitions already due on one project (in the caller's transaction)."""
    awards.close_if_due(project)
    awards.finalize_if_due(project)
    delivery.check_interventions(project)


def tick() -> dict[str, int]:
    """Everything due across the district (and the export files past their keeping time removed)."""
    from marketplace import export_jobs  # (housekeeping: not a transition, not counted)

    export_jobs.purge_expired()
    closed = finalized = 0
    for project in db.session.scalars(select(Project).where(Project.status == ProjectStatus.bidding,
                                                            Project.bid_deadline <= clock.now())).all():
        closed += awards.close_if_due(project)
    for project in db.session.scalars(select(Project).where(Project.status == ProjectStatus.notice)).all():
        finalized += awards.finalize_if_due(project)
    opened = delivery.tick()
    if finalized:  # final awards complete their tenders' scores and prices: look at the district again

        jobs.enqueue(scan.scan_job)
    return {"closed": closed, "finalized": finalized, "interventions": opened, "reminders": reminders.send_due()}
