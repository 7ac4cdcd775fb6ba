from decimal import Decimal

import pytest
from werkzeug.exceptions import Forbidden

from marketplace.domain.core import scoring
from marketplace.domain.credit import ledger
from marketplace.domain.deliver import delivery, evaluations
from marketplace.domain.core.errors import InvalidTransition, ValidationError
from marketplace.extensions import db
from marketplace.models import CreditEvent, EvaluationGrade, Party, ProjectStatus, Role, Setting
from tests.domain.test_delivery import planned
from tests.factories import make_user

WEIGHTS = {"party": 30, "residents": 30, "department": 20, "experts": 20}


@pytest.mark.parametrize(("total", "grade"), [
    ("59.99", "failed"), ("60", "passed"), ("79.99", "passed"), ("80", "good"), ("89.99", "good"), ("90", "excellent")])
def test_grade_bands_at_their_boundaries(total, grade):
    assert scoring.grade_for(Decimal(total), 90, 80, 60) == grade


def test_weighted_total_with_all_parties():
    scores = {"party": Decimal(90), "residents": Decimal(80), "department": Decimal(70), "experts": Decimal(60)}
    total, used = scoring.evaluation_total(scores, WEIGHTS, "redistribute")
    assert total == Decimal("77.00")  # 27 + 24 + 14 + 12


def test_a_missing_party_is_redistributed_or_counted_as_zero():
    scores = {"party": Decimal(90), "residents": None, "department": Decimal(70), "experts": Decimal(60)}
    redistributed, used = scoring.evaluation_total(scores, WEIGHTS, "redistribute")
    # (90×30 + 70×20 + 60×20) / 70 = 75.71…
    assert redistributed == Decimal("75.71") and used["residents"] == Decimal("0.00")
    zero, _ = scoring.evaluation_total(scores, WEIGHTS, "zero")
    assert zero == Decimal("53.00")


def in_evaluation():
    project, officer, winner, secretary = planned()
    for m in delivery.milestones(project):
        delivery.report_progress(winner, m, "完成", 30, "1000", delivered=True)
        delivery.confirm_milestone(secretary, m, True)
    delivery.submit_closing(winner, project, {"outputs": "服务60人", "beneficiaries": 60, "spending": "2000",
                                              "lessons": "提前招募志愿者"})
    delivery.sign_off(secretary, project)
    return project, officer, winner, secretary


def score(user, project, value):
    criteria = evaluations.INSTRUMENTS[evaluations.my_evaluator(project, user).party]
    share = Decimal(value) / 100
    return evaluations.submit(user, project, {k: {"score": str(m * share), "reason": "依据结项材料"}
                                              for k, m in criteria.items()})


def test_four_parties_codes_and_the_grade_feed_credit():
    project, officer, winner, secretary = in_evaluation()
    department, expert = make_user(Role.department), make_user(Role.expert)
    evaluations.assign(officer, project, [(secretary, Party.party), (department, Party.department),
                                          (expert, Party.experts)])
    with pytest.raises(ValidationError):
        evaluations.assign(officer, project, [(make_user(Role.expert), Party.department)])
    assert score(secretary, project, 90).total == Decimal("90.00")
    score(department, project, 90)
    score(expert, project, 100)
    with pytest.raises(InvalidTransition):  # once
        score(expert, project, 10)
    codes = evaluations.issue_codes(secretary, project, 3)
    all_fives = {k: 5 for k in evaluations.SURVEY_QUESTIONS}
    evaluations.answer_survey(project, codes[0].code, all_fives)
    evaluations.answer_survey(project, codes[1].code.lower(), {k: 4 for k in evaluations.SURVEY_QUESTIONS})
    with pytest.raises(InvalidTransition):  # a used code
        evaluations.answer_survey(project, codes[0].code, all_fives)
    with pytest.raises(ValidationError):  # a forged code
        evaluations.answer_survey(project, "ABCDEFGHJK", all_fives)
    with pytest.raises(ValidationError):  # unanswered question
        evaluations.answer_survey(project, codes[2].code, {"attitude": 5})
    assert evaluations.residents_score(project) == (Decimal("90.00"), 2)
    result = evaluations.finalize(officer, project)
    # 90×.3 + 90×.3 + 90×.2 + 100×.2 = 92
    assert result.total == Decimal("92.00") and result.grade is EvaluationGrade.excellent
    assert project.status is ProjectStatus.evaluated
    kinds = {e.kind: e.points for e in db.session.scalars(db.select(CreditEvent))}
    assert kinds["evaluation"] == Decimal("92.00") and kinds["excellent"] == Decimal("2.00")
    assert ledger.score(winner.organization_id).value == Decimal("94.00")
    with pytest.raises(InvalidTransition):  # closed: no more scores
        evaluations.answer_survey(project, codes[2].code, all_fives)


def test_a_code_from_another_project_is_refused():
    one = in_evaluation()
    two = in_evaluation()
    code = evaluations.issue_codes(one[3], one[0], 1)[0]
    with pytest.raises(ValidationError):
        evaluations.answer_survey(two[0], code.code, {k: 3 for k in evaluations.SURVEY_QUESTIONS})


def test_missing_party_rule_applies_and_is_recorded():
    db.session.add(Setting(key="eval.missing_party", value="zero"))
    db.session.flush()
    from flask import g
    g.pop("rule_overrides", None)
    project, officer, _winner, secretary = in_evaluation()
    evaluations.assign(officer, project, [(secretary, Party.party)])
    score(secretary, project, 100)
    result = evaluations.finalize(officer, project)
    assert result.total == Decimal("30.00") and result.missing_rule == "zero" and result.grade.value == "failed"


def test_after_closing_only_an_audited_correction_changes_the_scores():
    project, officer, winner, secretary = in_evaluation()
    evaluations.assign(officer, project, [(secretary, Party.party)])
    score(secretary, project, 70)
    result = evaluations.finalize(officer, project)
    assert result.total == Decimal("70.00")
    with pytest.raises(Forbidden):
        evaluations.correct(officer, project, Party.party, 80, "录入错误")
    admin = make_user(Role.admin)
    with pytest.raises(ValidationError):
        evaluations.correct(admin, project, Party.party, 80, "")
    evaluations.correct(admin, project, Party.party, 85, "社区党组织评分录入错误，依原始评分表更正")
    assert result.total == Decimal("85.00") and result.grade is EvaluationGrade.good
    assert result.corrections[-1]["from"] == "70.00" and result.corrections[-1]["to"] == "85"
    assert ledger.score(winner.organization_id).evaluation_mean == Decimal("85.00")
