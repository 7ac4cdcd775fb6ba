"""One way to read a scoring form, shared by need reviews (评榜), panel scores (承榜) and the
evaluation instruments (考榜): each criterion scored from 0 to its points, each with a reason."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from marketplace.domain.core.errors import ValidationError


def clean_scores(criteria: dict[str, int], scores: dict[str, Any], reason_max: int = 300) -> dict[str, dict[str, str]]:
    """{criterion: {"score", "reason"}} checked against each criterion's maximum; errors name the field."""
    clean: dict[str, dict[str, str]] = {}
    for key, maximum in criteria.items():
        entry = scores.get(key) or {}
        try:
            value = Decimal(str(entry.get("score", "")).strip())
        except (InvalidOperation, ValueError):
            raise ValidationError(_l("Enter a number."), field=f"{key}_score") from None
        if not value.is_finite() or value < 0 or value > maximum:
            raise ValidationError(_l("Score between 0 and %(n)s.", n=maximum), field=f"{key}_score")
        reason = (entry.get("reason") or "").strip()
        if not reason:
            raise ValidationError(_l("Give a short reason for this score."), field=f"{key}_reason")
        if len(reason) > reason_max:
            raise ValidationError(_l("At most %(n)s characters.", n=reason_max), field=f"{key}_reason")
        clean[key] = {"score": str(value), "reason": reason}
    return clean
