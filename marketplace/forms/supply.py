"""Forms of the supply side: service items, the district's review, the catalogue import."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, MultipleFileField
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from marketplace.forms import BaseForm
from marketplace.forms.needs import IdempotentForm
from marketplace.forms.organizations import CheckboxesField
from marketplace.models import PriceBasis


class ServiceItemForm(IdempotentForm):
    name = StringField(_l("Service name"), validators=[DataRequired(), Length(max=100)],
                       description=_l("For example: 上门助浴服务, 青少年课后托管"))
    category_id = SelectField(_l("Category"), coerce=int, validators=[DataRequired()])
    description = TextAreaField(_l("What is delivered"), validators=[DataRequired(), Length(max=3000)],
                                description=_l("What the service consists of, how often, where, by whom."))
    audience = StringField(_l("Who it is for"), validators=[DataRequired(), Length(max=200)],
                           description=_l("For example: elderly people who cannot bathe on their own"))
    whole_district = BooleanField(_l("Covers the whole district (全区)"))
    street_ids = CheckboxesField(_l("Streets covered"), coerce=int)
    price = DecimalField(_l("Reference price (yuan)"), places=None, validators=[
        InputRequired(message=_l("Enter the reference price.")),
        NumberRange(min=0.01, max=9_999_999_999, message=_l("The reference price must be a positive number of yuan."))],
        render_kw={"inputmode": "decimal"})
    price_basis = SelectField(_l("The price is"), choices=PriceBasis.choices(), coerce=PriceBasis)
    price_unit = StringField(_l("Unit"), validators=[DataRequired(), Length(max=20)],
                             description=_l("次, 人次, 课时, 月, 期 …"))
    monthly_capacity = IntegerField(_l("Monthly capacity (units or periods)"), validators=[
        InputRequired(message=_l("Enter a whole number.")),
        NumberRange(min=1, max=1_000_000, message=_l("Enter a number between 1 and 1,000,000."))])
    team = TextAreaField(_l("Team and qualifications"), validators=[Optional(), Length(max=2000)])
    photos = MultipleFileField(_l("Photos (optional; JPEG, PNG or WebP, at most 5 MB each)"),
                               render_kw={"accept": "image/jpeg,image/png,image/webp"})
    brochure = FileField(_l("Brochure (optional PDF, at most 10 MB)"), render_kw={"accept": "application/pdf"})

    def set_choices(self, categories: list[Any], streets: list[Any], locale: str) -> None:
        self.category_id.choices = [(c.id, c.name_en if locale.startswith("en") else c.name) for c in categories]
        self.street_ids.choices = [(s.id, s.name) for s in streets]

    def item_data(self) -> dict[str, Any]:
        return {k: getattr(self, k).data for k in ("name", "category_id", "description", "audience",
                                                   "whole_district", "street_ids", "price", "price_basis",
                                                   "price_unit", "monthly_capacity", "team")}


class ReturnForm(BaseForm):
    reason = TextAreaField(_l("What the organization must change"), validators=[DataRequired(), Length(max=500)])


class ImportForm(BaseForm):
    file = FileField(_l("CSV or Excel file"), render_kw={"accept": ".csv,.xlsx"})
