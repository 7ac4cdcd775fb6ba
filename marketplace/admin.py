"""The district administrator's console at /admin (Flask-Admin 2, built per app).

Reference data (streets, communities, departments, categories, users, experts, organizations'
records) is edited here; workflow state changes go through marketplace.domain only. Nothing is
ever deleted (records are kept). Every save is written to the audit chain with what changed.
"""

from __future__ import annotations

import enum
import re
from datetime import datetime
from typing import Any

from flask import Flask, abort, flash, redirect, request, url_for
from flask_admin import Admin, AdminIndexView, BaseView, expose
from flask_admin.actions import action
from flask_admin.contrib.sqla import ModelView
from flask_admin.model import typefmt
from flask_admin.form import BaseForm as AdminBaseForm
from flask_admin.theme import Bootstrap4Theme
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import inspect
from wtforms import PasswordField
from wtforms.validators import ValidationError as FormValidationError

from marketplace.domain.core import accounts, audit, permissions, rules, twofactor, uscc, workdays
from marketplace.domain.core.clock import LOCAL_TZ
from marketplace.domain.core.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import SafeInput
from marketplace.models import (
    ORG_TYPE_USCC_CHAR,
    Affiliation,
    AuditEntry,
    Category,
    Community,
    CreditEvent,
    Department,
    ExpertProfile,
    LocalDayOff,
    NationalListEntry,
    Organization,
    ReportTemplate,
    Role,
    Street,
    User,
)


class AdminForm(SafeInput, AdminBaseForm, FlaskForm):
    """Flask-Admin's form with Flask-WTF's CSRF token: the app-wide CSRFProtect checks every POST,
    the console's included, so the console must carry the same token (a second, SecureForm token
    would be refused by CSRFProtect)."""


class _Guarded:
    """Only district administrators; anonymous users are sent to sign in, others get 403."""

    def is_accessible(self) -> bool:
        return permissions.can(current_user, "admin.access")

    def _handle_view(self, name: str, **kwargs: Any):
        if not self.is_accessible():
            if current_user.is_authenticated:
                abort(403)
            return redirect(url_for("auth.login", next=request.full_path))
        return None


class SecureIndexView(_Guarded, AdminIndexView):
    @expose("/")
    def index(self):
        missing = workdays.missing_years()
        return self.render("admin/index.html", audit_head=audit.head(),
                           calendar_gap=workdays.gap_message(missing) if missing else None)


def _changes(model: Any) -> dict[str, list[str]]:
    """Old and new values of every changed column (passwords never included)."""
    state = inspect(model)
    changed: dict[str, list[str]] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in ("password_hash",):
            continue
        hist = state.attrs[attr.key].history
        if hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            changed[attr.key] = [str(old), str(new)]
    return changed


def _local_datetime(view: Any, value: datetime, name: str) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def _yes_no(view: Any, value: bool, name: str) -> str:
    return _("Yes") if value else _("No")


def _enum_label(view: Any, value: enum.Enum, name: str) -> str:
    return str(getattr(value, "label", value.value))


