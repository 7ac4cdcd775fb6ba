from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, DateField, FieldList, FormField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from marketplace.forms import BaseForm
from marketplace.forms.needs import IdempotentForm


class MilestoneLine(BaseForm):
    class Meta:
        csrf = False

    output = StringField(_l("Output"), validators=[Optional(), Length(max=300)])
    due_on = DateField(_l("Date"), validators=[Optional()])
    tranche = StringField(_l("Budget tranche (yuan)"), validators=[Optional(), Length(max=20)],
                          render_kw={"inputmode": "decimal"})


class PlanForm(BaseForm):
    milestones = FieldList(FormField(MilestoneLine), min_entries=5, max_entries=20)

    def lines(self) -> list[dict[str, Any]]:
        return [{"output": e.output.data, "due_on": e.due_on.data, "tranche": e.tranche.data}
                for e in self.milestones.entries]


class ProgressForm(BaseForm):
    text = TextAreaField(_l("What was done"), validators=[DataRequired(), Length(max=3000)])
    people_served = IntegerField(_l("People served"), validators=[
        InputRequired(message=_l("Enter a whole number.")), NumberRange(min=0, message=_l("Enter a whole number."))])
    spent = StringField(_l("Money spent (yuan)"), validators=[DataRequired(), Length(max=20)],
                        render_kw={"inputmode": "decimal"})
    photos = MultipleFileField(_l("Photos (JPEG, PNG or WebP; no faces of residents without consent)"),
                               render_kw={"accept": "image/jpeg,image/png,image/webp"})
    delivered = BooleanField(_l("This milestone is delivered"))


class ComplaintForm(IdempotentForm):
    text = TextAreaField(_l("What went wrong"), validators=[DataRequired(), Length(min=10, max=3000)],
                         description=_l("Please do not write names or addresses; the street reads every complaint."))


class ClosingForm(BaseForm):
    outputs = TextAreaField(_l("Outputs against the targets"), validators=[DataRequired(), Length(max=5000)])
    beneficiaries = IntegerField(_l("People who benefited"), validators=[
        InputRequired(message=_l("Enter a whole number.")), NumberRange(min=0, message=_l("Enter a whole number."))])
    spending = StringField(_l("Total spending (yuan)"), validators=[DataRequired(), Length(max=20)],
                           render_kw={"inputmode": "decimal"})
    lessons = TextAreaField(_l("Lessons learned"), validators=[DataRequired(), Length(max=5000)])


class CodesForm(BaseForm):
    count = IntegerField(_l("Households served (one code each)"), validators=[
        InputRequired(message=_l("Enter a whole number.")),
        NumberRange(min=1, max=500, message=_l("Issue between 1 and 500 codes at a time."))])
