from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import DateTimeLocalField, DecimalField, FieldList, FormField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from marketplace.forms import BaseForm
from marketplace.forms.validators import RequiredToSubmit


class BudgetLine(BaseForm):
    class Meta:
        csrf = False

    item = StringField(_l("Item"), validators=[Optional(), Length(max=100)])
    amount = StringField(_l("Amount (yuan)"), validators=[Optional(), Length(max=20)],
                         render_kw={"inputmode": "decimal"})


class BidForm(BaseForm):
    summary = TextAreaField(_l("Summary of the bid (public after the award)"),
                            validators=[RequiredToSubmit(), Length(max=1000)],
                            description=_l("A few sentences on what you propose, for whom and at what cost. Public after "
                                           "the award, with every bidder's scores and reasons; the rest of the letter "
                                           "stays with the panel and the street unless you win. At most 1,000 "
                                           "characters."),
                            render_kw={"rows": 3, "maxlength": 1000})
    plan = TextAreaField(_l("Service plan"), validators=[Length(max=10_000)])
    team = TextAreaField(_l("Team and qualifications"), validators=[Length(max=10_000)])
    outputs = TextAreaField(_l("Measurable outputs you commit to"), validators=[Length(max=10_000)])
    schedule = TextAreaField(_l("Schedule"), validators=[Length(max=10_000)])
    budget = FieldList(FormField(BudgetLine), min_entries=6, max_entries=30)
    attachments = MultipleFileField(_l("Attachments (PDF or photos, at most 10 MB each)"),
                                    render_kw={"accept": "application/pdf,image/jpeg,image/png,image/webp"})

    def bid_data(self) -> dict[str, Any]:
        return {"summary": self.summary.data, "plan": self.plan.data, "team": self.team.data, "outputs": self.outputs.data,
                "schedule": self.schedule.data,
                "budget": [{"item": e.item.data, "amount": e.amount.data} for e in self.budget.entries]}


class PartnerForm(BaseForm):
    uscc = StringField(_l("Partner's unified social credit code"), validators=[DataRequired(), Length(max=18)])
    role = StringField(_l("Its role in the project"), validators=[DataRequired(), Length(max=200)])
    work_share = IntegerField(_l("Share of the work (%)"), validators=[
        InputRequired(message=_l("Enter a whole number.")),
        NumberRange(min=0, max=100, message=_l("Enter a number between 0 and 100."))])
    budget_share = DecimalField(_l("Share of the budget (yuan)"), places=2, validators=[
        InputRequired(message=_l("Enter an amount.")), NumberRange(min=0, message=_l("Enter an amount."))])


class RoadshowForm(BaseForm):
    starts_at = DateTimeLocalField(_l("Time"), format="%Y-%m-%dT%H:%M",
                                   validators=[InputRequired(message=_l("Enter a date and time."))])
    place = StringField(_l("Place or online link"), validators=[DataRequired(), Length(max=200)])


class ObjectionForm(BaseForm):
    text = TextAreaField(_l("Your objection (public once decided)"), validators=[DataRequired(), Length(min=10, max=5000)])


class DecisionForm(BaseForm):
    reason = TextAreaField(_l("Reason (public)"), validators=[Optional(), Length(max=2000)])


class RepublishForm(BaseForm):
    bid_deadline = DateTimeLocalField(_l("New bidding deadline"), format="%Y-%m-%dT%H:%M",
                                      validators=[InputRequired(message=_l("Enter a date and time."))])
    qa_deadline = DateTimeLocalField(_l("New Q&A deadline"), format="%Y-%m-%dT%H:%M",
                                     validators=[InputRequired(message=_l("Enter a date and time."))])