# Every column and relation the console shows, in the district's words (Flask-Admin would
# otherwise print the attribute name: "Grade Review Reason").
COLUMN_LABELS = {
    "id": _l("ID"), "name": _l("Name"), "code": _l("Code"), "name_en": _l("English name"),
    "created_at": _l("Recorded"), "kind": _l("Kind"), "note": _l("Note"), "title": _l("Title"),
    "username": _l("Username"), "display_name": _l("Name"), "email": _l("E-mail"), "phone": _l("Phone"),
    "role": _l("Role"), "active": _l("Active"), "last_login_at": _l("Last sign-in"),
    "totp_enabled_at": _l("Two-factor since"), "session_version": _l("Session version"),
    "community": _l("Community"), "communities": _l("Communities"), "street": _l("Street"),
    "streets": _l("Streets"), "organization": _l("Organization"), "department": _l("Department"),
    "expert_profile": _l("Expert profile"), "affiliations": _l("Affiliations"), "user": _l("Person"),
    "users": _l("Accounts"), "employer": _l("Employer"), "fields": _l("Fields of expertise"),
    "third_party": _l("Third-party evaluator"), "bio": _l("Biography"), "started_on": _l("Started on"),
    "ended_on": _l("Ended on"), "uscc": _l("Unified social credit code"), "org_type": _l("Type"),
    "registered_on": _l("Registered on"), "legal_representative": _l("Legal representative"),
    "contact_name": _l("Contact person"), "contact_phone": _l("Contact phone"),
    "contact_email": _l("Contact e-mail"), "address": _l("Address"), "description": _l("Description"),
    "alliance": _l("Alliance"), "status": _l("Verification"), "status_reason": _l("Reason of the decision"),
    "verified_at": _l("Verified at"), "grade": _l("Rating grade"), "grade_valid_from": _l("Grade valid from"),
    "grade_valid_until": _l("Grade valid until"), "grade_review_reason": _l("Reason for rating review"),
    "categories": _l("Service categories"), "category": _l("Service category"),
    "national_list_entries": _l("National list entries"), "listed_on": _l("Listed on"),
    "removed_on": _l("Removed on"), "source": _l("Source"), "sections": _l("Sections"),
    "logo_text": _l("Logo text"), "points": _l("Points"), "reason": _l("Reason"), "project": _l("Project"),
    "occurred_on": _l("Occurred on"), "day": _l("Date"), "seq": "#", "actor": _l("Actor"),
    "actor_label": _l("Actor"), "action": _l("Action"), "subject_type": _l("Subject"), "subject_id": "ID",
    "payload": _l("Content"), "payload_digest": _l("Content digest"), "prev_hash": _l("Previous hash"),
    "hash": _l("Hash"), "version": _l("Version"), "private": _l("Private part"),
    "private_digest": _l("Private part digest"), "nonce": _l("Nonce"), "service_items": _l("Service items"),
    "projects": _l("Projects"), "needs": _l("Needs"), "organizations": _l("Organizations"),
}


class SecureModelView(_Guarded, ModelView):
    form_base_class = AdminForm
    column_type_formatters = {**typefmt.BASE_FORMATTERS, datetime: _local_datetime, bool: _yes_no,
                              enum.Enum: _enum_label}
    column_type_formatters_detail = {**typefmt.DETAIL_FORMATTERS, datetime: _local_datetime, bool: _yes_no,
                                     enum.Enum: _enum_label}
    can_delete = False  # records are kept, never hard-deleted
    can_view_details = True
    page_size = 50

    def __init__(self, model: Any, session: Any, **kwargs: Any) -> None:
        # Labels for every column; enums shown, filtered and chosen by their label in the reader's
        # language (Flask-Admin turns choices into plain text at start-up, so the labels are put in
        # per request: the type formatter for lists and details, the forms and the filters below).
        self.column_labels = {**COLUMN_LABELS, **(self.column_labels or {})}
        form_choices = dict(self.form_choices or {})
        self._labelled_enums: dict[str, Any] = {}
        for attr in inspect(model).column_attrs:
            enum_class = getattr(attr.columns[0].type, "enum_class", None)
            if enum_class is not None and hasattr(enum_class, "__labels__"):
                form_choices.setdefault(attr.key, [(m.value, m.label) for m in enum_class])
                self._labelled_enums[attr.key] = enum_class
        if model is CreditEvent:
            from marketplace.domain.credit.ledger import event_label

            self.column_formatters = {**(self.column_formatters or {}),
                                      "kind": lambda v, c, m, p: event_label(m.kind)}
        self.form_choices = form_choices
        super().__init__(model, session, **kwargs)

    def _in_the_readers_language(self, form: Any) -> Any:
        """The form class is built once, at start-up: its drop-downs' labels are set per request."""
        for key, enum_class in self._labelled_enums.items():
            field = getattr(form, key, None)
            if field is not None and getattr(field, "choices", None) is not None:
                field.choices = [(m.value, str(m.label)) for m in enum_class]
        return form

    def _get_filter_groups(self) -> Any:
        groups = super()._get_filter_groups()
        for items in (groups or {}).values():
            for item in items:
                options = item.get("options")
                if not options:
                    continue
                values = {str(v) for v, _label in options}
                for enum_class in self._labelled_enums.values():
                    if values <= {m.value for m in enum_class}:
                        item["options"] = [(v, str(enum_class(v).label)) for v, _label in options]
                        break
        return groups

    def create_form(self, obj: Any = None) -> Any:
        return self._in_the_readers_language(super().create_form(obj))

    def edit_form(self, obj: Any = None) -> Any:
        return self._in_the_readers_language(super().edit_form(obj))

    def prettify_name(self, name: str) -> str:
        return str(COLUMN_LABELS.get(name, super().prettify_name(name)))

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        changes = _changes(model)
        db.session.flush()
        audit.append(current_user, "admin.created" if is_created else "admin.updated", model,
                     {"view": self.endpoint, "changes": changes})


