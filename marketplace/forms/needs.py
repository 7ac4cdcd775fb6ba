from __future__ import annotations

import uuid
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (
    DecimalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from marketplace.forms import BaseForm
from marketplace.forms.organizations import CheckboxesField
from marketplace.models import Urgency


class IdempotentForm(BaseForm):
    """Carries a key generated when the form is first shown: sending the same form twice
    (double click, reload) finds the row the first sending created."""

    submission_key = HiddenField(default=lambda: uuid.uuid4().hex)


class WishForm(IdempotentForm):
    community_id = SelectField(_l("Your community"), coerce=int, validators=[DataRequired()],
                               validate_choice=True)
    content = TextAreaField(_l("Your wish"), validators=[DataRequired(), Length(min=5, max=500)],
                            description=_l("What would make life in your community better? "
                                           "Please do not write names or addresses."))
    contact = StringField(_l("Phone, if the community may call you back (optional, never published)"),
                          validators=[Optional(), Length(max=32)])


class NeedForm(IdempotentForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=100)])
    description = TextAreaField(_l("What is needed and why"), validators=[DataRequired(), Length(max=3000)])
    category_id = SelectField(_l("Category"), coerce=int, validators=[DataRequired()])
    beneficiaries = StringField(_l("Who benefits"), validators=[DataRequired(), Length(max=200)],
                                description=_l("For example: elderly people living alone in buildings 3–8"))
    beneficiaries_count = IntegerField(_l("How many people"), validators=[
        InputRequired(message=_l("Enter a whole number.")),
        NumberRange(min=1, max=1_000_000, message=_l("Enter a number between 1 and 1,000,000."))])
    urgency = SelectField(_l("Urgency"), choices=Urgency.choices(), coerce=Urgency)
    photos = MultipleFileField(_l("Photos (optional; JPEG, PNG or WebP, at most 5 MB each)"),
                               render_kw={"accept": "image/jpeg,image/png,image/webp"})

    def need_data(self) -> dict[str, Any]:
        return {k: getattr(self, k).data for k in ("title", "description", "category_id", "beneficiaries",
                                                   "beneficiaries_count", "urgency")}


class ReasonForm(BaseForm):
    reason = TextAreaField(_l("Reason (public)"), validators=[DataRequired(), Length(max=500)])


class DecideForm(BaseForm):
    decision = RadioField(_l("Decision"), choices=[("approve", _l("Approve for publishing")),
                                                   ("reject", _l("Do not adopt"))],
                          validators=[DataRequired()])
    reason = TextAreaField(_l("Reason (public; required when not adopting)"),
                           validators=[Optional(), Length(max=500)])


class MergeForm(BaseForm):
    survivor_id = SelectField(_l("Merge into"), coerce=int, validators=[DataRequired()])


class AssignForm(BaseForm):
    reviewer_ids = CheckboxesField(_l("Reviewers"), coerce=int)


def review_form(criteria: dict[str, int], labels: dict[str, Any], formdata: Any = None) -> BaseForm:
    """A score and a reason per criterion, built from the need's criteria."""

    class ReviewForm(BaseForm):
        pass

    for key, maximum in criteria.items():
        setattr(ReviewForm, f"{key}_score", DecimalField(
            _l("%(label)s (0–%(n)s points)", label=labels.get(key, key), n=maximum), places=None,
            validators=[InputRequired(message=_l("Enter a score.")),
                        NumberRange(min=0, max=maximum, message=_l("Score between 0 and %(n)s.", n=maximum))],
            render_kw={"inputmode": "decimal", "step": "0.5", "min": 0, "max": maximum}))
        setattr(ReviewForm, f"{key}_reason", StringField(
            _l("Reason"), validators=[DataRequired(message=_l("Give a short reason for this score.")),
                                      Length(max=200)]))
    return ReviewForm(formdata=formdata) if formdata is not None else ReviewForm()


class QuestionForm(IdempotentForm):
    text = TextAreaField(_l("Your question (published with the answer, without your name)"),
                         validators=[DataRequired(), Length(min=5, max=1000)])


class AnswerForm(BaseForm):
    answer = TextAreaField(_l("Answer (public)"), validators=[DataRequired(), Length(max=2000)])


