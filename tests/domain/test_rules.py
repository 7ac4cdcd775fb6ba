from decimal import Decimal

import pytest
from werkzeug.exceptions import Forbidden

from marketplace.domain.core import audit, rules
from marketplace.domain.core.errors import ValidationError
from marketplace.extensions import db
from marketplace.models import AuditEntry, Role, Setting
from tests.factories import make_user

SPEC_DEFAULTS = {
    "need.weight.urgency": 30, "need.weight.reach": 25, "need.weight.feasibility": 25,
    "need.weight.cost": 20, "need.publish_threshold": 60, "project.bid_window_min_days": 7,
    "project.qa_close_days": 2, "regime.gov.panel_min": 5, "regime.gov.price_weight_min": 10,
    "regime.gov.price_weight_max": 30, "regime.gov.notice_working_days": 7, "bid.max_partners": 3,
    "capacity.none": 1, "capacity.3A": 2, "capacity.4A": 3, "capacity.5A": 4,
    "award.weight.plan": 40, "award.weight.team": 20, "award.weight.past": 15,
    "award.weight.budget": 15, "award.weight.roadshow": 10, "award.panel_min": 3,
    "award.panel_default": 5, "award.trim_at": 5, "award.red_list_bonus": Decimal(2),
    "award.notice_working_days": 5, "award.conflict_years": 3, "delivery.overdue_days": 14,
    "delivery.complaints": 3, "delivery.rectification_days": 10, "eval.weight.party": 30,
    "eval.weight.residents": 30, "eval.weight.department": 20, "eval.weight.experts": 20,
    "eval.band.excellent": 90, "eval.band.good": 80, "eval.band.pass": 60,
    "credit.window_months": 24, "credit.exit": -20, "credit.upheld_objection": -5,
    "credit.withdrawal_after_award": -10, "credit.excellent": 2, "lists.period_months": 3,
    "lists.appeal_working_days": 10, "lists.red_min_credit": 90, "lists.black_below_credit": 60,
    "lists.ban_months": 12, "lists.exemplary_periods": 2, "lists.grade_validity_years": 5,
}


def test_every_spec_default_is_declared_with_its_value():
    for key, value in SPEC_DEFAULTS.items():
        assert rules.get_rule(key) == value, key


def test_weight_groups_add_up_to_100_by_default():
    for group in ("need_weights", "award_weights", "eval_weights"):
        assert sum(rules.weights(group).values()) == 100
    assert rules.weights("need_weights") == {"urgency": 30, "reach": 25, "feasibility": 25, "cost": 20}


def test_a_stored_override_wins_and_is_read_back_typed():
    db.session.add(Setting(key="award.red_list_bonus", value="2.5"))
    db.session.add(Setting(key="need.publish_threshold", value=65))
    db.session.commit()
    from flask import g
    g.pop("rule_overrides", None)
    assert rules.get_rule("award.red_list_bonus") == Decimal("2.5")
    assert rules.get_rule("need.publish_threshold") == 65


def test_admin_changes_a_group_and_it_is_audited():
    admin = make_user(Role.admin)
    changes = rules.set_group(admin, "need_weights", {
        "need.weight.urgency": "40", "need.weight.reach": "20", "need.weight.feasibility": "20",
        "need.weight.cost": "20"})
    db.session.commit()
    assert changes == {"need.weight.urgency": (30, 40), "need.weight.reach": (25, 20),
                       "need.weight.feasibility": (25, 20)}
    assert rules.get_rule("need.weight.urgency") == 40
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "rules.changed")).one()
    assert entry.actor_id == admin.id
    assert audit.details(entry)["changes"]["need.weight.urgency"] == ["30", "40"]
    assert audit.verify_chain().ok


def test_weights_not_adding_up_are_refused_and_nothing_is_saved():
    admin = make_user(Role.admin)
    with pytest.raises(ValidationError) as err:
        rules.set_group(admin, "award_weights", {
            "award.weight.plan": 50, "award.weight.team": 20, "award.weight.past": 15,
            "award.weight.budget": 15, "award.weight.roadshow": 10})
    assert "110" in err.value.message
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Setting.key))) == 0


@pytest.mark.parametrize(("group", "values", "field"), [
    ("assess", {"need.publish_threshold": "abc"}, "need.publish_threshold"),
    ("assess", {"need.publish_threshold": "101"}, "need.publish_threshold"),
    ("publish", {"project.bid_window_min_days": "0", "project.qa_close_days": "2"},
     "project.bid_window_min_days"),
])
def test_out_of_range_or_non_numeric_values_name_their_field(group, values, field):
    admin = make_user(Role.admin)
    with pytest.raises(ValidationError) as err:
        rules.set_group(admin, group, values)
    assert err.value.field == field


def test_inconsistent_bands_are_refused():
    admin = make_user(Role.admin)
    with pytest.raises(ValidationError):
        rules.set_group(admin, "eval", {"eval.band.excellent": 80, "eval.band.good": 85,
                                        "eval.band.pass": 60})


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.admin])
def test_only_the_district_administrator_edits_rules(role):
    user = make_user(role)
    with pytest.raises(Forbidden):
        rules.set_group(user, "assess", {"need.publish_threshold": 70})
    assert rules.get_rule("need.publish_threshold") == 60
