"""The lists' exports, and large exports prepared as tracked jobs with a progress page.

An export of up to `EXPORT_INLINE_ROWS` rows (5,000 by default) is answered at once: CSV streamed
as its rows are read, Excel written to a temporary file and sent. A larger one, CSV or Excel, is not
built in the request: the page says how many rows it holds and offers to prepare it; `start`
records an `ExportJob` (with its format) and queues `build` (run by the jobs backend: in-process
after the commit by default, by the RQ worker in production); `/exports/<id>` shows its progress
and, when it is ready, the download. Files are kept `EXPORT_KEEP_HOURS` (24 by default).

Why CSV too, though it streams in constant memory: a whole list of 100,000 rows takes 10 s or more
to write, and a sync gunicorn worker that streams longer than its `--timeout` is killed mid-file
(and serves no one else meanwhile); a job writes it on the worker, with progress, and the download
is then a plain file sent by the server.

An export is described once, as a `Table` (file name, header, rows, row count), for the request
and for the job alike, so both write the same file.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import current_app, render_template
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin
from sqlalchemy import Select, func, select
from werkzeug.datastructures import MultiDict

from marketplace import exports
from marketplace.domain import queries
from marketplace.domain.core import clock, permissions
from marketplace.domain.core.clock import LOCAL_TZ
from marketplace.domain.core.jobs import enqueue
from marketplace.extensions import db
from marketplace.forms import BaseForm
from marketplace.models import ExportJob, ExportStatus, Need, Project, User


@dataclass
class Table:
    name: str
    header: list[Any]
    query: Select[Any]  # every row, before `rows` turns them into cells
    rows: Callable[[], Iterator[list[Any]]]

    def count(self) -> int:
        return db.session.scalar(select(func.count()).select_from(self.query.order_by(None).subquery())) or 0


def needs_table(user: Any, args: Any) -> Table:
    query = queries.needs(user, queries.need_filters(args))
    header = [_("Case code"), _("Title"), _("Street"), _("Community"), _("Category"), _("Beneficiaries"),
              _("How many people"), _("Urgency"), _("Status"), _("Mean review score"), _("Recorded on")]

    def rows() -> Iterator[list[Any]]:
        for n in exports.batched(query.options(*queries.NEED_ROWS), Need.id):
            yield [n.code, n.title, n.community.street.name, n.community.name, n.category.name, n.beneficiaries,
                   n.beneficiaries_count, n.urgency, n.status,
                   n.mean_score if permissions.mean_visible(user, n) else "",
                   n.created_at.astimezone(LOCAL_TZ).date()]

    return Table("needs", header, query, rows)


def projects_table(user: Any, args: Any) -> Table:
    query = queries.projects(user, queries.project_filters(args))
    header = [_("Project code"), _("Title"), _("Street"), _("Category"), _("Procurement regime"),
              _("Budget cap (yuan)"), _("Status"), _("Published on"), _("Bidding deadline"), _("Communities")]

    def rows() -> Iterator[list[Any]]:
        for p in exports.batched(query.options(*queries.PROJECT_ROWS), Project.id):
            yield [p.code, p.title, p.street.name, p.category.name, p.regime, p.budget_cap, p.status,
                   p.published_at.astimezone(LOCAL_TZ).date() if p.published_at else None, p.bid_deadline,
                   "、".join(c.name for c in p.communities)]

    return Table("projects", header, query, rows)


def services_table(user: Any, args: Any) -> Table:
    from marketplace.domain.orgs import standing
    from marketplace.domain.supply.catalogue import WHOLE_DISTRICT
    from marketplace.models import ServiceItem

    query = queries.services(queries.service_filters(args))
    header = [_("Service code"), _("Service name"), _("Organization"), _("Unified social credit code"),
              _("Category"), _("What is delivered"), _("Who it is for"), _("Streets covered"),
              _("Reference price (yuan)"), _("Price basis"), _("Unit"), _("Monthly capacity"), _("Rating grade"),
              _("Status")]

    def rows() -> Iterator[list[Any]]:
        for item in exports.batched(query, ServiceItem.id):
            grade = standing.effective_grade(item.organization)
            yield [item.code, item.name, item.organization.name, item.organization.uscc, item.category.name,
                   item.description, item.audience,
                   WHOLE_DISTRICT if item.whole_district else "；".join(s.name for s in item.streets),
                   item.price, item.price_basis, item.price_unit, item.monthly_capacity,
                   grade.value if grade else "", item.status]

    return Table("services", header, query, rows)


TABLES: dict[str, Callable[[Any, Any], Table]] = {"needs": needs_table, "projects": projects_table,
                                                  "services": services_table}


def inline_limit() -> int:
    return int(current_app.config["EXPORT_INLINE_ROWS"])


FORMATS = ("csv", "xlsx")


def too_large(table: Table, fmt: str) -> int | None:
    """The row count when this export must be prepared as a job (over the limit), else None."""
    total = table.count()
    return total if total > inline_limit() else None


def respond(user: Any, table_name: str, fmt: str, args: Any) -> Any:
    """The export as asked: the file now, or (a large Excel file) the page offering to prepare it."""
    table = TABLES[table_name](user, args)
    total = too_large(table, fmt)
    if total is not None:
        return render_template("exports/large.html", table=table_name, total=total, limit=inline_limit(),
                               query=query_string(table_name, args), form=BaseForm(), fmt=fmt)
    return exports.respond(fmt, table.name, table.header, table.rows())


FILTERS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "needs": queries.need_filters, "projects": queries.project_filters, "services": queries.service_filters}


def query_string(table_name: str, args: Any) -> str:
    """The filters of a list as the list reads them (each value as its filter keeps it, nothing else
    of the request): short whatever the address carried, and read back into the same filters."""
    filters = FILTERS[table_name](args)
    return urlencode([(k, str(v)) for k, v in filters.items() if v is not None and v != ""])


def start(user: Any, table_name: str, query: str, fmt: str = "xlsx") -> ExportJob:
    """Record the export and queue its building (dispatched once the request has committed)."""
    if table_name not in TABLES:
        raise KeyError(table_name)
    if fmt not in FORMATS:
        raise KeyError(fmt)
    owner = user if getattr(user, "is_authenticated", False) else None
    query = query_string(table_name, MultiDict(parse_qsl(query)))
    job = ExportJob(id=secrets.token_hex(16), table=table_name, query=query, locale=str(get_locale() or "zh_CN"),
                    user_id=owner.id if owner else None, format=fmt)
    job.total = TABLES[table_name](owner or AnonymousUserMixin(), _args(job)).count()
    db.session.add(job)
    db.session.flush()
    enqueue(build, job_id=job.id)
    return job


def may_see(user: Any, job: ExportJob) -> bool:
    """A signed-in person's export is theirs alone; one asked for anonymously (public columns only)
    is reached by its unguessable link."""
    return job.user_id is None or (getattr(user, "is_authenticated", False) and user.id == job.user_id)


def keep_until() -> Any:
    """Files finished before this moment are past their keeping time (EXPORT_KEEP_HOURS)."""
    return clock.now() - timedelta(hours=int(current_app.config["EXPORT_KEEP_HOURS"]))


def expired(job: ExportJob) -> bool:
    """Removed, or past its keeping time though not removed yet (the purge runs with the next export)."""
    return job.status is ExportStatus.expired or (
        job.status is ExportStatus.done and job.finished_at is not None and job.finished_at < keep_until())


def file_of(job: ExportJob) -> Path:
    return Path(current_app.config["EXPORT_FOLDER"]) / f"{job.id}.{job.format}"


def build(job_id: str) -> None:
    """The job: write the file, recording progress every thousand rows (each a small commit)."""
    job = db.session.get(ExportJob, job_id)
    if job is None or job.status is not ExportStatus.queued:
        return
    purge_expired()
    job.status = ExportStatus.running
    db.session.commit()
    user = db.session.get(User, job.user_id) if job.user_id else AnonymousUserMixin()
    target = file_of(job)
    target.parent.mkdir(parents=True, exist_ok=True)

    def progress(n: int) -> None:
        job.done_rows = n
        db.session.commit()

    try:
        with force_locale(job.locale):
            table = TABLES[job.table](user, _args(job))
            if job.format == "csv":
                written = exports.write_csv(target, table.header, table.rows(), progress)
            else:
                written = exports.write_xlsx(target, table.name, table.header, table.rows(), progress)
    except Exception:
        db.session.rollback()
        current_app.logger.exception("export %s failed", job_id)
        target.unlink(missing_ok=True)
        job.status = ExportStatus.failed
        job.finished_at = clock.now()
        return
    job.done_rows = job.total = written
    job.status = ExportStatus.done
    job.finished_at = clock.now()


def purge_expired() -> int:
    """Remove the files kept longer than EXPORT_KEEP_HOURS; their pages say they have expired."""
    old = db.session.scalars(select(ExportJob).where(
        ExportJob.status == ExportStatus.done, ExportJob.finished_at < keep_until())).all()
    for job in old:
        file_of(job).unlink(missing_ok=True)
        job.status = ExportStatus.expired
    return len(old)


def _args(job: ExportJob) -> MultiDict[str, str]:
    return MultiDict(parse_qsl(job.query))
