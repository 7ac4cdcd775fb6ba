"""Reusable field validators (messages translated, input kept by WTForms)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import ValidationError

from marketplace.domain.core import uscc


class SocialCreditCode:
    """GB 32100-2015 check character; a social organization's code starts with 5."""

    def __call__(self, form: object, field: object) -> None:
        found = uscc.problems(field.data or "")
        if found:
            raise ValidationError(str(found[0]))


class Phone:
    def __call__(self, form: object, field: object) -> None:
        value = (field.data or "").replace("-", "").replace(" ", "")
        if value and not (value.lstrip("+").isdigit() and 7 <= len(value.lstrip("+")) <= 15):
            raise ValidationError(str(_l("Enter a phone number (7 to 15 digits).")))


class RequiredToSubmit:
    """Marks a field required (the asterisk) without refusing a draft: the domain refuses the
    submission when it is empty, with the message next to the field."""

    field_flags = {"required": True}

    def __call__(self, form: object, field: object) -> None:
        return None
