"""The demo district's 资源清单: about 170 service items over the 5 categories from the demo
organizations (the descriptions of the matching benchmark's catalogue, each offered by two or three
organizations with their own streets and prices), some paused or retired; the demo organization
`org` has a draft, a returned item and one waiting for the district's review."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from marketplace.domain.core import audit, clock
from marketplace.domain.supply import catalogue
from marketplace.extensions import db
from marketplace.models import (
    Category,
    Organization,
    PriceBasis,
    ServiceItem,
    ServiceStatus,
    Street,
    VerificationStatus,
)

DATA = Path(__file__).with_name("catalogue.json")
# (unit, basis, lowest price, highest price) by category
PRICING = {
    "elderly": ("次", PriceBasis.per_unit, 40, 220),
    "youth": ("课时", PriceBasis.per_unit, 60, 300),
    "community": ("期", PriceBasis.per_period, 3000, 20000),
    "legal": ("次", PriceBasis.per_unit, 100, 800),
    "assistance": ("月", PriceBasis.per_period, 300, 2500),
}
TEAMS = ["持证社会工作者 {n} 名，志愿者 {m} 名", "专职人员 {n} 名（含中级社工师），合作专家 {m} 名",
         "项目主管 1 名，一线服务人员 {n} 名，志愿者 {m} 名"]


def build_catalogue(rng: random.Random | None = None) -> list[ServiceItem]:
    """Idempotent: does nothing when the catalogue already has items."""
    if db.session.scalar(select(ServiceItem.id).limit(1)) is not None:
        return []
    rng = rng or random.Random(170)
    rows = json.loads(DATA.read_text(encoding="utf-8"))
    categories = {c.code: c for c in db.session.scalars(select(Category))}
    streets = list(db.session.scalars(select(Street).order_by(Street.id)))
    by_name = {s.name: s for s in streets}
    orgs = list(db.session.scalars(select(Organization).where(Organization.status == VerificationStatus.verified)
                                   .order_by(Organization.id)))
    offering = {code: [o for o in orgs if any(c.code == code for c in o.categories)] for code in categories}
    turn = {code: 0 for code in categories}
    made: list[ServiceItem] = []
    now = clock.now()
    for n, row in enumerate(rows):
        code = row["category"]
        candidates = offering.get(code) or orgs
        for copy in range(3 if n % 3 else 2):
            org = candidates[turn[code] % len(candidates)]
            turn[code] += 1
            if any(i.organization_id == org.id and i.name == row["name"] for i in made):
                continue
            unit, basis, low, high = PRICING[code]
            item = ServiceItem(code=catalogue.service_code(), organization_id=org.id, category_id=categories[code].id,
                               name=row["name"], description=row["description"], audience=row["audience"],
                               price=Decimal(rng.randrange(low, high + 1, 10 if high < 1000 else 100)),
                               price_basis=basis, price_unit=unit, monthly_capacity=rng.choice([10, 20, 30, 40, 60, 80]),
                               team=rng.choice(TEAMS).format(n=rng.randrange(2, 9), m=rng.randrange(5, 40)),
                               status=ServiceStatus.listed, submitted_at=now, listed_at=now)
            item.organization = org
            if copy == 0 and row["streets"] != "全区":
                item.streets = [by_name[s] for s in row["streets"] if s in by_name]
            elif copy == 0 or rng.random() < 0.25:
                item.whole_district = True
            else:
                item.streets = sorted({*rng.sample(org.streets, k=len(org.streets)), rng.choice(streets)},
                                      key=lambda s: s.id)
            if not item.whole_district and not item.streets:
                item.whole_district = True
            db.session.add(item)
            db.session.flush()
            item.search_text = catalogue._tokens(item)
            audit.append("demo", "service.created", item, {"code": item.code, "status": "draft",
                                                           "values": catalogue._snapshot(item)})
            audit.append("demo", "service.listed", item, {"code": item.code, "from": "submitted", "to": "listed"})
            made.append(item)
    for k, item in enumerate(made):
        if k % 17 == 5:
            item.status = ServiceStatus.paused
            audit.append("demo", "service.paused", item, {"code": item.code, "from": "listed", "to": "paused",
                                                          "reason": "服务人员调整，暂停接单一个月"})
        elif k % 23 == 11:
            item.status, item.retired_at = ServiceStatus.retired, now
            audit.append("demo", "service.retired", item, {"code": item.code, "from": "listed", "to": "retired",
                                                           "reason": "项目整合，不再单独提供"})
    made += _demo_org_items(orgs[0], categories, streets, now)
    db.session.flush()
    return made


def _demo_org_items(org, categories, streets, now) -> list[ServiceItem]:
    """What the demo organization `org` is working on: a draft, an item returned with a reason, one
    waiting for the district's review."""
    specs = [
        ("社区读书会与老年阅读陪伴", "elderly", ServiceStatus.draft, None,
         "每周在社区活动室组织读书会，为视力不好的老人读报、读书，交流读后感。", "社区老年人，特别是独居、视力下降的老人"),
        ("楼院睦邻节策划执行", "community", ServiceStatus.returned, "请补充每期活动的参与人数和预算明细。",
         "以楼院为单位策划睦邻节：百家宴、才艺展示、旧物交换，培育楼长和居民骨干。", "社区全体居民"),
        ("老年人智能手机培训班", "elderly", ServiceStatus.submitted, None,
         "小班教学，手把手教老人使用微信视频、健康码、网上挂号和防范电信诈骗。", "60岁以上、不会用智能手机的老人"),
    ]
    made = []
    for name, code, status, reason, description, audience in specs:
        unit, basis, low, _high = PRICING[code]
        item = ServiceItem(code=catalogue.service_code(), organization_id=org.id, category_id=categories[code].id,
                           name=name, description=description, audience=audience, price=Decimal(low * 3),
                           price_basis=basis, price_unit=unit, monthly_capacity=20, team="专职社工 3 名，志愿者 12 名",
                           status=status, return_reason=reason,
                           submitted_at=now if status is not ServiceStatus.draft else None)
        item.organization = org
        item.streets = list(org.streets) or streets[:1]
        db.session.add(item)
        db.session.flush()
        item.search_text = catalogue._tokens(item)
        audit.append("demo", "service.created", item, {"code": item.code, "status": "draft"})
        if status is not ServiceStatus.draft:
            audit.append("demo", "service.submitted", item, {"code": item.code, "from": "draft", "to": "submitted"})
        if status is ServiceStatus.returned:
            audit.append("demo", "service.returned", item, {"code": item.code, "from": "submitted", "to": "returned",
                                                            "reason": reason})
        made.append(item)
    return made