class ReadOnlyView(SecureModelView):
    can_create = can_edit = False


class UserView(SecureModelView):
    column_list = ("username", "display_name", "role", "community", "street", "organization",
                   "department", "active", "totp_enabled_at", "last_login_at")
    column_searchable_list = ("username", "display_name")
    column_filters = ("role", "active")
    column_labels = {"username": _l("Username"), "display_name": _l("Name"), "role": _l("Role"),
                     "community": _l("Community"), "street": _l("Street"),
                     "organization": _l("Organization"), "department": _l("Department"),
                     "active": _l("Active"), "last_login_at": _l("Last sign-in"),
                     "totp_enabled_at": _l("Two-factor since"),
                     "email": _l("E-mail"), "phone": _l("Phone")}
    column_formatters = {"role": lambda v, c, m, p: m.role.label}
    form_columns = ("username", "display_name", "email", "phone", "role", "community", "street",
                    "organization", "department", "active", "new_password")
    form_extra_fields = {"new_password": PasswordField(_l("New password (leave empty to keep)"))}
    column_details_exclude_list = ("password_hash", "totp_secret", "totp_last_step", "recovery_codes")
    form_choices = {"role": [(r.value, r.label) for r in Role]}

    def _selected(self, ids: list[str]) -> list[User]:
        return list(db.session.scalars(db.select(User).where(User.id.in_([int(i) for i in ids]))))

    @action("end_sessions", _l("End their sessions"), _l("Sign the selected people out on every device?"))
    def action_end_sessions(self, ids: list[str]) -> None:
        users = self._selected(ids)
        for user in users:
            twofactor.end_sessions(current_user, user)
        flash(_("Signed out everywhere: %(names)s.", names="、".join(u.username for u in users)), "success")

    @action("reset_two_factor", _l("Reset two-factor sign-in"),
            _l("Take two-factor sign-in off the selected accounts (lost phone and codes)? Their sessions end; "
               "roles that require it set it up again at their next sign-in."))
    def action_reset_two_factor(self, ids: list[str]) -> None:
        users = self._selected(ids)
        for user in users:
            twofactor.reset(current_user, user)
        flash(_("Two-factor sign-in reset for: %(names)s.", names="、".join(u.username for u in users)), "success")

    def create_form(self, obj: Any = None):
        form = super().create_form(obj)
        form.role.choices = Role.choices()
        return form

    def edit_form(self, obj: Any = None):
        form = super().edit_form(obj)
        form.role.choices = Role.choices()
        return form

    def on_model_change(self, form: Any, model: User, is_created: bool) -> None:
        model.role = Role(model.role)
        scope_field = {Role.secretary: "community", Role.street: "street",
                       Role.organization: "organization", Role.department: "department"}
        needed = scope_field.get(model.role)
        if needed and getattr(model, needed) is None:
            raise FormValidationError(_("A %(role)s needs a %(scope)s.", role=model.role.label,
                                        scope=str(self.column_labels[needed])))
        for other in set(scope_field.values()) - {needed} - ({"community"} if model.role is Role.resident else set()):
            setattr(model, other, None)  # one role, one scope: drop leftovers of a previous role
        password = form.new_password.data
        if is_created and not password:
            raise FormValidationError(_("Give the new account a password."))
        if password:
            problem = accounts.password_problem(password, model.username, model.display_name or "")
            if problem:
                raise FormValidationError(str(problem))
            model.password_hash = accounts.hash_password(password)
            if not is_created:
                model.session_version = (model.session_version or 1) + 1
        elif is_created is False and not model.active:
            model.session_version += 1  # deactivation ends the user's sessions
        super().on_model_change(form, model, is_created)


