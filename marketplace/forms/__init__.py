"""Flask-WTF forms: field types, lengths and choices. They never write to the database."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm


class BaseForm(FlaskForm):
    def add_domain_error(self, exc: Any) -> None:
        """Show a DomainError next to its field when it names one, above the form otherwise."""
        field = getattr(self, exc.field, None) if exc.field else None
        if field is not None:
            field.errors = [*field.errors, exc.message]
        else:
            self.form_errors.append(exc.message)
