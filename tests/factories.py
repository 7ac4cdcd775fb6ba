"""Factories: callables with sensible defaults that add and flush (never commit)."""

from __future__ import annotations

import itertools
from datetime import date

from marketplace.domain.core import accounts, uscc
from marketplace.extensions import db
from marketplace.models import (
    Category,
    Community,
    Department,
    Grade,
    Organization,
    OrgType,
    Role,
    Street,
    User,
    VerificationStatus,
)
from marketplace.domain.core import clock

PASSWORD = "Quiet-harbour-47"
_seq = itertools.count(1)


def make_street(name: str | None = None) -> Street:
    n = next(_seq)
    street = Street(name=name or f"测试{n}街道", code=f"T{n:03d}")
    db.session.add(street)
    db.session.flush()
    return street


def make_community(street: Street | None = None, name: str | None = None) -> Community:
    street = street or make_street()
    community = Community(street=street, name=name or f"测试{next(_seq)}社区")
    db.session.add(community)
    db.session.flush()
    return community


def make_category(name: str | None = None) -> Category:
    n = next(_seq)
    category = Category(code=f"c{n}", name=name or f"类别{n}", name_en=f"Category {n}")
    db.session.add(category)
    db.session.flush()
    return category


def make_department(name: str | None = None) -> Department:
    department = Department(name=name or f"测试局{next(_seq)}")
    db.session.add(department)
    db.session.flush()
    return department


def valid_code(n: int | None = None, type_char: str = "2") -> str:
    n = next(_seq) if n is None else n
    return uscc.make(f"5{type_char}370213{n:08d}1")


def make_org(status: VerificationStatus = VerificationStatus.verified, grade: Grade | None = None,
             valid: tuple[date, date] | None = None, **kw) -> Organization:
    n = next(_seq)
    org = Organization(
        name=kw.pop("name", f"测试社会工作服务中心{n}"), uscc=kw.pop("uscc", valid_code(n)),
        org_type=kw.pop("org_type", OrgType.private_non_enterprise),
        registered_on=date(2018, 5, 1), legal_representative=kw.pop("legal_representative", "张三"), contact_name="李四",
        contact_phone=kw.pop("contact_phone", "13800000000"), status=status,
        status_reason="材料不全" if status is VerificationStatus.rejected else None,
        verified_at=clock.now() if status is VerificationStatus.verified else None, **kw)
    if grade is not None:
        org.grade = grade
        org.grade_valid_from, org.grade_valid_until = valid or (date(2024, 1, 1), date(2028, 12, 31))
    db.session.add(org)
    db.session.flush()
    return org


def make_user(role: Role = Role.resident, username: str | None = None, **scope) -> User:
    """A user with the scope its role needs (created on the fly when not given)."""
    if role is Role.secretary and "community_id" not in scope:
        scope["community_id"] = make_community().id
    if role is Role.street and "street_id" not in scope:
        scope["street_id"] = make_street().id
    if role is Role.organization and "organization_id" not in scope:
        scope["organization_id"] = make_org().id
    if role is Role.department and "department_id" not in scope:
        scope["department_id"] = make_department().id
    return accounts.create_user(None, username=username or f"{role.value}{next(_seq)}",
                                password=PASSWORD, display_name=f"{role.label}测试",
                                role=role, **scope)


def need_data(category=None, **kw) -> dict:
    from marketplace.models import Urgency

    data = {"title": "老年人助餐服务", "description": "社区独居老人多，午餐没有着落，希望开设助餐点。",
            "category_id": (category or make_category()).id, "beneficiaries": "独居老人",
            "beneficiaries_count": 40, "urgency": Urgency.high}
    data.update(kw)
    return data


def make_need(secretary: User | None = None, **kw):
    from marketplace.domain.assess import needs

    secretary = secretary or make_user(Role.secretary)
    return needs.record_need(secretary, need_data(**kw))


def review_scores(urgency=25, reach=20, feasibility=20, cost=15, reason="理由充分") -> dict:
    return {"urgency": {"score": urgency, "reason": reason}, "reach": {"score": reach, "reason": reason},
            "feasibility": {"score": feasibility, "reason": reason}, "cost": {"score": cost, "reason": reason}}


def approved_need(street_officer: User | None = None, secretary: User | None = None):
    """A need reviewed (total 80) and approved by its street."""
    from marketplace.domain.assess import needs

    if secretary is None:
        community = make_community(street_officer.street if street_officer else None)
        secretary = make_user(Role.secretary, community_id=community.id)
    officer = street_officer or make_user(Role.street, street_id=secretary.community.street_id)
    need = make_need(secretary)
    expert = make_user(Role.expert)
    needs.assign_reviewers(officer, need, [expert])
    needs.submit_review(expert, need.reviews[0], review_scores())
    needs.decide(officer, need, True, "")
    return need, officer


def project_data(officer: User, **kw) -> dict:
    from datetime import timedelta
    from decimal import Decimal

    from marketplace.models import Community, Regime

    now = clock.now()
    community = db.session.scalar(db.select(Community).where(Community.street_id == officer.street_id)) \
        or make_community(officer.street)
    data = {"title": "助餐服务项目", "scope": "为独居老人提供午餐配送", "outputs": "每周配送5天\n服务40人",
            "budget_cap": Decimal("80000.00"), "category_id": make_category().id,
            "regime": Regime.community_fund, "min_grade": None, "bid_deadline": now + timedelta(days=10),
            "qa_deadline": now + timedelta(days=7), "community_ids": [community.id],
            "criteria": {"plan": 40, "team": 20, "past": 15, "budget": 15, "roadshow": 10}}
    data.update(kw)
    return data


