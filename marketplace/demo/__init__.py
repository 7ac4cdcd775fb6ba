"""The demo district: Licang's 11 streets and 123 communities, departments, categories,
organizations across grades and alliances, an expert pool and one account per role.
`build_demo` is idempotent: it adds only what is missing."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from marketplace.demo import bidding as demo_bidding
from marketplace.demo import catalogue as demo_catalogue
from marketplace.demo import cycle as demo_cycle
from marketplace.demo import delivery as demo_delivery
from marketplace.demo import lists as demo_lists
from marketplace.demo import meetings as demo_meetings
from marketplace.domain.core import accounts, audit, clock, uscc
from marketplace.domain.orgs import standing
from marketplace.extensions import db
from marketplace.models import (
    Affiliation,
    AffiliationKind,
    Alliance,
    Category,
    Community,
    Department,
    ExpertProfile,
    Grade,
    NationalList,
    NationalListEntry,
    Organization,
    OrgType,
    Role,
    Street,
    User,
    VerificationStatus,
)
from marketplace.domain.integrity import scan

DEMO_PASSWORD = "Licang-2026"
# The demo administrator signs in with two-factor (as the district's must) using this published
# secret: add it to an authenticator app, or print the current code with `flask two-factor demo-code`.
DEMO_TOTP_SECRET = "LICANGDEMOADMINJIEBANGGUASHUAI23"
DIVISION = "370213"  # 李沧区 administrative division code

STREETS = ["振华路街道", "永清路街道", "永安路街道", "兴华路街道", "兴城路街道", "李村街道",
           "虎山路街道", "浮山路街道", "九水街道", "湘潭路街道", "楼山街道"]
_FIRST = "东西南北安福康和兴永金瑞"
_SECOND = "山园苑湖庄城河林岭泉华"

DEPARTMENTS = ["区民政局", "区卫生健康局", "区教育和体育局", "区司法局", "区人力资源和社会保障局",
               "区文化和旅游局"]

CATEGORIES = [
    ("elderly", "为老服务", "Elderly care"),
    ("youth", "未成年人保护", "Children and youth"),
    ("community", "社区营造", "Community building"),
    ("legal", "法律服务与矛盾调解", "Legal aid and mediation"),
    ("assistance", "困难群体帮扶", "Support for people in difficulty"),
]

_ORG_THEMES = ["悦读", "乐龄", "阳光", "汇心", "同心", "启航", "暖阳", "彩虹", "橄榄枝", "红帆",
               "邻里", "青禾", "晨曦", "和风", "善行", "爱心", "知行", "微光", "繁星", "向日葵",
               "金秋", "童心", "安康", "春晖", "共享", "携手", "益路", "馨家", "明德", "正心",
               "暖心", "守望"]
_ORG_KINDS = [
    (OrgType.private_non_enterprise, "社会工作服务中心"),
    (OrgType.social_group, "志愿者协会"),
    (OrgType.private_non_enterprise, "公益服务中心"),
    (OrgType.social_group, "调解协会"),
    (OrgType.foundation, "慈善基金会"),
]


def community_names() -> list[str]:
    """123 community names, unique in the district (generated; the real ones may replace them)."""
    return [f"{a}{b}社区" for a in _FIRST for b in _SECOND][:123]


@dataclass
class DemoAccount:
    role: Role
    username: str
    display_name: str
    note: str


def _get_or_add(model, defaults=None, **keys):
    obj = db.session.scalar(select(model).filter_by(**keys))
    if obj is None:
        obj = model(**keys, **(defaults or {}))
        db.session.add(obj)
        db.session.flush()
        audit.append("demo", f"{model.__tablename__}.created", obj, {**{k: str(v) for k, v in keys.items()}})
    return obj


def _code(rng: random.Random, org_type: OrgType) -> str:
    type_char = {"social_group": "1", "private_non_enterprise": "2", "foundation": "3"}[org_type.value]
    body = "".join(rng.choice("0123456789") for _ in range(8)) + rng.choice("0123456789X")
    return uscc.make("5" + type_char + DIVISION + body.replace("X", "Y"))


def build_demo(echo=print) -> list[DemoAccount]:
    """The district as it stands today, built in order: the foundation two months ago, the past
    tenders through the weeks since, today's needs and projects now (the audit chain stays in time order)."""
    start = clock.now()
    with clock.frozen(start - timedelta(days=230)):
        shown = _build_foundation()
        past = demo_delivery.scenarios(start)  # (creates the organizations' accounts now, 230 days ago)
    # the domain clock travels back, so every date is real and the audit chain stays in time order
    run_in_time_order(start, [*past, demo_bidding.build_bidding(), demo_lists.scenario(start)])
    demo_cycle.build_cycle()
    demo_bidding.invite_demo_organization()
    demo_catalogue.build_catalogue()
    demo_meetings.build_meetings(DEMO_PASSWORD)  # after the catalogue: its items are presented

    scan.scan("demo")  # the supervisor's desk (what `flask integrity scan` and the tick do)
    return shown


