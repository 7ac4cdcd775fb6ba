"""The configurable rules of SPEC §3: each default declared once here, read through `get_rule`,
overridden by the district administrator (stored in `settings`, every change audited)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.domain.core import audit, clock, permissions
from marketplace.domain.core.errors import ValidationError
from marketplace.extensions import db
from marketplace.models import Setting


@dataclass(frozen=True)
class Rule:
    key: str
    default: Any
    label: Any
    group: str
    kind: str = "int"  # int | decimal | choice
    minimum: float | None = 0
    maximum: float | None = None
    unit: Any = ""
    choices: tuple[tuple[str, Any], ...] = ()

    def display(self, value: Any) -> Any:
        return dict(self.choices).get(value, value) if self.kind == "choice" else value


@dataclass(frozen=True)
class RuleGroup:
    key: str
    label: Any
    sums_to: int | None = None  # weights that must add up to this


_pts, _days, _wdays, _pct = _l("points"), _l("days"), _l("working days"), "%"

GROUPS = [
    RuleGroup("need_weights", _l("评榜 · need review criteria (weights)"), sums_to=100),
    RuleGroup("assess", _l("评榜 · assessment")),
    RuleGroup("publish", _l("发榜 · publishing")),
    RuleGroup("regime", _l("Government purchase (政府购买服务)")),
    RuleGroup("bid", _l("揭榜 · bidding")),
    RuleGroup("capacity", _l("揭榜 · capacity limit by grade (资源限流)")),
    RuleGroup("award_weights", _l("承榜 · award criteria (weights)"), sums_to=100),
    RuleGroup("award", _l("承榜 · panel and award")),
    RuleGroup("grade_points", _l("承榜 · award points by rating grade")),
    RuleGroup("delivery", _l("履约 · delivery")),
    RuleGroup("eval_weights", _l("考榜 · evaluation parties (weights)"), sums_to=100),
    RuleGroup("eval", _l("考榜 · grade bands")),
    RuleGroup("credit", _l("信用 · credit")),
    RuleGroup("lists", _l("红黑榜 · red/black list")),
    RuleGroup("ordering", _l("点单会 · ordering meetings")),
    RuleGroup("due", _l("Due dates and reminders")),
]

RULES: list[Rule] = [
    Rule("need.weight.urgency", 30, _l("Urgency"), "need_weights", unit=_pts),
    Rule("need.weight.reach", 25, _l("Reach"), "need_weights", unit=_pts),
    Rule("need.weight.feasibility", 25, _l("Feasibility"), "need_weights", unit=_pts),
    Rule("need.weight.cost", 20, _l("Cost reasonableness"), "need_weights", unit=_pts),
    Rule("need.publish_threshold", 60, _l("Minimum mean review score to publish"), "assess",
         maximum=100, unit=_pts),
    Rule("project.bid_window_min_days", 7, _l("Minimum bidding window"), "publish", minimum=1,
         unit=_days),
    Rule("project.qa_close_days", 2, _l("Q&A closes this many days before the deadline"),
         "publish", unit=_days),
    Rule("regime.gov.panel_min", 5, _l("Minimum panel size"), "regime", minimum=3),
    Rule("regime.gov.expert_share_pct", Decimal("66.67"), _l("Minimum share of experts on the panel"),
         "regime", kind="decimal", maximum=100, unit=_pct),
    Rule("regime.gov.price_weight_min", 10, _l("Price criterion, minimum weight"), "regime",
         maximum=100, unit=_pct),
    Rule("regime.gov.price_weight_max", 30, _l("Price criterion, maximum weight"), "regime",
         maximum=100, unit=_pct),
    Rule("regime.gov.notice_working_days", 7, _l("Public notice and challenge window"), "regime",
         minimum=1, unit=_wdays),
    Rule("bid.max_partners", 3, _l("Partners in a joint bid (besides the lead)"), "bid"),
    Rule("capacity.none", 1, _l("No grade / 1A / 2A"), "capacity", minimum=1),
    Rule("capacity.3A", 2, "3A", "capacity", minimum=1),
    Rule("capacity.4A", 3, "4A", "capacity", minimum=1),
    Rule("capacity.5A", 4, "5A", "capacity", minimum=1),
    Rule("award.weight.plan", 40, _l("Service plan"), "award_weights", unit=_pts),
    Rule("award.weight.team", 20, _l("Team and qualifications"), "award_weights", unit=_pts),
    Rule("award.weight.past", 15, _l("Past performance"), "award_weights", unit=_pts),
    Rule("award.weight.budget", 15, _l("Budget reasonableness"), "award_weights", unit=_pts),
    Rule("award.weight.roadshow", 10, _l("Roadshow"), "award_weights", unit=_pts),
    Rule("award.panel_min", 3, _l("Minimum panel size"), "award", minimum=3),
    Rule("award.panel_default", 5, _l("Default panel size"), "award", minimum=3),
    Rule("award.trim_at", 5, _l("Drop highest and lowest total from this many scores"), "award",
         minimum=3),
    Rule("award.red_list_bonus", Decimal("2"), _l("Red-list bonus"), "award", kind="decimal",
         unit=_pts),
    Rule("award.notice_working_days", 5, _l("Public notice period"), "award", minimum=1,
         unit=_wdays),
    Rule("award.conflict_years", 3, _l("Look-back for board seats and control"), "award",
         unit=_l("years")),
    Rule("grade_points.1A", Decimal("0"), "1A", "grade_points", kind="decimal", unit=_pts),
    Rule("grade_points.2A", Decimal("0"), "2A", "grade_points", kind="decimal", unit=_pts),
    Rule("grade_points.3A", Decimal("0"), "3A", "grade_points", kind="decimal", unit=_pts),
    Rule("grade_points.4A", Decimal("0"), "4A", "grade_points", kind="decimal", unit=_pts),
    Rule("grade_points.5A", Decimal("0"), "5A", "grade_points", kind="decimal", unit=_pts),
    Rule("delivery.overdue_days", 14, _l("A milestone overdue this long opens an intervention"),
         "delivery", minimum=1, unit=_days),
    Rule("delivery.complaints", 3, _l("Upheld complaints that open an intervention"), "delivery",
         minimum=1),
    Rule("delivery.rectification_days", 10, _l("Rectification plan due within"), "delivery",
         minimum=1, unit=_days),
    Rule("eval.weight.party", 30, _l("Community/street party organization"), "eval_weights",
         unit=_pts),
    Rule("eval.weight.residents", 30, _l("Residents"), "eval_weights", unit=_pts),
    Rule("eval.weight.department", 20, _l("Functional department"), "eval_weights", unit=_pts),
    Rule("eval.weight.experts", 20, _l("Experts / third party"), "eval_weights", unit=_pts),
    Rule("eval.missing_party", "redistribute", _l("A party that did not score"), "eval_weights", kind="choice",
         choices=(("redistribute", _l("its weight is shared among the parties that scored")),
                  ("zero", _l("it counts as 0 points")))),
    Rule("eval.band.excellent", 90, _l("优秀 (excellent) from"), "eval", maximum=100, unit=_pts),
    Rule("eval.band.good", 80, _l("良好 (good) from"), "eval", maximum=100, unit=_pts),
    Rule("eval.band.pass", 60, _l("合格 (pass) from"), "eval", maximum=100, unit=_pts),
    Rule("credit.window_months", 24, _l("Evaluations counted over the last"), "credit",
         minimum=1, unit=_l("months")),
    Rule("credit.exit", -20, _l("Exit (淘汰退出)"), "credit", minimum=-100, maximum=0, unit=_pts),
    Rule("credit.upheld_objection", -5, _l("Upheld objection or complaint"), "credit",
         minimum=-100, maximum=0, unit=_pts),
    Rule("credit.withdrawal_after_award", -10, _l("Withdrawal after award"), "credit",
         minimum=-100, maximum=0, unit=_pts),
    Rule("credit.excellent", 2, _l("优秀 evaluation bonus"), "credit", maximum=100, unit=_pts),
    Rule("lists.period_months", 3, _l("List period"), "lists", minimum=1, maximum=12,
         unit=_l("months")),
    Rule("lists.appeal_working_days", 10, _l("Appeal window"), "lists", minimum=1, unit=_wdays),
    Rule("lists.red_min_credit", 90, _l("Red list: credit at least"), "lists", maximum=100,
         unit=_pts),
    Rule("lists.black_below_credit", 60, _l("Black list: credit below"), "lists", maximum=100,
         unit=_pts),
    Rule("lists.ban_months", 12, _l("Black-listed organizations cannot bid for"), "lists",
         minimum=1, unit=_l("months")),
    Rule("lists.exemplary_periods", 2, _l("Exemplary proposal: consecutive red periods"), "lists",
         minimum=1),
    Rule("lists.grade_validity_years", 5, _l("Rating grade validity"), "lists", minimum=1,
         unit=_l("years")),
    Rule("ordering.direct_commission_limit", Decimal("50000"), _l(
        "Direct-commission limit: an accepted order up to this budget (community fund only) becomes a "
        "commissioned project; above it, a draft project for the street to publish"), "ordering",
        kind="decimal", minimum=1, unit=_l("yuan")),
    Rule("ordering.order_window_days", 14, _l("Communities order until this many days after the meeting"),
         "ordering", minimum=1, maximum=90, unit=_days),
    Rule("due.response_days", 10, _l("Staff answer wishes, complaints, reviews and confirmations within"),
         "due", minimum=1, unit=_days),
    Rule("due.scoring_days", 10, _l("Panel members score within this many days of the bidding deadline"),
         "due", minimum=1, unit=_days),
    Rule("due.evaluation_days", 30, _l("The four parties evaluate within this many days of the closing sign-off"),
         "due", minimum=1, unit=_days),
    Rule("due.remind_days", 3, _l("Reminders are sent this many days before a deadline"), "due",
         minimum=1, maximum=30, unit=_days),
]

BY_KEY: dict[str, Rule] = {r.key: r for r in RULES}
GROUP_BY_KEY: dict[str, RuleGroup] = {g.key: g for g in GROUPS}


def _coerce(rule: Rule, raw: Any) -> Any:
    if rule.kind == "choice":
        if raw not in dict(rule.choices):
            raise ValueError(raw)
        return raw
    return Decimal(str(raw)) if rule.kind == "decimal" else int(raw)


def _overrides() -> dict[str, Any]:
    """All stored overrides, read once per request (rules are read many times per page)."""
    if has_app_context() and "rule_overrides" in g:
        return g.rule_overrides
    values = dict(db.session.execute(select(Setting.key, Setting.value)).all())
    if has_app_context():
        g.rule_overrides = values
    return values


def get_rule(key: str) -> Any:
    rule = BY_KEY[key]  # an unknown key is a programming error, not a user one
    stored = _overrides().get(key)
    return rule.default if stored is None else _coerce(rule, stored)


def get_group(group: str) -> dict[str, Any]:
    return {r.key: get_rule(r.key) for r in RULES if r.group == group}


def weights(group: str) -> dict[str, int]:
    """A weights group by short name, e.g. weights("need_weights") → {"urgency": 30, ...}."""
    return {key.rsplit(".", 1)[1]: value for key, value in get_group(group).items()
            if BY_KEY[key].kind != "choice"}


def validate_group(group: str, values: dict[str, Any]) -> dict[str, Any]:
    """Coerce and check a group's new values; raise ValidationError naming the field."""
    clean: dict[str, Any] = {}
    for rule in (r for r in RULES if r.group == group):
        raw = values.get(rule.key)
        try:
            value = _coerce(rule, raw)
        except (TypeError, ValueError, InvalidOperation):
            raise ValidationError(_l("Enter a number."), field=rule.key) from None
        if rule.kind == "choice":
            clean[rule.key] = value
            continue
        if rule.minimum is not None and value < rule.minimum:
            raise ValidationError(_l("Must be at least %(n)s.", n=rule.minimum), field=rule.key)
        if rule.maximum is not None and value > rule.maximum:
            raise ValidationError(_l("Must be at most %(n)s.", n=rule.maximum), field=rule.key)
        clean[rule.key] = value
    spec = GROUP_BY_KEY[group]
    weights = [v for k, v in clean.items() if BY_KEY[k].kind != "choice"]
    if spec.sums_to is not None and sum(weights) != spec.sums_to:
        raise ValidationError(_l("The weights add up to %(total)s; they must add up to %(n)s.",
                                 total=sum(weights), n=spec.sums_to))
    if group == "regime" and clean["regime.gov.price_weight_min"] > clean["regime.gov.price_weight_max"]:
        raise ValidationError(_l("The minimum price weight cannot exceed the maximum."),
                              field="regime.gov.price_weight_min")
    if group == "eval" and not (clean["eval.band.excellent"] > clean["eval.band.good"] > clean["eval.band.pass"]):
        raise ValidationError(_l("Grade bands must fall: excellent > good > pass."))
    if group == "lists" and clean["lists.black_below_credit"] > clean["lists.red_min_credit"]:
        raise ValidationError(_l("The black-list threshold cannot exceed the red-list threshold."))
    if group == "award" and clean["award.panel_default"] < clean["award.panel_min"]:
        raise ValidationError(_l("The default panel cannot be smaller than the minimum."),
                              field="award.panel_default")
    return clean


