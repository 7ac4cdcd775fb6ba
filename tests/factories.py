"""Factories: callables with sensible defaults that add and flush (never commit)."""

from __future__ import annotations

import itertools
from datetime import date

from marketplace.domain import accounts, uscc
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
from marketplace.domain import clock

PASSWORD = "Passw0rd!x"
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
        registered_on=date(2018, 5, 1), legal_representative="张三", contact_name="李四",
        contact_phone="13800000000", status=status,
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
