"""Pure scoring functions (no database): review totals, means, thresholds."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

TWO = Decimal("0.01")


def round2(value: Decimal) -> Decimal:
    return value.quantize(TWO, rounding=ROUND_HALF_UP)


def review_total(criteria: Mapping[str, int], scores: Mapping[str, Any]) -> Decimal:
    """Sum of the points given; each criterion is scored from 0 to its maximum (its weight), so
    the total is already weighted and lies between 0 and 100."""
    total = Decimal(0)
    for key, maximum in criteria.items():
        score = Decimal(str(scores[key]))
        if score < 0 or score > maximum:
            raise ValueError(f"{key}: {score} outside 0..{maximum}")
        total += score
    return round2(total)


def mean(values: Iterable[Decimal]) -> Decimal | None:
    values = list(values)
    if not values:
        return None
    return round2(sum(values, Decimal(0)) / len(values))


def publishable(mean_score: Decimal | None, threshold: int | Decimal) -> bool:
    return mean_score is not None and mean_score >= Decimal(str(threshold))


def trimmed_mean(totals: list[Decimal], trim_at: int) -> Decimal | None:
    """With at least `trim_at` scores, drop one highest and one lowest, then average."""
    values = sorted(totals)
    if not values:
        return None
    if len(values) >= trim_at:
        values = values[1:-1]
    return mean(values)


def price_score(lowest: Decimal, price: Decimal, weight: int | Decimal) -> Decimal:
    """Government purchase: lowest price ÷ this price × weight."""
    if price <= 0:
        return Decimal(0)
    return round2(Decimal(lowest) / Decimal(price) * Decimal(weight))


def rank(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Order by total, then by the service-plan score, then by earlier submission; number them."""
    ordered = sorted(entries, key=lambda e: (-e["total"], -e["plan"], e["submitted_at"]))
    for position, entry in enumerate(ordered, start=1):
        entry["rank"] = position
    return ordered


def evaluation_total(scores: dict[str, Decimal | None], weights: dict[str, int], missing: str) -> tuple[Decimal, dict[str, Decimal]]:
    """Weighted total of the parties' scores (each 0–100). A party without a score either shares its
    weight among those that scored ("redistribute") or counts as 0 ("zero"). Returns the total and
    the weight each party effectively carried."""
    present = {p: w for p, w in weights.items() if scores.get(p) is not None}
    if not present:
        raise ValueError("no party scored")
    if missing == "redistribute":
        base = Decimal(sum(present.values()))
        used = {p: Decimal(w) * Decimal(100) / base if p in present else Decimal(0) for p, w in weights.items()}
    else:
        used = {p: Decimal(w) if p in present else Decimal(0) for p, w in weights.items()}
    total = sum((Decimal(scores[p]) * used[p] / 100 for p in present), Decimal(0))
    return round2(total), {p: round2(v) for p, v in used.items()}


def grade_for(total: Decimal, excellent: int, good: int, passed: int) -> str:
    if total >= excellent:
        return "excellent"
    if total >= good:
        return "good"
    if total >= passed:
        return "passed"
    return "failed"
