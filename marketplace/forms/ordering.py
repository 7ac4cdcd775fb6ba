"""Forms of the 点单会: scheduling, the programme, an order, an organization's decline."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from marketplace.forms import BaseForm
from marketplace.forms.needs import IdempotentForm
from marketplace.forms.organizations import CheckboxesField


class MeetingForm(IdempotentForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=100)],
                        description=_l("For example: 2026年第四季度社区书记点单会"))
    starts_at = DateTimeLocalField(_l("Date and time"), format="%Y-%m-%dT%H:%M",
                                   validators=[InputRequired(message=_l("Enter a date and time."))])
    place = StringField(_l("Place"), validators=[DataRequired(), Length(max=200)])
    community_ids = CheckboxesField(_l("Communities invited"), coerce=int)
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)],
                          description=_l("The agenda, what secretaries should bring, how to get there."))


class PresentForm(BaseForm):
    item_code = SelectField(_l("Service item presented"), validators=[DataRequired()])
    slot_at = DateTimeLocalField(_l("Roadshow slot (路演宣讲)"), format="%Y-%m-%dT%H:%M",
                                 validators=[InputRequired(message=_l("Enter a date and time."))])
    slot_minutes = IntegerField(_l("Minutes"), default=10, validators=[
        InputRequired(message=_l("Enter a whole number.")),
        NumberRange(min=1, max=120, message=_l("The roadshow lasts 1 to 120 minutes."))])
    capacity = IntegerField(_l("Capacity offered (units a month)"), validators=[
        InputRequired(message=_l("Enter a whole number.")),
        NumberRange(min=1, max=1_000_000, message=_l("Enter a number between 1 and 1,000,000."))])


class OrderForm(IdempotentForm):
    quantity = StringField(_l("Quantity a month"), validators=[DataRequired()], render_kw={"inputmode": "numeric"})
    months = StringField(_l("Period (months)"), default="3", validators=[DataRequired()],
                         render_kw={"inputmode": "numeric"})
    budget = StringField(_l("Budget from the community fund (yuan)"), validators=[DataRequired()],
                         render_kw={"inputmode": "decimal"})
    need_ids = CheckboxesField(_l("The needs it answers"), coerce=int)
    note = TextAreaField(_l("Note to the organization"), validators=[Optional(), Length(max=1000)])


class DeclineForm(BaseForm):
    reason = TextAreaField(_l("Why you decline (public)"), validators=[DataRequired(), Length(max=500)])


class CancelForm(BaseForm):
    reason = TextAreaField(_l("Reason (public)"), validators=[DataRequired(), Length(max=500)])
