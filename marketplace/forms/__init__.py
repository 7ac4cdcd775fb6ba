"""Flask-WTF forms: field types, lengths and choices. They never write to the database."""

from __future__ import annotations

from typing import Any

from flask import g
from flask_wtf import FlaskForm


class BaseForm(FlaskForm):
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
