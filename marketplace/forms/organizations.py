from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.forms import BaseForm
from marketplace.forms.validators import Phone, SocialCreditCode
from marketplace.models import Alliance, OrgType


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _enum_or_none(enum_cls: Any) -> Any:
    return lambda value: enum_cls(value) if value else None


class OrganizationProfileForm(BaseForm):
    name = StringField(_l("Organization name"), validators=[DataRequired(), Length(max=128)])
    uscc = StringField(_l("Unified social credit code (统一社会信用代码)"),
                       validators=[DataRequired(), Length(min=18, max=18,
                                   message=_l("The code must be 18 characters long.")),
                                   SocialCreditCode()],
                       description=_l("18 characters, starting with 5 for a social organization."),
                       filters=[lambda v: v.strip().upper() if v else v])
    org_type = SelectField(_l("Organization type"), choices=OrgType.choices(), coerce=OrgType)
    registered_on = DateField(_l("Registration date"), validators=[DataRequired()])
    legal_representative = StringField(_l("Legal representative"),
                                       validators=[DataRequired(), Length(max=64)])
    contact_name = StringField(_l("Contact person"), validators=[DataRequired(), Length(max=64)])
    contact_phone = StringField(_l("Contact phone"), validators=[DataRequired(), Length(max=32), Phone()])
    contact_email = StringField(_l("Contact e-mail"), validators=[Optional(), Email(), Length(max=254)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=255)])
    alliance = SelectField(_l("Alliance"), choices=[("", _l("— none —"))] + Alliance.choices(),
                           coerce=_enum_or_none(Alliance), validate_choice=True)
    category_ids = CheckboxesField(_l("Service categories"), coerce=int)
    street_ids = CheckboxesField(_l("Service area (streets)"), coerce=int)
    description = TextAreaField(_l("What the organization does"),
                                validators=[Optional(), Length(max=2000)])

    def set_choices(self, categories: list[Any], streets: list[Any], locale: str) -> None:
        self.category_ids.choices = [
            (c.id, c.name_en if locale.startswith("en") else c.name) for c in categories]
        self.street_ids.choices = [(s.id, s.name) for s in streets]

    def profile_data(self) -> dict[str, Any]:
        return {name: field.data for name, field in self._fields.items()
                if name not in ("csrf_token", "username", "password", "confirm", "display_name")}


class RegistrationForm(OrganizationProfileForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=64)])
    username = StringField(_l("Username for signing in"),
                           validators=[DataRequired(), Length(min=3, max=64),
                                       Regexp(r"^[A-Za-z0-9_.-]+$",
                                              message=_l("Use letters, digits, dots, dashes or underscores."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=10, max=128)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password",
                                                                message=_l("The two passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class RejectForm(BaseForm):
    reason = TextAreaField(_l("Reason (shown to the organization)"),
                           validators=[DataRequired(), Length(max=500)])


class ConfirmForm(BaseForm):
    """A POST-only button: just the CSRF token."""
