"""揭榜: an organization's intent letter for a project, its partners, attachments and receipts."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.domain.core import permissions, uploads
from marketplace.domain.core.errors import DomainError
from marketplace.domain.tender import awards, bids
from marketplace.domain.core.clock import LOCAL_TZ as LOCAL
from marketplace.domain.supply import match
from marketplace.extensions import db
from marketplace.forms import BaseForm
from marketplace.forms.bids import BidForm, PartnerForm
from marketplace.models import Bid, BidAttachment, BidPartner, BidReceipt, Organization, Project
from marketplace.views.helpers import get_or_404, project_for
from marketplace.views.transaction import shows_refusals

bp = Blueprint("bids", __name__)


def _org_user():
    permissions.require(current_user, "organization.own")
    return current_user.organization


def _page(project: Project, form: BidForm | None = None, partner_form: PartnerForm | None = None, status: int = 200):
    org = _org_user()
    bid = bids.own_bid(org, project)
    if form is None:
        form = BidForm()
        if bid is not None:
            for key in bids.CONTENT_FIELDS:
                getattr(form, key).data = getattr(bid, key)
            for entry, line in zip(form.budget.entries, bid.budget_items):
                entry.item.data, entry.amount.data = line["item"], line["amount"]
    return render_template("bids/edit.html", project=project, bid=bid, form=form,
                           partner_form=partner_form or PartnerForm(), refusals=bids.refusals(org, project),
                           open=permissions.can(current_user, "project.open_for_bids", project), confirm=BaseForm(),
                           slot=awards.roadshow_slot(bid) if bid else None,
                           partners=match.partners_for(project, org)
                           if bid is not None and permissions.can(current_user, "bid.edit", bid) else []), status


@bp.get("/projects/<code>/bid")
@login_required
def edit(code: str):
    return _page(project_for(code))


@bp.post("/projects/<code>/bid")
@login_required
@shows_refusals
def save(code: str):
    project = project_for(code)
    _org_user()
    form = BidForm()
    if not form.validate_on_submit():
        return _page(project, form, status=400)
    bid = bids.save(current_user, project, form.bid_data())
    bids.add_attachments(current_user, bid, request.files.getlist("attachments"))
    if request.form.get("then") == "submit":
        _submitted(bids.submit(current_user, bid))
    else:
        flash(_("Draft saved. Only your organization can read it until the deadline."), "success")
    return redirect(url_for("bids.edit", code=code))


def _submitted(receipt) -> None:
    flash(_("Submitted on %(t)s. Receipt (SHA-256): %(d)s", t=receipt.submitted_at.astimezone(
        LOCAL).strftime("%Y-%m-%d %H:%M:%S"), d=receipt.digest), "success")


def _own_bid(project: Project) -> Bid:
    bid = bids.own_bid(_org_user(), project)
    if bid is None:
        abort(404)
    return bid


@bp.post("/projects/<code>/bid/submit")
@login_required
def submit(code: str):
    project = project_for(code)
    bid = _own_bid(project)
    if BaseForm().validate_on_submit():
        _submitted(bids.submit(current_user, bid))
    return redirect(url_for("bids.edit", code=code))


@bp.post("/projects/<code>/bid/withdraw")
@login_required
def withdraw(code: str):
    project = project_for(code)
    bid = _own_bid(project)
    if BaseForm().validate_on_submit():
        bids.withdraw(current_user, bid)
        flash(_("The bid is withdrawn. You may prepare it again until the deadline."), "info")
    return redirect(url_for("bids.edit", code=code))


@bp.post("/projects/<code>/bid/partners")
@login_required
@shows_refusals
def invite(code: str):
    project = project_for(code)
    bid = _own_bid(project)
    form = PartnerForm()
    if form.validate_on_submit():
        partner = db.session.scalar(select(Organization).where(Organization.uscc == form.uscc.data.strip().upper()))
        if partner is None:
            form.uscc.errors = [_("No organization on the platform has this code.")]
        else:
            bids.invite_partner(current_user, bid, partner, form.role.data, form.work_share.data,
                                form.budget_share.data)
            flash(_("%(name)s is invited; it confirms in its own account.", name=partner.name), "success")
            return redirect(url_for("bids.edit", code=code))
    return _page(project, partner_form=form, status=400)


@bp.get("/projects/<code>/bid/files/<int:file_id>")
@login_required
def attachment(code: str, file_id: int):
    project = project_for(code)
    item = get_or_404(select(BidAttachment).join(Bid).where(BidAttachment.id == file_id, Bid.project_id == project.id))
    if not bids.can_read(current_user, item.bid):
        abort(404)  # sealed: as if it did not exist
    response = send_file(uploads.path_of("bids", item.stored_name), mimetype=item.content_type, as_attachment=True,
                         download_name=item.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _document(receipt, name: str):
    response = Response(receipt.document, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/projects/<code>/bid/receipts/<int:receipt_id>.json")
@login_required
def receipt_document(code: str, receipt_id: int):
    """The bidder's own receipt document: the exact bytes that were hashed (`sha256sum` gives the digest)."""
    project = project_for(code)
    receipt = get_or_404(select(BidReceipt).where(BidReceipt.id == receipt_id, BidReceipt.project_id == project.id))
    if not bids.can_read(current_user, receipt.bid) or bids.receipt_text(receipt) is None:
        abort(404)  # sealed: as if it did not exist
    response = _document(receipt, f"receipt-{receipt.digest[:12]}.json")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/projects/<code>/award/receipt.json")
def winner_document(code: str):
    """After the award, the winner's receipt document is public."""
    project = project_for(code)
    receipt = bids.winner_receipt(project)
    if receipt is None or bids.receipt_text(receipt) is None:
        abort(404)
    return _document(receipt, f"{project.code}-winner-receipt-{receipt.digest[:12]}.json")


@bp.get("/receipts/check")
def check_receipt():
    """查验回执: anyone pastes a digest and sees when it was recorded in the chain."""
    raw = request.args.get("digest", "")
    found, error = None, None
    if raw:
        try:
            found = bids.check_digest(raw)
        except DomainError as exc:  # a malformed digest: said next to the search box (a read, nothing to undo)
            error = exc.message
    return render_template("bids/check.html", raw=raw, found=found, error=error, searched=bool(raw) and not error)


@bp.get("/invitations")
@login_required
def invitations():
    org = _org_user()
    return render_template("bids/invitations.html", items=bids.invitations(org.id), confirm=BaseForm())


@bp.post("/invitations/<int:partner_id>")
@login_required
def answer(partner_id: int):
    org = _org_user()
    partner = get_or_404(select(BidPartner).where(BidPartner.id == partner_id, BidPartner.organization_id == org.id))
    if BaseForm().validate_on_submit():
        bids.answer_invitation(current_user, partner, request.form.get("accept") == "1")
        flash(_("Your answer is recorded."), "success")
    return redirect(url_for("bids.invitations"))

