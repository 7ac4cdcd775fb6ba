"""Demo projects through 揭榜 → 承榜, built in the past with the domain's clock so every rule and
audit entry is the real one: a finished award (after an upheld objection), a joint bid in its public
notice, a panel waiting for the demo expert, a failed tender, and an invitation for the demo organization."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from marketplace.domain.assess import needs
from marketplace.domain.core import accounts, clock
from marketplace.domain.tender import awards, bids, projects
from marketplace.extensions import db
from marketplace.models import (
    Bid,
    BidPartner,
    Category,
    Organization,
    PanelRole,
    Project,
    ProjectStatus,
    Regime,
    Role,
    Urgency,
    User,
)

def _user(username: str, org: Organization) -> User:
    return accounts.find_user(username) or accounts.create_user(
        "demo", username=username, password="Licang-2026", display_name=f"{org.name} 联系人", check_strength=False,
        role=Role.organization, organization_id=org.id)


def _approved(title: str, category: Category, secretary: User, officer: User, experts: list[User]):
    need = needs.record_need(secretary, {"title": title, "description": f"{title}：居民需求集中，社区反复反映。",
                                         "category_id": category.id, "beneficiaries": "社区居民",
                                         "beneficiaries_count": 80, "urgency": Urgency.high})
    needs.assign_reviewers(officer, need, experts[:2])
    for expert in experts[:2]:
        review = next(r for r in need.reviews if r.reviewer_id == expert.id)
        needs.submit_review(expert, review, {k: {"score": v, "reason": "需求真实，可行"} for k, v in
                                             {"urgency": 26, "reach": 21, "feasibility": 21, "cost": 16}.items()})
    needs.decide(officer, need, True, "")
    return need


def _project(officer: User, need, title: str, cap: str, deadline_days: float, regime=Regime.community_fund):
    now = clock.now()
    project = projects.create(officer, [need], {
        "title": title, "scope": f"{title}：由社会组织在社区提供专业服务。", "outputs": "服务居民不少于80人\n每月活动不少于4次",
        "budget_cap": Decimal(cap), "category_id": need.category_id, "community_ids": [need.community_id],
        "regime": regime, "min_grade": None, "criteria": projects.default_criteria(regime),
        "bid_deadline": now + timedelta(days=deadline_days), "qa_deadline": now + timedelta(days=deadline_days - 3)})
    projects.publish(officer, project)
    return project


def _bid(user: User, project: Project, total: str, plan: str, summary: str):
    bid = bids.save(user, project, {"summary": summary, "plan": plan, "team": "持证社工2名、志愿者10名", "outputs": "服务80人",
                                    "schedule": "12个月，按月开展", "budget": [
                                        {"item": "人员费用", "amount": str(Decimal(total) * Decimal("0.6"))},
                                        {"item": "活动物料", "amount": str(Decimal(total) * Decimal("0.4"))}]})
    return bid


def _panel_scores(project: Project, officer: User, panel: list[tuple[User, PanelRole]], bid_ids: list[int]):
    awards.set_panel(officer, project, panel)
    for bid_id in bid_ids:
        awards.schedule_roadshow(officer, db.session.get(Bid, bid_id), clock.now(), "街道党群服务中心三楼会议室")


def build_bidding() -> Iterator[float]:
    """A scenario: yields how many days ago its next step happens (see demo.run_in_time_order)."""
    if db.session.scalar(select(Project.id).where(Project.title == "楼院微更新陪伴服务")) is not None:
        return

    officer = db.session.scalar(select(User).where(User.username == "street"))
    secretary = db.session.scalar(select(User).where(User.username == "secretary"))
    experts = db.session.scalars(select(User).where(User.role == Role.expert).order_by(User.id)).all()
    department = db.session.scalar(select(User).where(User.username == "department"))
    demo_expert = experts[0]
    orgs = db.session.scalars(select(Organization).order_by(Organization.id)).all()
    categories = {c.code: c for c in db.session.scalars(select(Category))}
    yield 55
    users = {i: _user(f"org{i + 1}", orgs[i]) for i in (3, 4, 5, 6, 13, 14, 15)}
    resident = db.session.scalar(select(User).where(User.username == "resident"))
    assert officer and secretary and department and resident

    # A — a finished award, after an upheld objection reopened the first one
    yield 52
    need = _approved("楼院微更新陪伴服务", categories["community"], secretary, officer, experts[4:])
    a = _project(officer, need, "楼院微更新陪伴服务", "120000", 10)
    yield 47
    first = _bid(users[5], a, "98000", "以楼院议事会为平台，带领居民共同完成楼道、绿地的微更新，每月一次议事。",
                 "楼院议事会带居民自己定方案、动手改造楼道和绿地；社工2名、志愿者10名，预算9.8万元。")
    bids.submit(users[5], first)
    second = _bid(users[6], a, "105000", "组建居民志愿队，社工陪伴完成微更新方案设计与施工监督，留存全过程档案。",
                  "居民志愿队在社工陪伴下设计并监督楼院微更新，全过程留档；预算10.5万元。")
    bids.submit(users[6], second)
    yield 41.9
    awards.close_if_due(a)
    panel = [(officer, PanelRole.street), (experts[5], PanelRole.expert), (department, PanelRole.department)]
    _panel_scores(a, officer, panel, [first.id, second.id])
    for member, _role in panel:
        awards.declare(member, a)
        for bid, plan in ((first, 36), (second, 33)):
            awards.score(member, bid, {k: {"score": v, "reason": r} for k, (v, r) in {
                "plan": (plan, "方案结构清晰，居民参与设计到位" if plan > 35 else "方案可行，居民动员略弱"),
                "team": (16, "团队有社区营造经验"), "past": (12, "以往项目评价良好"),
                "budget": (12, "预算测算合理"), "roadshow": (8, "路演表达清楚")}.items()})
    yield 41
    decision = awards.award(officer, a, first)
    yield 40
    objection = awards.file_objection(resident, decision, "中标组织提交的持证社工证书已过有效期，请核查团队资质。")
    yield 39
    awards.decide_objection(officer, objection, True, "经核查，该组织两名社工证书均已过期，团队资质不符合要求，异议成立，重新评审。")
    awards.award(officer, a, second, "原排名第一的揭榜方团队资质不符合要求（异议成立），由排名第二的揭榜方承榜。")
    yield 25
    awards.finalize_if_due(a)

    # B — a joint bid in its public notice; C — a panel waiting for the demo expert;
    # D — a failed tender (流标). Their steps interleave in time order.
    yield 20
    need = _approved("社区心理健康陪伴计划", categories["youth"], secretary, officer, experts[6:])
    b = _project(officer, need, "社区心理健康陪伴计划", "150000", 12, Regime.government_purchase)
    yield 15
    joint = _bid(users[13], b, "140000", "由牵头方负责青少年团体辅导，合作方负责家长课堂和个案转介，形成家校社协同。",
                 "联合揭榜：青少年团体辅导加家长课堂和个案转介，家校社协同；预算14万元。")
    partner = bids.invite_partner(users[13], joint, orgs[14], "家长课堂与个案转介", 40, Decimal("56000"))
    bids.answer_invitation(users[14], partner, True)
    bids.submit(users[13], joint)
    alone = _bid(users[15], b, "128000", "开设青少年心理热线和每月一次的团体辅导。",
                 "青少年心理热线加每月一次团体辅导；预算12.8万元。")
    bids.submit(users[15], alone)
    yield 14
    need = _approved("独居老人助浴服务", categories["elderly"], secretary, officer, experts[2:])
    c = _project(officer, need, "独居老人助浴服务", "90000", 12)
    yield 12
    need = _approved("社区法律明白人培训", categories["legal"], secretary, officer, experts[8:])
    d = _project(officer, need, "社区法律明白人培训", "40000", 9)
    yield 8
    # 廉洁监督 demo: the second bidder of C shares the first one's phone and address and submits a
    # near-copy of its letter (a cover bid, 陪标) — the supervisor's desk shows both signals
    orgs[4].contact_phone, orgs[4].address = orgs[3].contact_phone, orgs[3].address
    plan_c = ("由持证护理员两人一组上门为独居老人助浴，每月两次，服务前评估老人身体状况和居家环境，服务中记录水温、"
              "时长和老人反应，服务后回访家属并填写满意度表；配备移动浴缸、防滑垫和急救包，每季度向社区报告服务情况。")
    copied_c = plan_c.replace("两人一组", "二人一组").replace("每季度", "每个季度")
    for i, plan, summary in ((3, plan_c, "专业护理员每月两次上门助浴；预算8.5万元。"),
                             (4, copied_c, "专业护理员每月两次上门助浴；预算8.6万元。")):
        bids.submit(users[i], _bid(users[i], c, "85000" if i == 3 else "86000", plan, summary))
    yield 7.9
    awards.close_if_due(b)
    gov_panel = [(officer, PanelRole.street)] + [(e, PanelRole.expert) for e in experts[7:11]]
    _panel_scores(b, officer, gov_panel, [joint.id, alone.id])
    for member, _role in gov_panel:
        awards.declare(member, b)
        for bid, plan in ((joint, 27), (alone, 22)):
            awards.score(member, bid, {k: {"score": v, "reason": "依据意向书和路演评定"} for k, v in
                                       {"plan": plan, "team": 17, "past": 12, "budget": 12, "roadshow": 8}.items()})
    yield 2.5
    awards.close_if_due(d)
    yield 1.5
    awards.close_if_due(c)
    awards.set_panel(officer, c, [(officer, PanelRole.street), (demo_expert, PanelRole.expert),
                                  (department, PanelRole.department)])
    for bid in awards.eligible_bids(c):
        awards.schedule_roadshow(officer, bid, clock.now() + timedelta(hours=3), "李村街道社区服务中心")
    awards.declare(officer, c)
    yield 1
    awards.award(officer, b, joint)
    db.session.flush()


def invite_demo_organization() -> None:
    """The demo organization has a joint-bid invitation waiting on an open project."""
    org_user = db.session.scalar(select(User).where(User.username == "org"))
    lead_org = db.session.scalar(select(Organization).order_by(Organization.id).offset(5).limit(1))
    lead = db.session.scalar(select(User).where(User.organization_id == lead_org.id))
    project = db.session.scalar(select(Project).where(Project.status == ProjectStatus.bidding,
                                                      Project.title == "李村街道老年人助餐服务项目"))
    if None in (org_user, lead, project) or db.session.scalar(select(BidPartner.id).where(
            BidPartner.organization_id == org_user.organization_id)):
        return
    bid = _bid(lead, project, "110000", "与社区食堂合作，提供老人午餐与送餐上门，建立用餐档案。",
               "社区食堂午餐加送餐上门，合作方招募送餐志愿者；预算11万元。")
    bids.invite_partner(lead, bid, org_user.organization, "送餐志愿者招募与管理", 30, Decimal("30000"))