class OrganizationView(SecureModelView):
    column_list = ("name", "uscc", "org_type", "alliance", "status", "grade", "grade_valid_until")
    column_searchable_list = ("name", "uscc")
    column_filters = ("status", "alliance", "grade", "org_type")
    column_labels = {"name": _l("Name"), "uscc": _l("Unified social credit code"),
                     "org_type": _l("Type"), "alliance": _l("Alliance"), "status": _l("Verification"),
                     "grade": _l("Rating grade"), "grade_valid_from": _l("Grade valid from"),
                     "grade_valid_until": _l("Grade valid until")}
    column_formatters = {
        "org_type": lambda v, c, m, p: m.org_type.label,
        "alliance": lambda v, c, m, p: m.alliance.label if m.alliance else "",
        "status": lambda v, c, m, p: m.status.label,
    }
    # Verification goes through the review page (with its reason and audit), not a raw edit.
    form_excluded_columns = ("status", "status_reason", "verified_at", "users", "created_at",
                             "national_list_entries")

    def on_model_change(self, form: Any, model: Organization, is_created: bool) -> None:
        model.uscc = uscc.normalize(model.uscc)
        found = uscc.problems(model.uscc, ORG_TYPE_USCC_CHAR.get(model.org_type))
        if found:
            raise FormValidationError(str(found[0]))
        if (model.grade is None) != (model.grade_valid_from is None) or (
                model.grade is None) != (model.grade_valid_until is None):
            raise FormValidationError(_("A rating grade needs both validity dates (and no grade, none)."))
        super().on_model_change(form, model, is_created)


class StreetView(SecureModelView):
    form_columns = ("name", "code")  # communities are moved from the community form, never unset here
    column_list = ("name", "code")
    column_labels = {"name": _l("Name"), "code": _l("Code")}


class CommunityView(SecureModelView):
    column_list = ("street", "name")
    column_searchable_list = ("name",)
    column_labels = {"name": _l("Name"), "street": _l("Street")}


class LocalDayOffView(SecureModelView):
    """Local days off on top of the State Council's calendar. A day off is cancelled by
    unticking "in force", never deleted; windows already opened keep their end dates."""

    column_list = ("day", "reason", "active", "created_at")
    column_default_sort = ("day", True)
    column_filters = ("active",)
    column_labels = {"day": _l("Date"), "reason": _l("Reason"), "active": _l("In force"),
                     "created_at": _l("Recorded")}
    column_descriptions = {"day": _l("A day off for the whole district, on top of the State "
                                     "Council's holidays. Notice and appeal windows opened "
                                     "afterwards skip it; windows already open keep their end.")}
    form_columns = ("day", "reason", "active")

    def on_model_change(self, form: Any, model: LocalDayOff, is_created: bool) -> None:
        try:
            workdays.check(model)
        except DomainError as exc:
            raise FormValidationError(exc.message) from None
        super().on_model_change(form, model, is_created)

    def after_model_change(self, form: Any, model: LocalDayOff, is_created: bool) -> None:
        workdays.forget()


class RulesView(_Guarded, BaseView):
    """SPEC §3 rules, one form per group; a group is saved whole (weights must add up)."""

    @expose("/", methods=["GET", "POST"])
    def index(self):
        errors: dict[str, str] = {}
        submitted: dict[str, str] = {}
        group_error = None
        group = request.form.get("group")
        if request.method == "POST" and group in rules.GROUP_BY_KEY:  # CSRFProtect checked it
            submitted = {k: v for k, v in request.form.items() if k in rules.BY_KEY}
            try:
                changes = rules.set_group(current_user, group, submitted)
            except DomainError as exc:
                db.session.rollback()
                if exc.field:
                    errors[exc.field] = exc.message
                else:
                    group_error = exc.message
            else:
                db.session.commit()
                flash(_("Saved: %(n)s rule(s) changed.", n=len(changes)) if changes
                      else _("Nothing changed."), "success")
                return redirect(url_for(".index"))
        return self.render("admin/rules.html", groups=rules.grouped(), errors=errors,
                           submitted=submitted, failed_group=group if (errors or group_error) else None,
                           group_error=group_error)


