"""Errors the domain raises when a rule refuses an action. The message is translated and shown."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    status_code = 409

    def __init__(self, message: object, field: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field  # the form field the message belongs to, when there is one


class InvalidTransition(DomainError):
    pass


class ValidationError(DomainError):
    status_code = 400


class NotAllowed(DomainError):
    status_code = 403


CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # tab and line breaks are fine


def free_text(value: str | None, field: str = "reason") -> str:
    """A reason, plan or answer typed into a form that is not a WTForms form: stripped, and refused
    when it holds invisible control characters (NUL, escape…) — PostgreSQL cannot even store NUL."""
    text = (value or "").strip()
    if CONTROL_CHARACTERS.search(text):
        raise ValidationError(_l("This text contained invisible control characters; take them out and send it "
                                 "again."), field=field)
    return text


def labelled_text(value: object, field: str, label: object, limit: int, required: bool = True) -> str | None:
    """A named text field of a domain form (service item, 点单会, order): stripped, free of control
    characters, present when required, at most `limit` characters; None when left empty."""
    text = "" if value is None else str(value).strip()
    if CONTROL_CHARACTERS.search(text):
        raise ValidationError(_l("%(label)s contains invisible control characters; take them out.", label=label),
                              field=field)
    if not text:
        if required:
            raise ValidationError(_l("%(label)s is required.", label=label), field=field)
        return None
    if len(text) > limit:
        raise ValidationError(_l("%(label)s can be at most %(n)s characters.", label=label, n=limit), field=field)
    return text
