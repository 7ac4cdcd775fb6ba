"""Demo projects through 履约 → 考榜: four evaluated projects (one per grade), one in delivery with
progress and photos, one under intervention, one exited and published again. Each scenario is a
generator that yields how many days ago its next step happens; demo.run_in_time_order interleaves
them so the audit chain stays in time order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

from PIL import Image, ImageDraw
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from marketplace.demo.bidding import _approved, _user
from marketplace.domain.core import clock
from marketplace.domain.deliver import delivery, evaluations
from marketplace.domain.tender import awards, bids, projects
from marketplace.extensions import db
from marketplace.models import Category, Organization, PanelRole, Party, Project, Regime, Role, User

LEVELS = {"excellent": 96, "good": 85, "passed": 70, "failed": 45}


def _photo(name: str, colour: tuple[int, int, int]) -> FileStorage:
    image = Image.new("RGB", (800, 600), colour)
    ImageDraw.Draw(image).rectangle((60, 60, 740, 540), outline=(255, 255, 255), width=8)
    buffer = BytesIO()
    image.save(buffer, "JPEG")
    buffer.seek(0)
    return FileStorage(buffer, filename=f"{name}.jpg")


def _tender(begin: float, title: str, category: Category, people: dict, winner: User, rival: User,
            box: dict, stray: bool = False) -> Iterator[float]:
    """Need → project → two bids → panel → award → final with an approved plan (20 days). With `stray`,
    the panel has five members and one of them (expert5) scores every bid far under the rest — in three
    tenders, the supervisor's 评分离群 (outlier rater) flag; the trimmed consensus drops the score, the
    award is the same."""
    officer, secretary, experts, department = people["officer"], people["secretary"], people["experts"], people["department"]
    yield begin
    need = _approved(title, category, secretary, officer, experts)
    now = clock.now()
    project = projects.create(officer, [need], {
        "title": title, "scope": f"{title}：由社会组织为社区居民提供专业服务。", "outputs": "服务居民不少于60人\n每月活动不少于4次",
        "budget_cap": Decimal("80000"), "category_id": category.id, "community_ids": [need.community_id],
        "regime": Regime.community_fund, "min_grade": None, "criteria": projects.default_criteria(),
        "bid_deadline": now + timedelta(days=10), "qa_deadline": now + timedelta(days=7)})
    projects.publish(officer, project)
    box["project"] = project
    yield begin - 5
    first = bids.save(winner, project, {"summary": f"{title}：社工3名分组服务60人，过程留档；预算7.2万元。", "plan": f"{title}的实施方案：需求评估、分组服务、过程记录。", "team": "社工3名",
                                        "outputs": "服务60人", "schedule": "按月实施",
                                        "budget": [{"item": "服务费", "amount": "72000"}]})
    bids.submit(winner, first)
    second = bids.save(rival, project, {"summary": f"{title}：以志愿服务为主，服务40人；预算6.5万元。", "plan": f"{title}：以志愿服务为主。", "team": "志愿者", "outputs": "服务40人",
                                        "schedule": "按季实施", "budget": [{"item": "服务费", "amount": "65000"}]})
    bids.submit(rival, second)
    yield begin - 10.5
    awards.close_if_due(project)
    panel = [(officer, PanelRole.street), (experts[0], PanelRole.expert), (department, PanelRole.department)]
    outlier = experts[3] if stray else None  # expert5
    if stray:
        panel += [(experts[4], PanelRole.expert), (outlier, PanelRole.expert)]
    awards.set_panel(officer, project, panel)
    for bid in (first, second):
        awards.schedule_roadshow(officer, bid, clock.now(), "街道会议室")
    for member, _r in panel:
        awards.declare(member, project)
        for bid, plan in ((first, 36), (second, 28)):
            marks = {"plan": plan, "team": 16, "past": 12, "budget": 12, "roadshow": 8}
            if member is outlier:  # every criterion well under the panel, with reasons of its own
                awards.score(member, bid, {k: {"score": round(v * 0.8), "reason": r} for (k, v), r in zip(
                    marks.items(), ("方案细节不足", "团队经验一般", "过往项目评价一般", "预算依据不充分", "路演回答较笼统"))})
            else:
                awards.score(member, bid, {k: {"score": v, "reason": "依据意向书与路演"} for k, v in marks.items()})
    yield begin - 11
    decision = awards.award(officer, project, first)
    # the notice runs 5 working days, longer across a public holiday (端午, 国庆): final the day after
    yield begin - max(20, 11 + (decision.notice_ends_on - clock.today()).days + 1)
    awards.finalize_if_due(project)
    deal = delivery.contract(project)
    delivery.set_plan(winner, project, [
        {"output": "入户需求评估", "due_on": deal.starts_on + timedelta(days=14), "tranche": "24000"},
        {"output": "开展服务并总结", "due_on": deal.starts_on + timedelta(days=45), "tranche": "48000"}])
    delivery.approve_plan(officer, project)


def _deliver_all(project: Project, winner: User, secretary: User, with_photo: bool = True) -> None:
    for m, colour in zip(delivery.milestones(project), ((46, 125, 50), (21, 101, 192))):
        delivery.report_progress(winner, m, f"完成“{m.output}”，服务记录已归档。", 30, str(m.tranche * Decimal("0.9")),
                                 photos=[_photo(m.output, colour)] if with_photo else None, delivered=True)
        delivery.confirm_milestone(secretary, m, True)


def _graded(begin: float, title: str, category: Category, people: dict, winner: User, rival: User,
            level: str, stray: bool = False) -> Iterator[float]:
    box: dict = {}
    yield from _tender(begin, title, category, people, winner, rival, box, stray)
    project, secretary, officer = box["project"], people["secretary"], people["officer"]
    yield begin - 40
    _deliver_all(project, winner, secretary, with_photo=level in ("excellent", "good"))
    yield begin - 41
    deal = delivery.contract(project)
    delivery.submit_closing(winner, project, {"outputs": "服务目标全部完成" if level != "failed" else "仅完成部分服务目标",
                                              "beneficiaries": 60, "spending": str(deal.amount * Decimal("0.9")),
                                              "lessons": "提前与社区对接服务名单，效果更好。"})
    delivery.sign_off(secretary, project)
    evaluators = [(secretary, Party.party), (people["department"], Party.department), (people["experts"][1], Party.experts)]
    evaluations.assign(officer, project, evaluators)
    share = Decimal(LEVELS[level]) / 100
    for user, party in evaluators:
        evaluations.submit(user, project, {k: {"score": str((m * share).quantize(Decimal("0.5"))),
                                               "reason": "依据结项材料和实地走访"}
                                           for k, m in evaluations.INSTRUMENTS[party].items()})
    stars = max(1, min(5, round(LEVELS[level] / 20)))
    for code in evaluations.issue_codes(secretary, project, 6)[:4]:
        evaluations.answer_survey(project, code.code, {k: stars for k in evaluations.SURVEY_QUESTIONS})
    yield begin - 42
    evaluations.finalize(officer, project)


def _evaluating(begin: float, people: dict, winner: User, rival: User, category: Category) -> Iterator[float]:
    """Closed and signed off; the community has scored, the survey is running: 考榜 in progress."""
    box: dict = {}
    yield from _tender(begin, "社区助残康复服务", category, people, winner, rival, box)
    project, secretary = box["project"], people["secretary"]
    yield begin - 40
    _deliver_all(project, winner, secretary)
    yield 4
    deal = delivery.contract(project)
    delivery.submit_closing(winner, project, {"outputs": "完成康复陪伴 18 人、家属培训 6 场", "beneficiaries": 18,
                                              "spending": str(deal.amount * Decimal("0.95")),
                                              "lessons": "家属参与是康复效果的关键。"})
    delivery.sign_off(secretary, project)
    evaluations.assign(people["officer"], project, [(secretary, Party.party), (people["department"], Party.department),
                                                    (people["experts"][0], Party.experts)])
    evaluations.submit(secretary, project, {k: {"score": str(m * Decimal("0.9")), "reason": "服务对象反映良好"}
                                            for k, m in evaluations.INSTRUMENTS[Party.party].items()})
    for code in evaluations.issue_codes(secretary, project, 12)[:3]:
        evaluations.answer_survey(project, code.code, {k: 5 for k in evaluations.SURVEY_QUESTIONS})


def _running(begin: float, people: dict, winner: User, rival: User, category: Category) -> Iterator[float]:
    box: dict = {}
    yield from _tender(begin, "居家养老上门服务", category, people, winner, rival, box)
    yield begin - 30
    first = delivery.milestones(box["project"])[0]
    delivery.report_progress(winner, first, "完成60户入户需求评估，建立服务档案。", 60, "21000",
                             photos=[_photo("入户评估", (46, 125, 50))], delivered=True)
    delivery.confirm_milestone(people["secretary"], first, True)
    yield 3
    second = delivery.milestones(box["project"])[1]
    delivery.report_progress(winner, second, "上门服务进行中，本月服务45人次。", 45, "15000",
                             photos=[_photo("上门服务", (21, 101, 192))])


def _exited(begin: float, people: dict, winner: User, rival: User, category: Category) -> Iterator[float]:
    box: dict = {}
    yield from _tender(begin, "残疾人就业辅导", category, people, winner, rival, box)
    project = box["project"]
    # the first milestone falls due 35 days after `begin` (the contract starts the day after the award
    # is final, day 20); 15 days later it is overdue beyond the limit
    yield begin - 51
    item = delivery.check_interventions(project)
    yield begin - 63  # the 10-day window for a rectification plan has passed
    delivery.decide_rectification(people["officer"], item, False, "逾期未提交整改方案，服务长期中断。")
    yield 2
    now = clock.now()
    awards.republish(people["officer"], project, now + timedelta(days=14), now + timedelta(days=10))


def _troubled(begin: float, people: dict, winner: User, rival: User, category: Category) -> Iterator[float]:
    box: dict = {}
    yield from _tender(begin, "社区矛盾调解进楼院", category, people, winner, rival, box)
    yield 1
    item = delivery.check_interventions(box["project"])
    delivery.file_rectification(winner, item, "增派两名调解员驻点，每周三固定接待，两周内补齐入户走访。")


def days_into_quarter(day) -> int:
    return (day - day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)).days


def scenarios(start) -> list[Iterator[float]]:
    """`start` is the demo's today: the failed evaluation falls in the current quarter, after the previous
    quarter's list is published (demo.lists), so org24 is black-listed in the current quarter only and
    its appeal, once upheld, lets it bid again (the README's story)."""
    if db.session.scalar(select(Project.id).where(Project.title == "老年人健康管理服务")) is not None:
        return []
    people = {"officer": db.session.scalar(select(User).where(User.username == "street")),
              "secretary": db.session.scalar(select(User).where(User.username == "secretary")),
              "department": db.session.scalar(select(User).where(User.username == "department")),
              "experts": db.session.scalars(select(User).where(User.role == Role.expert).order_by(User.id)).all()[1:]}
    orgs = db.session.scalars(select(Organization).order_by(Organization.id)).all()
    categories = db.session.scalars(select(Category).order_by(Category.id)).all()
    users = {i: _user(f"org{i + 1}", orgs[i]) for i in (7, 15, 21, 22, 23, 24)}
    rival = users[24]
    failed_ago = max(0.5, min(48, days_into_quarter(start.astimezone(clock.LOCAL_TZ).date()) - 8))
    return [
        _graded(190, "老年人健康管理服务", categories[0], people, users[15], rival, "excellent", stray=True),
        _graded(186, "青少年暑期托管", categories[1], people, users[21], rival, "good", stray=True),
        _graded(182, "社区文化节策划", categories[2], people, users[22], rival, "passed", stray=True),
        _graded(42 + failed_ago, "困境儿童关爱行动", categories[1], people, users[23], rival, "failed"),
        _running(70, people, users[21], rival, categories[0]),
        _exited(125, people, users[7], rival, categories[4]),
        _troubled(100, people, users[22], rival, categories[3]),
        _evaluating(95, people, users[15], rival, categories[4]),
    ]