class AuditView(ReadOnlyView):
    column_list = ("seq", "created_at", "actor_label", "action", "subject_type", "subject_id", "hash")
    column_default_sort = ("seq", True)
    column_filters = ("action", "subject_type", "actor_label")
    column_labels = {"seq": "#", "created_at": _l("Time"), "actor_label": _l("Actor"),
                     "action": _l("Action"), "subject_type": _l("Subject"), "subject_id": "ID",
                     "hash": _l("Hash")}
    column_formatters = {"hash": lambda v, c, m, p: m.hash[:16] + "…"}


def init_admin(app: Flask) -> Admin:
    admin = Admin(
        app,
        name=_l("揭榜挂帅 · District console"),
        index_view=SecureIndexView(name=_l("Overview"), url="/admin"),
        theme=Bootstrap4Theme(base_template="admin/master.html"),
    )
    geo, people, orgs, system = _l("Geography"), _l("Staff and experts"), _l("Organizations"), _l("System")
    admin.add_view(RulesView(name=_l("Rules"), endpoint="rules", category=system))
    admin.add_view(LocalDayOffView(LocalDayOff, db, name=_l("Local days off"), category=system))
    admin.add_view(UserView(User, db, name=_l("Users"), category=people))
    admin.add_view(SecureModelView(ExpertProfile, db, name=_l("Expert pool"), category=people))
    admin.add_view(SecureModelView(Affiliation, db, name=_l("Affiliations"), category=people))
    admin.add_view(SecureModelView(Department, db, name=_l("Departments"), category=people))
    admin.add_view(OrganizationView(Organization, db, name=_l("Organizations"), category=orgs))
    admin.add_view(SecureModelView(NationalListEntry, db, name=_l("National lists"), category=orgs))
    admin.add_view(StreetView(Street, db, name=_l("Streets"), category=geo))
    admin.add_view(CommunityView(Community, db, name=_l("Communities"), category=geo))
    admin.add_view(SecureModelView(Category, db, name=_l("Service categories"), category=geo))
    admin.add_view(SecureModelView(ReportTemplate, db, name=_l("Closing report templates"), category=system))
    admin.add_view(ReadOnlyView(CreditEvent, db, name=_l("Credit events"), category=orgs))
    admin.add_view(AuditView(AuditEntry, db, name=_l("Audit chain"), category=system))
    app.after_request(_without_inline_script)
    return admin


_INLINE_NOOPS = (('href="javascript:void(0)"', 'href="#"'), (' onclick="return false;"', ""),
                 # valid HTML: a form posting to its own page has no empty action; a blank choice has a text
                 ('<form action="" ', "<form "), ('value="__None"> </option>', 'value="__None">—</option>'),
                 ('value="__None"></option>', 'value="__None">—</option>'))
_WIDE_CELL, _HEADER_CELL = re.compile(r'colspan="999"'), re.compile(r"<th[\s>]")


def _without_inline_script(response: Any) -> Any:
    """Flask-Admin's own templates mark do-nothing links with `javascript:void(0)` and
    `onclick="return false;"`, which the Content-Security-Policy (no inline script) refuses; its
    JavaScript (static files) handles those links, so the console's pages drop the inline no-ops."""
    if request.path.startswith("/admin") and response.mimetype == "text/html" and not response.is_streamed:
        html = response.get_data(as_text=True)
        for inline, plain in _INLINE_NOOPS:
            html = html.replace(inline, plain)
        if 'colspan="999"' in html:  # the empty list's row spans the list's real columns
            head = html[html.find("<thead"):html.find("</thead>")]
            html = _WIDE_CELL.sub(f'colspan="{max(len(_HEADER_CELL.findall(head)), 1)}"', html)
        # Flask-Admin's base template opens <html> without a language
        lang = "zh-CN" if str(get_locale() or "").startswith("zh") else "en"
        html = html.replace("<!DOCTYPE html>\n<html>", f'<!DOCTYPE html>\n<html lang="{lang}">', 1)
        response.set_data(html)
    return response