def published_project(**kw):
    """A project open for bids (deadline in 10 days) and its street officer."""
    from marketplace.domain.tender import projects

    need, officer = approved_need()
    project = projects.create(officer, [need], project_data(officer, **kw))
    projects.publish(officer, project)
    return project, officer


def bidder(grade=None, **kw):
    """A verified organization with one user."""
    org = make_org(grade=grade, **kw)
    return make_user(Role.organization, organization_id=org.id)


def bid_data(total="50000", **kw) -> dict:
    data = {"summary": "为老人每周五天配送午餐", "plan": "每周五天配送午餐", "team": "社工3人、厨师2人", "outputs": "服务40人", "schedule": "12个月",
            "budget": [{"item": "餐费", "amount": total}]}
    data.update(kw)
    return data


def submitted_bid(project, user=None, total="50000"):
    from marketplace.domain.tender import bids

    user = user or bidder()
    bid = bids.save(user, project, bid_data(total))
    bids.submit(user, bid)
    return bid, user


def two_competitors_sharing_a_phone():
    """A published project with two bids whose organizations give the same phone (an integrity signal)."""
    project, _officer = published_project()
    first = bidder(contact_phone="13912345678", legal_representative="王一")
    second = bidder(contact_phone="139 1234 5678", legal_representative="赵二")
    submitted_bid(project, first)
    submitted_bid(project, second)
    return project, first.organization, second.organization


def project_in_delivery():
    """A project whose award is final: (project, street officer, winning organization's user, secretary)."""
    from datetime import timedelta

    from marketplace.domain.tender import awards
    from marketplace.models import PanelRole

    project, officer = published_project()
    bid, winner = submitted_bid(project, total="60000")
    expert, department = make_user(Role.expert), make_user(Role.department)
    secretary = make_user(Role.secretary, community_id=project.communities[0].id)
    with clock.frozen(project.bid_deadline + timedelta(hours=1)):
        awards.close_if_due(project)
        awards.set_panel(officer, project, [(officer, PanelRole.street), (expert, PanelRole.expert),
                                            (department, PanelRole.department)])
        awards.schedule_roadshow(officer, bid, clock.now(), "线上")
        for user in (officer, expert, department):
            awards.declare(user, project)
            awards.score(user, bid, {k: {"score": v, "reason": "理由"} for k, v in
                                     {"plan": 35, "team": 15, "past": 10, "budget": 10, "roadshow": 8}.items()})
        awards.award(officer, project, bid)
    with clock.frozen(project.bid_deadline + timedelta(days=10)):
        awards.finalize_if_due(project)
    return project, officer, winner, secretary


def bare_project():
    """A project row with the least it needs (for ledgers that point to projects)."""
    from datetime import timedelta
    from decimal import Decimal

    from marketplace.models import Project, ProjectStatus, Regime

    n = next(_seq)
    project = Project(code=f"LCXM-T-{n:05d}", title=f"项目{n}", scope="-", outputs="-", budget_cap=Decimal("1000"),
                      category_id=make_category().id, street_id=make_street().id, regime=Regime.community_fund,
                      bid_deadline=clock.now() + timedelta(days=10), qa_deadline=clock.now() + timedelta(days=7),
                      criteria={"plan": 100}, status=ProjectStatus.evaluated, published_at=clock.now())
    db.session.add(project)
    db.session.flush()
    return project.id


def pdf_bytes(title: str = "plan") -> bytes:
    """A small real PDF (one blank page; the title in its metadata and, readable in the raw bytes, in
    a comment after the end): uploads parse what they receive."""
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": title})
    out = BytesIO()
    writer.write(out)
    return out.getvalue() + b"%" + title.encode() + b"\n"


def service_data(category=None, streets=None, **kw) -> dict:
    from decimal import Decimal

    from marketplace.models import PriceBasis

    data = {"name": "上门助浴服务", "category_id": (category or make_category()).id,
            "description": "助浴员携带移动助浴设备上门，为失能老人洗浴、擦身、洗头。",
            "audience": "失能、半失能老年人", "whole_district": not streets,
            "street_ids": [s.id for s in streets or []], "price": Decimal("120"), "price_basis": PriceBasis.per_unit,
            "price_unit": "次", "monthly_capacity": 40, "team": "持证护理员 6 名"}
    data.update(kw)
    return data


def listed_service(org_user=None, admin=None, **kw):
    """A service item listed by the district (its organization verified)."""
    from marketplace.domain.supply import catalogue

    org_user = org_user or make_user(Role.organization)
    admin = admin or make_user(Role.admin)
    item = catalogue.create(org_user, service_data(**kw))
    catalogue.submit(org_user, item)
    catalogue.approve(admin, item)
    return item
def totp_code(username: str) -> str:
    """The code an authenticator app shows now for this account — or the next one when the current
    has been used (a code is accepted once), waiting for it to become valid if need be."""
    import time

    import pyotp
    from sqlalchemy import func, select

    from marketplace.models import User

    db.session.commit()  # read what the server committed, and hold no snapshot afterwards
    secret, last = db.session.execute(select(User.totp_secret, User.totp_last_step).where(
        func.lower(User.username) == username.lower())).one()
    db.session.commit()
    step = int(time.time()) // 30
    if last is not None and last >= step:
        step = last + 1
        while int(time.time()) // 30 < step - 1:  # the server accepts one step ahead
            time.sleep(0.5)
    return pyotp.TOTP(secret).at(step * 30)
