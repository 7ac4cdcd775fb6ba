"""Demo needs, wishes and projects at every state of 评榜 → 发榜, made through the domain layer
(so the audit chain and the notifications are the real ones)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from marketplace.domain.assess import needs
from marketplace.domain.core import accounts, clock
from marketplace.domain.tender import projects
from marketplace.extensions import db
from marketplace.models import Category, Community, Need, Regime, Role, Street, Urgency, User

NEEDS = [
    # (title, description, category code, beneficiaries, count, urgency)
    ("老年人助餐服务", "小区独居和高龄老人多，午餐做饭难，希望在社区设立助餐点并提供送餐上门。", "elderly", "独居、高龄老人", 60, Urgency.high),
    ("四点半课堂托管", "双职工家庭孩子放学后无人照看，希望社区开设四点半课堂，提供课后托管和作业辅导。", "youth", "小学生及其家庭", 45, Urgency.high),
    ("楼道文化营造", "老旧小区楼道杂物多、环境差，希望组织居民共同美化楼道，营造邻里文化。", "community", "老旧小区居民", 300, Urgency.medium),
    ("邻里纠纷调解室", "停车、噪音等邻里纠纷频发，希望有专业调解员定期驻点调解。", "legal", "社区居民", 500, Urgency.medium),
    ("困难家庭助学帮扶", "部分低保、残疾家庭子女学习条件差，希望提供助学辅导与心理陪伴。", "assistance", "困难家庭学生", 25, Urgency.urgent),
    ("智能手机使用培训", "老人不会用手机挂号、缴费，希望开展智能手机使用培训。", "elderly", "60岁以上居民", 80, Urgency.low),
    ("养老服务驿站活动", "社区养老驿站活动单一，希望引入专业机构开展健康讲座和文娱活动。", "elderly", "社区老人", 120, Urgency.medium),
    ("青少年心理健康讲座", "青少年学习压力大，希望开展心理健康讲座和团体辅导。", "youth", "中学生", 90, Urgency.medium),
    ("普法进社区", "居民对婚姻、继承等法律问题咨询需求多，希望定期开展普法讲座和法律咨询。", "legal", "社区居民", 400, Urgency.low),
    ("残疾人康复陪伴", "社区残疾人康复训练缺少专业指导，希望提供上门康复陪伴。", "assistance", "残疾人及家属", 18, Urgency.high),
    ("老年人助餐服务（重复登记）", "同一小区居民再次反映老人吃饭难的问题。", "elderly", "独居老人", 30, Urgency.high),
    ("社区花园共建", "小区空地闲置，希望居民共建社区花园。", "community", "社区居民", 200, Urgency.low),
]

WISHES = ["希望小区里多放几把休息的长椅", "孩子暑假没人看，希望社区办个暑期班", "希望有人教我用手机视频通话",
          "楼下路灯坏了很久了", "希望组织一次邻里节活动"]


def _secretary(community: Community, n: int) -> User:
    user = db.session.scalar(select(User).where(User.role == Role.secretary, User.community_id == community.id))
    return user or accounts.create_user("demo", username=f"secretary{n}", password="Licang-2026", check_strength=False,
                                        display_name=f"{community.name} 书记", role=Role.secretary,
                                        community_id=community.id)


def build_cycle() -> None:
    if db.session.scalar(select(Need.id).where(Need.title == NEEDS[0][0]).limit(1)) is not None:
        return  # already there
    licun = db.session.scalar(select(Street).where(Street.name == "李村街道"))
    communities = db.session.scalars(select(Community).where(Community.street_id == licun.id)
                                     .order_by(Community.id)).all()
    officer = db.session.scalar(select(User).where(User.username == "street"))
    experts = db.session.scalars(select(User).where(User.role == Role.expert).order_by(User.id)).all()
    categories = {c.code: c for c in db.session.scalars(select(Category))}
    secretaries = [_secretary(c, i + 2) for i, c in enumerate(communities[:4])]
    main = db.session.scalar(select(User).where(User.username == "secretary")) or secretaries[0]
    secretaries[0] = main

    # micro-wishes in the demo secretary's community: new, taken up, declined
    home = main.community
    wishes = [needs.submit_wish(home, text, None, f"192.0.2.{i}") for i, text in enumerate(WISHES)]
    db.session.flush()

    made: list[Need] = []
    for i, (title, description, cat, who, count, urgency) in enumerate(NEEDS):
        secretary = secretaries[i % len(secretaries)]
        if i in (5, 10):  # from a wish of the demo community; a duplicate of need 0
            secretary = secretaries[0]
        data = {"title": title, "description": description, "category_id": categories[cat].id,
                "beneficiaries": who, "beneficiaries_count": count, "urgency": urgency}
        made.append(needs.record_need(secretary, data, wish=wishes[2] if i == 5 else None))
    needs.decline_wish(main, wishes[3], "路灯维修属于市政报修范围，已转交街道城管科处理。")

    def review(need: Need, totals: list[tuple[int, int, int, int]]) -> None:
        chosen = experts[: len(totals)]
        needs.assign_reviewers(officer_for(need), need, chosen)
        for expert, (u, r, f, c) in zip(chosen, totals):
            item = next(x for x in need.reviews if x.reviewer_id == expert.id)
            needs.submit_review(expert, item, {
                "urgency": {"score": u, "reason": "居民反映集中，问题持续存在"},
                "reach": {"score": r, "reason": "受益人群明确"},
                "feasibility": {"score": f, "reason": "社区有场地，可由社会组织实施"},
                "cost": {"score": c, "reason": "预算测算基本合理"}})

    def officer_for(need: Need) -> User:
        return officer

    # approved → later in projects
    for need, totals in ((made[0], [(28, 22, 21, 17), (26, 20, 22, 16), (27, 23, 20, 18)]),
                         (made[1], [(27, 21, 22, 16), (25, 22, 20, 17)]),
                         (made[4], [(29, 20, 21, 17), (28, 19, 22, 18)]),
                         (made[3], [(24, 22, 20, 16), (25, 21, 21, 15)]),
                         (made[6], [(22, 20, 19, 15), (23, 21, 20, 16)]),
                         (made[7], [(22, 19, 20, 14)])):
        review(need, totals)
        needs.decide(officer, need, True, "")
    # rejected after review (below the threshold)
    review(made[2], [(12, 15, 14, 10), (14, 13, 12, 11)])
    needs.decide(officer, made[2], False, "评审均分低于发榜标准，建议社区通过居民自治方式解决。")
    # under review: one of two reviews in
    needs.assign_reviewers(officer, made[5], experts[3:5])
    item = next(x for x in made[5].reviews if x.reviewer_id == experts[3].id)
    needs.submit_review(experts[3], item, {k: {"score": v, "reason": "需求真实，实施简单"} for k, v in
                                           {"urgency": 18, "reach": 20, "feasibility": 23, "cost": 18}.items()})
    # the demo expert has one review waiting
    needs.assign_reviewers(officer, made[9], [experts[0]])
    # merged duplicate; recorded ones (8, 11) wait for the street
    needs.merge(main, made[10], made[0])

    now = clock.now()
    community_ids = lambda *ns: [n.community_id for n in ns]  # noqa: E731
    base = {"min_grade": None, "regime": Regime.community_fund,
            "criteria": projects.default_criteria(Regime.community_fund)}
    meal = projects.create(officer, [made[0]], {
        **base, "title": "李村街道老年人助餐服务项目", "scope": "在社区设立助餐点，为独居、高龄老人提供午餐及送餐上门服务，建立老人用餐档案。",
        "outputs": "服务老人不少于60人\n每周提供午餐5天\n送餐上门覆盖行动不便老人100%", "budget_cap": Decimal("120000"),
        "category_id": made[0].category_id, "community_ids": community_ids(made[0]),
        "bid_deadline": now + timedelta(days=20), "qa_deadline": now + timedelta(days=15)})
    projects.publish(officer, meal)
    after_school = projects.create(officer, [made[1]], {
        **base, "regime": Regime.government_purchase, "criteria": projects.default_criteria(Regime.government_purchase),
        "title": "四点半课堂课后托管服务", "scope": "为双职工家庭小学生提供放学后托管、作业辅导和素质拓展活动。",
        "outputs": "每学期服务学生不少于45人\n每周开放5天\n家长满意度不低于90%", "budget_cap": Decimal("260000"),
        "category_id": made[1].category_id, "community_ids": community_ids(made[1]), "min_grade": None,
        "bid_deadline": now + timedelta(days=25), "qa_deadline": now + timedelta(days=20)})
    projects.publish(officer, after_school)
    org_user = db.session.scalar(select(User).where(User.username == "org"))
    q1 = projects.ask(org_user, meal, "助餐点场地是否由社区免费提供？水电费用由谁承担？")
    projects.answer(officer, q1, "场地由社区免费提供，水电费用由社区承担，不计入项目预算。")
    projects.ask(org_user, after_school, "托管服务是否需要提供晚餐？")
    help_study = projects.create(officer, [made[4]], {
        **base, "title": "困难家庭学生助学陪伴", "scope": "为困难家庭学生提供学业辅导和心理陪伴。",
        "outputs": "结对帮扶学生25人\n每月陪伴不少于4次", "budget_cap": Decimal("50000"),
        "category_id": made[4].category_id, "community_ids": community_ids(made[4]),
        "bid_deadline": now + timedelta(days=30), "qa_deadline": now + timedelta(days=25)})
    projects.publish(officer, help_study)
    projects.withdraw(officer, help_study, "区教育部门已将该需求纳入全区助学专项统一实施，为避免重复投入撤回本项目。")
    projects.create(officer, [made[3]], {
        **base, "title": "邻里纠纷调解驻点服务", "scope": "在社区设立调解室，由专业调解员每周驻点。",
        "outputs": "每周驻点不少于2个半天\n调解成功率不低于80%", "budget_cap": Decimal("60000"),
        "category_id": made[3].category_id, "community_ids": community_ids(made[3]),
        "bid_deadline": now + timedelta(days=21), "qa_deadline": now + timedelta(days=16)})
    db.session.flush()
