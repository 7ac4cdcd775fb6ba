"""Large exports (CSV or Excel) prepared off the request: start one, follow its progress, download it."""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from marketplace import export_jobs, exports
from marketplace.domain.core.errors import CONTROL_CHARACTERS
from marketplace.extensions import db, limiter
from marketplace.forms import BaseForm
from marketplace.models import ExportJob, ExportStatus

bp = Blueprint("exports", __name__, url_prefix="/exports")


@bp.post("/")
@limiter.limit("20 per hour")
def start():
    form = BaseForm()
    table, fmt = request.form.get("table", ""), request.form.get("format", "xlsx")
    if table not in export_jobs.TABLES or fmt not in export_jobs.FORMATS:
        abort(404)
    if not form.validate_on_submit():
        abort(400)
    query = request.form.get("query", "")
    if any(CONTROL_CHARACTERS.search(k + v) for k, v in [("", query), *parse_qsl(query)]):
        abort(400)  # never from the offer page (the list's own address refuses them too)
    job = export_jobs.start(current_user, table, query, fmt)
    return redirect(url_for("exports.show", job_id=job.id))


def _job(job_id: str) -> ExportJob:
    job = db.session.get(ExportJob, job_id[:32])
    if job is None or not export_jobs.may_see(current_user, job):
        abort(404)
    return job


@bp.get("/<job_id>")
def show(job_id: str):
    job = _job(job_id)
    working = job.status in (ExportStatus.queued, ExportStatus.running)
    expired = export_jobs.expired(job)
    return render_template("exports/show.html", job=job, working=working,
                           ready=job.status is ExportStatus.done and not expired, expired=expired,
                           back=url_for(f"{job.table}.index") + ("?" + job.query if job.query else ""))


@bp.get("/<job_id>/file")
def download(job_id: str):
    job = _job(job_id)
    path = export_jobs.file_of(job)
    if job.status is not ExportStatus.done or export_jobs.expired(job) or not path.exists():
        abort(404)
    return send_file(path, mimetype=exports.MIMETYPES[job.format], as_attachment=True,
                     download_name=exports.file_name(job.table, job.format), max_age=0)
