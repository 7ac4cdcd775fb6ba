from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from marketplace.domain.core.clock import LOCAL_TZ
from marketplace.forms.needs import IdempotentForm
from marketplace.forms.organizations import CheckboxesField
from marketplace.models import Grade, Regime

CRITERIA_FIELDS = ("plan", "team", "past", "budget", "roadshow", "price")


def _weight(label: Any) -> IntegerField:
    return IntegerField(label, default=0, validators=[
        InputRequired(message=_l("Enter a whole number.")),
        NumberRange(min=0, max=100, message=_l("Enter a number between 0 and 100."))],
        render_kw={"min": 0, "max": 100, "inputmode": "numeric"})


class ProjectForm(IdempotentForm):
    need_ids = CheckboxesField(_l("Approved needs this project answers"), coerce=int)
    title = StringField(_l("Project title"), validators=[DataRequired(), Length(max=100)])
    scope = TextAreaField(_l("Scope of the service"), validators=[DataRequired(), Length(max=5000)])
    outputs = TextAreaField(_l("Measurable outputs (one per line)"), validators=[DataRequired(), Length(max=3000)],
                            description=_l("For example: 40 elderly people receive lunch five days a week"))
    budget_cap = DecimalField(_l("Budget cap (yuan)"), places=2, validators=[
        InputRequired(message=_l("Enter an amount.")),
        NumberRange(min=0.01, max=100_000_000, message=_l("The budget cap must be an amount above 0."))],
        render_kw={"inputmode": "decimal"})
    category_id = SelectField(_l("Category"), coerce=int, validators=[DataRequired()])
    community_ids = CheckboxesField(_l("Service area (communities)"), coerce=int)
    regime = SelectField(_l("Procurement regime"), choices=Regime.choices(), coerce=Regime)
    min_grade = SelectField(_l("Minimum rating grade of bidders"),
                            choices=[("", _l("None (any verified organization)"))] + Grade.choices(),
                            coerce=lambda v: Grade(v) if v else None)
    bid_deadline = DateTimeLocalField(_l("Bidding deadline"), format="%Y-%m-%dT%H:%M",
                                      validators=[InputRequired(message=_l("Enter a date and time."))])
    qa_deadline = DateTimeLocalField(_l("Questions accepted until"), format="%Y-%m-%dT%H:%M",
                                     validators=[InputRequired(message=_l("Enter a date and time."))])
    plan = _weight(_l("Service plan"))
    team = _weight(_l("Team and qualifications"))
    past = _weight(_l("Past performance"))
    budget = _weight(_l("Budget reasonableness"))
    roadshow = _weight(_l("Roadshow"))
    price = _weight(_l("Price (government purchase only)"))

    @staticmethod
    def _aware(value: datetime) -> datetime:
        return value.replace(tzinfo=LOCAL_TZ) if value.tzinfo is None else value

    def project_data(self) -> dict[str, Any]:
        return {
            "title": self.title.data.strip(), "scope": self.scope.data.strip(), "outputs": self.outputs.data.strip(),
            "budget_cap": self.budget_cap.data, "category_id": self.category_id.data,
            "community_ids": self.community_ids.data or [], "regime": self.regime.data,
            "min_grade": self.min_grade.data, "bid_deadline": self._aware(self.bid_deadline.data),
            "qa_deadline": self._aware(self.qa_deadline.data),
            "criteria": {k: getattr(self, k).data or 0 for k in CRITERIA_FIELDS},
        }

    def load(self, project: Any) -> None:
        for key in ("title", "scope", "outputs", "budget_cap", "category_id", "regime", "min_grade"):
            getattr(self, key).data = getattr(project, key)
        self.bid_deadline.data = project.bid_deadline.astimezone(LOCAL_TZ).replace(tzinfo=None)
        self.qa_deadline.data = project.qa_deadline.astimezone(LOCAL_TZ).replace(tzinfo=None)
        self.community_ids.data = [c.id for c in project.communities]
        for key in CRITERIA_FIELDS:
            getattr(self, key).data = project.criteria.get(key, 0)