def set_group(actor: Any, group: str, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Store a group's new values (all or nothing) and audit what changed: {key: (old, new)}."""
    permissions.require(actor, "rules.edit")
    clean = validate_group(group, values)
    changes: dict[str, tuple[Any, Any]] = {}
    written = []
    for key, value in clean.items():
        old = get_rule(key)
        if value == old:
            continue
        row = db.session.get(Setting, key) or Setting(key=key)
        row.value = str(value) if isinstance(value, Decimal) else value
        row.updated_by_id = actor.id
        row.updated_at = clock.now()
        db.session.add(row)
        written.append(row)
        changes[key] = (old, value)
    if changes:
        g.pop("rule_overrides", None)
        audit.append(actor, "rules.changed", ("settings", None),
                     {"group": group, "changes": {k: [str(o), str(n)] for k, (o, n) in changes.items()}},
                     rows=written)
    return changes


def grouped() -> list[tuple[RuleGroup, list[tuple[Rule, Any]]]]:
    """Every group with each rule's current value, for the admin form and the public rules page."""
    return [(grp, [(r, get_rule(r.key)) for r in RULES if r.group == grp.key]) for grp in GROUPS]


@audit.row_document("settings")
def _setting_row(row: Setting) -> dict[str, Any]:
    return audit.columns_document(row)
