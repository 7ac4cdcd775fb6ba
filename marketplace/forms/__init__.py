"""Flask-WTF forms: field types, lengths and choices. They never write to the database.

Every form checks its input once, before any field's own validators run (`SafeInput`): text with
control characters (NUL, escape… — tab and line breaks are fine) is refused with the characters
taken out of what is shown again, numbers that are not finite or do not fit the database are
refused, and dates must lie between 1900 and 2200. Nothing odd reaches a validator, the domain or
the database, whichever form it came through."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from flask import g
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, FieldList, FormField
from wtforms.validators import StopValidation

from marketplace.domain.core.errors import CONTROL_CHARACTERS  # noqa: F401  (also used by views)

MAX_INTEGER = 2**31 - 1  # PostgreSQL's integer
MAX_AMOUNT = Decimal(10) ** 10  # NUMERIC(12, 2), the widest money column
YEARS = (1900, 2200)


def _leaves(fields: Any) -> Iterator[Field]:
    for field in fields:
        if isinstance(field, FormField):
            yield from _leaves(field.form)
        elif isinstance(field, FieldList):
            yield from _leaves(field.entries)
        else:
            yield field


def _number_problem(value: Any) -> Any:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return _l("Enter a number.")
    if isinstance(value, Decimal):
        if not value.is_finite():
            return _l("Enter a number.")
        if abs(value) >= MAX_AMOUNT:
            return _l("This number is too large.")
    if isinstance(value, float) and abs(value) >= MAX_AMOUNT:
        return _l("This number is too large.")
    if isinstance(value, int) and abs(value) > MAX_INTEGER:
        return _l("This number is too large.")
    if isinstance(value, date) and not YEARS[0] <= value.year <= YEARS[1]:
        return _l("Enter a date between %(first)s and %(last)s.", first=YEARS[0], last=YEARS[1])
    return None


def input_problem(field: Field) -> Any:
    """What is wrong with a field's input whatever the form (None when nothing is); text with
    control characters is cleaned of them, so the page shows the rest of what was typed."""
    data = field.data
    if isinstance(data, str):
        if CONTROL_CHARACTERS.search(data):
            field.data = CONTROL_CHARACTERS.sub("", data)
            return _l("This text contained invisible control characters; they have been taken out. "
                      "Please check it and send it again.")
        return None
    if isinstance(data, (list, tuple)):
        return next((p for p in map(_number_problem, data) if p), None)
    return _number_problem(data)


def _refuse(message: Any):
    def pre_validate(form: Any) -> None:
        raise StopValidation(str(message))
    return pre_validate


class _ValidMarkup:
    """How every field is rendered, so that pages with several forms stay valid HTML: the CSRF
    token carries no id (several forms on a page would repeat it), a field of a prefixed form does
    not take the focus (two forms would both claim it), and a required drop-down without an empty
    first option is not marked `required` (HTML asks for a placeholder option then; it always has a
    value anyway)."""

    def render_field(self, field: Any, render_kw: dict) -> Any:
        render_kw = dict(render_kw)
        if field.type == "CSRFTokenField":
            render_kw.setdefault("id", False)
        if field.name != field.short_name and (field.render_kw or {}).get("autofocus"):
            render_kw["autofocus"] = False
        if field.type in ("SelectField", "QuerySelectField", "Select2Field") and "required" not in render_kw:
            first = next(iter(field.iter_choices()), None)
            if first is not None and str(first[0]) not in ("", "__None"):
                render_kw["required"] = False
        return super().render_field(field, render_kw)  # type: ignore[misc]


def id_prefixed(form: Any, prefix: str) -> Any:
    """Give the fields of one of several forms on a page ids of their own (names unchanged), so
    each label points at its own field."""
    for field in form:
        if field.type != "CSRFTokenField":
            field.id = f"{prefix}-{field.id}"
    return form


class SafeInput:
    """Mixed into every form of the product (and the console's): the checks above, before the
    field's own validators, which then do not run on that field."""

    Meta = _ValidMarkup

    def validate(self, extra_validators: Any = None) -> bool:
        refused = False
        for field in _leaves(self):
            problem = input_problem(field)
            if problem is not None:
                field.pre_validate = _refuse(problem)  # this field stops here, with this message
                refused = True
        return super().validate(extra_validators) and not refused  # type: ignore[misc]


class BaseForm(SafeInput, FlaskForm):
    def validate_on_submit(self, extra_validators: Any = None) -> bool:
        """As Flask-WTF's, except when the domain has just refused this submission
        (`views.transaction.shows_refusals` runs the view again): then False, with the message shown."""
        valid = super().validate_on_submit(extra_validators)
        refusal = g.get("refusal")
        if valid and refusal is not None and not g.get("refusal_shown"):
            g.refusal_shown = True
            self.add_domain_error(refusal)
            return False
        return valid

    def add_domain_error(self, exc: Any) -> None:
        """Show a DomainError next to its field when it names one, above the form otherwise."""
        field = getattr(self, exc.field, None) if exc.field else None
        if field is not None:
            field.errors = [*field.errors, exc.message]
        else:
            self.form_errors.append(exc.message)