def run_in_time_order(start, scenarios) -> None:
    """Advance several scenarios step by step, always the earliest pending step first. A scenario is a
    generator yielding how many days before `start` its next step happens."""
    pending = []
    for order, scenario in enumerate(scenarios):
        when = next(scenario, None)
        if when is not None:
            pending.append((-when, order, scenario))
    while pending:
        pending.sort(key=lambda item: (item[0], item[1]))
        negative_days, order, scenario = pending.pop(0)
        with clock.frozen(start - timedelta(days=-negative_days)):
            when = next(scenario, None)
        if when is not None:
            if when > -negative_days:
                raise RuntimeError("a demo scenario went back in time")
            pending.append((-when, order, scenario))


def _build_foundation() -> list[DemoAccount]:
    rng = random.Random(2026)  # same district every time
    today = clock.today()

    streets = []
    names = community_names()
    for i, name in enumerate(STREETS):
        street = _get_or_add(Street, name=name, defaults={"code": f"LC{i + 1:02d}"})
        streets.append(street)
    per_street = [12, 12] + [11] * 9  # 123 communities
    offset = 0
    communities: list[Community] = []
    for street, count in zip(streets, per_street, strict=True):
        for name in names[offset:offset + count]:
            communities.append(_get_or_add(Community, street_id=street.id, name=name))
        offset += count

    departments = [_get_or_add(Department, name=name) for name in DEPARTMENTS]
    categories = [_get_or_add(Category, code=code, defaults={"name": zh, "name_en": en})
                  for code, zh, en in CATEGORIES]

    orgs: list[Organization] = []
    alliances = list(Alliance)
    grades = [None, Grade.a1, Grade.a2, Grade.a3, Grade.a3, Grade.a4, Grade.a4, Grade.a5]
    for i, theme in enumerate(_ORG_THEMES):
        org_type, suffix = _ORG_KINDS[i % len(_ORG_KINDS)]
        name = f"李沧区{theme}{suffix}"
        org = db.session.scalar(select(Organization).where(Organization.name == name))
        code = _code(rng, org_type)
        grade = grades[i % len(grades)]
        announced = date(today.year - 1 - (i % 4), 6, 15)
        if i == 7:  # a grade that has expired: counts as none
            announced = date(today.year - 7, 6, 15)
        if org is not None:
            orgs.append(org)
            continue
        status = VerificationStatus.verified
        if i in (29, 30):
            status = VerificationStatus.pending
        elif i == 31:
            status = VerificationStatus.rejected
        org = Organization(
            name=name, uscc=code, org_type=org_type,
            registered_on=date(2010 + i % 14, 1 + i % 12, 1 + i % 27),
            legal_representative=rng.choice("王李张刘陈杨赵黄周吴") + rng.choice(["伟", "芳", "敏", "静", "磊", "洋", "艳", "杰"]),
            contact_name=rng.choice("王李张刘陈杨赵黄周吴") + rng.choice(["丽", "强", "军", "霞", "平", "刚"]),
            contact_phone=f"1{rng.choice('35789')}{rng.randrange(10**8, 10**9)}",
            contact_email=f"contact{i + 1}@example.org",
            address=f"青岛市李沧区{streets[i % 11].name[:-2]}{rng.randrange(1, 300)}号",
            description=f"{theme}：扎根社区，专注{categories[i % 5].name}。",
            alliance=alliances[i % 5], status=status,
            status_reason="统一社会信用代码证书扫描件不清晰，请重新上传后再提交。" if i == 31 else None,
            verified_at=clock.now() if status is VerificationStatus.verified else None,
        )
        if grade is not None:
            org.grade = grade
            org.grade_valid_from, org.grade_valid_until = standing.grade_validity(announced, 5)
        org.categories = [categories[i % 5], categories[(i + 2) % 5]]
        org.streets = [streets[i % 11], streets[(i + 3) % 11]]
        db.session.add(org)
        db.session.flush()
        audit.append("demo", "organization.registered", org, {"name": org.name, "uscc": org.uscc})
        if status is VerificationStatus.verified:
            audit.append("demo", "organization.verified", org, {"name": org.name})
        elif status is VerificationStatus.rejected:
            audit.append("demo", "organization.rejected", org, {"reason": org.status_reason})
        if i == 12:
            db.session.add(NationalListEntry(
                organization_id=org.id, kind=NationalList.abnormal, listed_on=today - timedelta(days=40),
                source="青岛市李沧区民政局 2026年第3号公告", note="未按时提交年度工作报告"))
            audit.append("demo", "organization.national_listed", org, {"kind": "abnormal"})
        orgs.append(org)

    accounts_made: list[DemoAccount] = []

    def account(role: Role, username: str, display_name: str, note: str, **fields) -> User:
        user = accounts.find_user(username)
        if user is None:
            user = accounts.create_user("demo", username=username, password=DEMO_PASSWORD, check_strength=False,
                                        display_name=display_name, role=role, **fields)
        accounts_made.append(DemoAccount(role, username, display_name, note))
        return user

    licun = streets[5]
    licun_community = next(c for c in communities if c.street_id == licun.id)
    admin = account(Role.admin, "admin", "区社会组织服务中心 管理员",
                    f"verify organizations, rules, console; two-factor code: `flask two-factor demo-code` "
                    f"or an authenticator app with the key {DEMO_TOTP_SECRET}")
    if admin.totp_enabled_at is None:
        admin.totp_secret, admin.totp_enabled_at = DEMO_TOTP_SECRET, clock.now()
    account(Role.supervisor, "supervisor", "区纪委监委派驻纪检监察组 监督员",
            "integrity desk: open flags, evidence, dismiss or refer with a reason")
    account(Role.street, "street", "李村街道 项目办", f"{licun.name}", street_id=licun.id)
    account(Role.secretary, "secretary", f"{licun_community.name} 书记", str(licun_community),
            community_id=licun_community.id)
    account(Role.department, "department", "区民政局 社会组织科", departments[0].name,
            department_id=departments[0].id)
    expert = account(Role.expert, "expert", "刘教授", "expert pool")
    account(Role.organization, "org", f"{orgs[0].name} 联系人", orgs[0].name, organization_id=orgs[0].id)
    account(Role.resident, "resident", "居民 王阿姨", str(licun_community), community_id=licun_community.id)
    account(Role.organization, "pending-org", f"{orgs[29].name} 联系人", f"{orgs[29].name} (awaiting verification)",
            organization_id=orgs[29].id)

    fields = ["社会工作", "养老服务", "儿童发展", "法律", "财务审计", "社区治理", "心理咨询",
              "公共管理", "项目评估", "志愿服务"]
    employers = ["青岛大学", "中国海洋大学", "青岛科技大学", "青岛市社会工作协会", "山东某会计师事务所",
                 "青岛市律师协会", "李沧区社会组织评估中心"]
    experts = [expert] + [
        account(Role.expert, f"expert{n}", f"{rng.choice('王李张刘陈杨赵黄周吴')}{rng.choice(['老师', '研究员', '律师', '会计师'])}{n}",
                "expert pool")
        for n in range(2, 13)
    ]
    for n, user in enumerate(experts):
        if user.expert_profile is None:
            db.session.add(ExpertProfile(user_id=user.id, title=["教授", "副研究员", "律师", "注册会计师"][n % 4],
                                         employer=employers[n % len(employers)],
                                         fields="、".join([fields[n % 10], fields[(n + 3) % 10]]),
                                         third_party=n % 4 == 3))
    db.session.flush()
    # A tie the conflict check will know about: expert3 sits on the board of the second organization.
    tied = accounts.find_user("expert3")
    if tied is not None and not tied.affiliations:
        db.session.add(Affiliation(user_id=tied.id, organization_id=orgs[1].id, kind=AffiliationKind.board,
                                   started_on=today - timedelta(days=800), ended_on=today - timedelta(days=200),
                                   note="曾任理事"))
        db.session.flush()
        audit.append("demo", "affiliation.recorded", tied, {"organization": orgs[1].id, "kind": "board"})
    # keep only the unique accounts list (the expert pool is summarised)
    shown = [a for a in accounts_made if not a.username.startswith("expert") or a.username == "expert"]
    return shown


def is_empty() -> bool:
    return db.session.scalar(select(User.id).limit(1)) is None
