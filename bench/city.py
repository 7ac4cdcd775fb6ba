"""A city-sized district for the benchmarks, generated once into a scratch database and reused.

At scale 1 (the issue's T2, meant for PostgreSQL): 12,000 organizations, 400,000 needs, 150,000
projects, ~750,000 bids with the panel's scores, 2,000,000 audit-chain entries, and the desks of the
demo accounts filled accordingly (the street's and the community's needs, the expert's reviews, the
organization's bids, everyone's notifications). `--scale 0.25` is the SQLite size (T2/4).

The schema is made by the migrations (as a deployment makes it), then the demo district is built
through the domain (so every stage has real, consistent projects: the detail pages use those), then
the bulk rows are inserted in batches on top, the audit chain continued from the demo's head (the
chain verifies), and the planner statistics refreshed (`ANALYZE`). A `bench_meta` table records the
scale and the generator version: a second run with the same scale reuses the data.

    .venv/bin/python bench/city.py --database sqlite:////tmp/bench-city.db --scale 0.25
    .venv/bin/python bench/city.py --database postgresql://postgres@127.0.0.1:5432/bench --scale 1
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

# the checkout first; this folder off the path (bench/http.py would shadow the standard library's http)
sys.path[:] = [str(Path(__file__).resolve().parent.parent)] + [
    p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

VERSION = 1  # bump when the generated shape changes: older data sets are regenerated
WORDS = ["助餐", "托管", "养老", "助学", "调解", "普法", "康复", "心理", "花园", "楼道", "手机", "阅读", "文化",
         "志愿", "陪伴", "课堂", "健康", "讲座", "驿站", "邻里"]
CRITERIA = {"plan": 40, "team": 20, "past": 15, "budget": 15, "roadshow": 10}
BATCH = 5000

# share of the projects in each state (the rest of the cycle's shape follows from it)
PROJECT_MIX = [("draft", 0.02), ("bidding", 0.12), ("withdrawn", 0.03), ("failed", 0.03), ("reviewing", 0.05),
               ("notice", 0.05), ("delivery", 0.25), ("evaluation", 0.05), ("evaluated", 0.38), ("exited", 0.02)]
NEED_MIX = [("recorded", 0.30), ("in_review", 0.15), ("approved", 0.08), ("rejected", 0.10), ("merged", 0.02),
            ("in_project", 0.35)]
AWARDED = {"notice", "delivery", "evaluation", "evaluated", "exited"}
PANEL = AWARDED | {"reviewing"}


def sizes(scale: float) -> dict[str, int]:
    return {"orgs": max(50, int(12_000 * scale)), "needs": max(200, int(400_000 * scale)),
            "projects": max(100, int(150_000 * scale)), "audit": max(1_000, int(2_000_000 * scale)),
            "experts": max(20, int(300 * scale)), "wishes": max(100, int(40_000 * scale)),
            "notifications": max(50, int(5_000 * scale))}


def _pick(rng: random.Random, mix: list[tuple[str, float]]) -> str:
    x, acc = rng.random(), 0.0
    for name, share in mix:
        acc += share
        if x < acc:
            return name
    return mix[-1][0]


class Generator:
    def __init__(self, scale: float, echo=print) -> None:
        from marketplace.domain.core import clock, search

        self.scale, self.n, self.echo = scale, sizes(scale), echo
        self.rng = random.Random(15)
        self.clock, self.search = clock, search
        self.now = clock.now()
        self.today = self.now.date()
        self.counts: dict[str, int] = {}
        self.tokens = lru_cache(maxsize=200_000)(lambda text: search.tokens(text))

    # --- plumbing ---------------------------------------------------------------------------------
    def insert(self, table, rows: list[dict[str, Any]]) -> None:
        from marketplace.extensions import db

        for start in range(0, len(rows), BATCH):
            db.session.execute(table.insert(), rows[start:start + BATCH])
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)

    def next_id(self, table) -> int:
        from sqlalchemy import func, select

        from marketplace.extensions import db

        return (db.session.scalar(select(func.max(table.c.id))) or 0) + 1

    def text_tokens(self, *texts: str) -> str:
        words: list[str] = []
        for t in texts:
            words.extend(self.tokens(t).split())
        return " ".join(dict.fromkeys(words))

    def past(self, max_days: int = 1000, min_days: int = 1) -> datetime:
        return self.now - timedelta(days=self.rng.uniform(min_days, max_days))

    # --- the district ------------------------------------------------------------------------------
    def run(self) -> None:
        from sqlalchemy import select

        from marketplace.extensions import db
        from marketplace.models import Category, Community, User

        self.communities = db.session.execute(select(Community.id, Community.street_id)).all()
        self.by_street: dict[int, list[int]] = {}
        for cid, sid in self.communities:
            self.by_street.setdefault(sid, []).append(cid)
        self.categories = [c for c in db.session.scalars(select(Category.id))]
        self.users = {u.username: u for u in db.session.scalars(select(User))}
        self.password_hash = self.users["admin"].password_hash
        steps = [self.organizations, self.experts, self.projects, self.needs, self.bids, self.panels, self.awards,
                 self.wishes, self.notifications, self.lists, self.audit]
        for step in steps:
            started = time.perf_counter()
            step()
            db.session.commit()
            self.echo(f"  {step.__name__:14} {time.perf_counter() - started:6.1f} s")

    def organizations(self) -> None:
        from marketplace.domain.core import uscc
        from marketplace.models import Alliance, Grade, OrgType, VerificationStatus
        from marketplace.models.organizations import Organization, organization_categories, organization_streets

        table = Organization.__table__
        first = self.next_id(table)
        rows, cats, streets = [], [], []
        street_ids = sorted(self.by_street)
        kinds = [(OrgType.private_non_enterprise, "社会工作服务中心"), (OrgType.social_group, "志愿者协会"),
                 (OrgType.private_non_enterprise, "公益服务中心"), (OrgType.foundation, "慈善基金会")]
        grades = [None, None, Grade.a1, Grade.a2, Grade.a3, Grade.a3, Grade.a4, Grade.a5]
        for i in range(self.n["orgs"]):
            oid = first + i
            org_type, suffix = kinds[i % len(kinds)]
            status = VerificationStatus.verified if self.rng.random() < 0.95 else VerificationStatus.pending
            grade = grades[i % len(grades)]
            announced = date(self.today.year - 1 - i % 4, 6, 15)
            rows.append({
                "id": oid, "name": f"青岛市{self.rng.choice(WORDS)}{self.rng.choice(WORDS)}{suffix}{i + 1}",
                "uscc": uscc.make(f"5{'12'[i % 2]}370213{i + 20_000_000:08d}7"),
                "org_type": org_type, "registered_on": date(2005 + i % 18, 1 + i % 12, 1 + i % 27),
                "legal_representative": "张三", "contact_name": "李四", "contact_phone": "13800000000",
                "contact_email": None, "address": "青岛市李沧区", "description": f"专注{self.rng.choice(WORDS)}服务",
                "alliance": list(Alliance)[i % 5] if i % 3 else None, "status": status, "status_reason": None,
                "verified_at": self.past(2000, 30) if status is VerificationStatus.verified else None,
                "grade": grade, "grade_valid_from": date(announced.year + 1, 1, 1) if grade else None,
                "grade_valid_until": date(announced.year + 5, 12, 31) if grade else None,
                "grade_review_reason": None, "created_at": self.past(2000, 30)})
            for cat in self.rng.sample(self.categories, self.rng.randint(1, 2)):
                cats.append({"organization_id": oid, "category_id": cat})
            for sid in self.rng.sample(street_ids, self.rng.randint(1, 3)):
                streets.append({"organization_id": oid, "street_id": sid})
        self.insert(table, rows)
        self.insert(organization_categories, cats)
        self.insert(organization_streets, streets)
        self.org_ids = [r["id"] for r in rows if r["status"] is VerificationStatus.verified]
        self.demo_org = self.users["org"].organization_id

    def experts(self) -> None:
        from marketplace.models import ExpertProfile, Role, User

        table = User.__table__
        first = self.next_id(table)
        rows, profiles = [], []
        for i in range(self.n["experts"]):
            rows.append({"id": first + i, "username": f"bench-expert{i + 1}", "display_name": f"评审专家{i + 1}",
                         "email": None, "phone": None, "password_hash": self.password_hash, "role": Role.expert,
                         "active": True, "session_version": 1, "last_login_at": None, "community_id": None,
                         "street_id": None, "organization_id": None, "department_id": None,
                         "created_at": self.past(2000, 500)})
            profiles.append({"user_id": first + i, "title": "教授", "employer": "青岛大学", "fields": "社会工作",
                             "third_party": False, "bio": None})
        self.insert(table, rows)
        self.insert(ExpertProfile.__table__, profiles)
        self.expert_ids = [r["id"] for r in rows] + [self.users["expert"].id]

    def projects(self) -> None:
        from marketplace.models import Project, Regime
        from marketplace.models.projects import project_communities

        table = Project.__table__
        first = self.next_id(table)
        rows, links = [], []
        self.project_status: dict[int, str] = {}
        self.project_street: dict[int, int] = {}
        self.project_deadline: dict[int, datetime] = {}
        street_ids = sorted(self.by_street)
        year0 = self.today.year - 3
        for i in range(self.n["projects"]):
            pid = first + i
            status = _pick(self.rng, PROJECT_MIX)
            street = self.rng.choice(street_ids)
            created = self.past(1000, 25)
            if status == "bidding":
                deadline = self.now + timedelta(days=self.rng.uniform(1, 20))
                created = deadline - timedelta(days=self.rng.uniform(10, 30))
            elif status == "draft":
                deadline = self.now + timedelta(days=self.rng.uniform(15, 40))
            else:
                deadline = created + timedelta(days=self.rng.uniform(8, 20))
            words = self.rng.sample(WORDS, 2)
            title = f"{words[0]}{words[1]}服务项目"
            scope = f"面向社区居民开展{words[0]}、{self.rng.choice(WORDS)}服务"
            outputs = f"服务{self.rng.randint(20, 500)}人次"
            rows.append({
                "id": pid, "code": f"LCXM-{year0 + i % 3}-{i + 1:06d}", "title": title, "scope": scope,
                "outputs": outputs, "budget_cap": Decimal(self.rng.randint(10, 500) * 1000),
                "category_id": self.rng.choice(self.categories), "street_id": street,
                "regime": Regime.government_purchase if i % 10 == 0 else Regime.community_fund, "min_grade": None,
                "bid_deadline": deadline, "qa_deadline": deadline - timedelta(days=2),
                "criteria": {**CRITERIA, "price": 20} if i % 10 == 0 else dict(CRITERIA), "status": status,
                "published_at": None if status == "draft" else created + timedelta(hours=2),
                "withdrawn_at": created + timedelta(days=3) if status == "withdrawn" else None,
                "withdrawn_reason": "需求已由其他渠道解决" if status == "withdrawn" else None,
                "created_by_id": self.users["street"].id, "submission_key": None,
                "search_text": self.text_tokens(title, scope, outputs), "created_at": created})
            for cid in self.rng.sample(self.by_street[street], min(len(self.by_street[street]),
                                                                   self.rng.randint(1, 2))):
                links.append({"project_id": pid, "community_id": cid})
            self.project_status[pid] = status
            self.project_street[pid] = street
            self.project_deadline[pid] = deadline
        self.insert(table, rows)
        self.insert(project_communities, links)
        self.published = [pid for pid, s in self.project_status.items() if s != "draft"]

    def needs(self) -> None:
        from marketplace.models import Need, NeedReview, NeedSource, Urgency

        table, reviews_table = Need.__table__, NeedReview.__table__
        first, review_id = self.next_id(table), self.next_id(reviews_table)
        rows, reviews = [], []
        year0 = self.today.year - 3
        urgencies = list(Urgency)
        for i in range(self.n["needs"]):
            nid = first + i
            status = _pick(self.rng, NEED_MIX)
            if status == "merged" and i == 0:
                status = "recorded"
            community, street = self.rng.choice(self.communities)
            created = self.past(1100, 1)
            words = self.rng.sample(WORDS, 4)
            title = f"{words[0]}{words[1]}服务需求"
            description = "居民反映的需求，" + "、".join(words)
            decided = status in ("approved", "rejected", "in_project")
            reviewed = status in ("in_review", "approved", "rejected")
            mean = Decimal(self.rng.randint(45, 95)) if decided else None
            rows.append({
                "id": nid, "code": f"LC-{year0 + i % 3}-{i + 1:06d}", "community_id": community,
                "category_id": self.rng.choice(self.categories), "title": title, "description": description,
                "beneficiaries": "社区居民", "beneficiaries_count": self.rng.randint(5, 500),
                "urgency": urgencies[i % 4], "source": NeedSource.survey, "status": status,
                "created_by_id": None, "submission_key": None,
                "criteria": {"urgency": 30, "reach": 25, "feasibility": 25, "cost": 20} if reviewed else None,
                "decided_at": created + timedelta(days=20) if decided else None,
                "decided_by_id": self.users["street"].id if decided else None,
                "decision_reason": "可行性不足，暂不采纳" if status == "rejected" else None, "mean_score": mean,
                "merged_into_id": self.rng.randrange(first, nid) if status == "merged" else None,
                "project_id": self.rng.choice(self.published) if status == "in_project" else None,
                "search_text": self.text_tokens(title, description, "社区居民"), "created_at": created})
            if reviewed:
                reviewers = self.rng.sample(self.expert_ids, 3)
                if self.rng.random() < 0.003 and self.users["expert"].id not in reviewers:
                    reviewers[0] = self.users["expert"].id  # the demo expert's desk: a busy expert's queue
                for k, reviewer in enumerate(reviewers):
                    done = status != "in_review" or k == 0
                    total = Decimal(self.rng.randint(40, 98)) if done else None
                    reviews.append({
                        "id": review_id, "need_id": nid, "reviewer_id": reviewer,
                        "assigned_by_id": self.users["street"].id,
                        "scores": {c: {"score": int(w * 0.8), "reason": "符合实际"} for c, w in
                                   {"urgency": 30, "reach": 25, "feasibility": 25, "cost": 20}.items()} if done else None,
                        "total": total, "submitted_at": created + timedelta(days=10) if done else None,
                        "created_at": created + timedelta(days=3)})
                    review_id += 1
        self.insert(table, rows)
        self.insert(reviews_table, reviews)
        self.need_rows = [(r["id"], r["status"], r["created_at"]) for r in rows]

    def bids(self) -> None:
        from marketplace.models import Bid, BidReceipt

        table, receipts_table = Bid.__table__, BidReceipt.__table__
        bid_id, receipt_id = self.next_id(table), self.next_id(receipts_table)
        rows, receipts = [], []
        self.project_bids: dict[int, list[tuple[int, int, Decimal, str, datetime]]] = {}
        for pid in self.published:
            status = self.project_status[pid]
            if status in ("withdrawn", "failed"):
                continue
            count = self.rng.randint(3, 7)
            orgs = self.rng.sample(self.org_ids, count)
            if self.rng.random() < 0.01 and self.demo_org not in orgs:  # the demo organization's history
                orgs[0] = self.demo_org
            deadline = self.project_deadline[pid]
            winner = 0 if status in AWARDED else None
            made = []
            for k, org in enumerate(orgs):
                submitted = deadline - timedelta(days=self.rng.uniform(0.1, 6))
                if status == "bidding" and submitted > self.now:
                    submitted = self.now - timedelta(hours=self.rng.uniform(1, 48))
                draft = status == "bidding" and k == count - 1
                bid_status = ("draft" if draft else "submitted" if status in ("bidding", "reviewing")
                              else "awarded" if k == winner else "lost")
                budget = Decimal(self.rng.randint(8, 400) * 1000)
                digest = hashlib.sha256(f"{pid}-{org}".encode()).hexdigest()
                rows.append({
                    "id": bid_id, "project_id": pid, "organization_id": org, "status": bid_status,
                    "plan": "服务方案：入户走访、集中活动、志愿者结对。", "team": "社工3名，志愿者10名",
                    "outputs": "服务200人次", "schedule": "按月推进", "budget_items": [{"item": "人员", "amount": str(budget)}],
                    "budget_total": budget, "submitted_at": None if draft else submitted,
                    "digest": None if draft else digest, "withdrawn_at": None, "status_reason": None,
                    "version": 1, "created_at": submitted - timedelta(days=1)})
                if not draft:
                    receipts.append({"id": receipt_id, "bid_id": bid_id, "project_id": pid, "digest": digest,
                                     "submitted_at": submitted, "created_at": submitted})
                    receipt_id += 1
                    made.append((bid_id, org, budget, digest, submitted))
                bid_id += 1
            self.project_bids[pid] = made
        self.insert(table, rows)
        self.insert(receipts_table, receipts)

    def panels(self) -> None:
        from marketplace.models import BidScore, PanelMember, PanelRole

        members_table, scores_table = PanelMember.__table__, BidScore.__table__
        member_id, score_id = self.next_id(members_table), self.next_id(scores_table)
        members, scores = [], []
        self.project_members: dict[int, list[int]] = {}
        for pid, made in self.project_bids.items():
            status = self.project_status[pid]
            if status not in PANEL:
                continue
            deadline = self.project_deadline[pid]
            ids = []
            for position, user in enumerate(self.rng.sample(self.expert_ids, 3), start=1):
                members.append({"id": member_id, "project_id": pid, "user_id": user, "role": PanelRole.expert,
                                "position": position, "declared_at": deadline + timedelta(hours=2),
                                "recused_at": None, "recusal_reason": None, "created_at": deadline + timedelta(hours=1)})
                ids.append(member_id)
                member_id += 1
            self.project_members[pid] = ids
            for k, (bid, *_rest) in enumerate(made):
                if status == "reviewing" and k % 2:
                    continue
                for m in ids:
                    parts = {c: {"score": int(w * self.rng.uniform(0.5, 1.0)), "reason": "方案具体，团队稳定"}
                             for c, w in CRITERIA.items()}
                    scores.append({"id": score_id, "bid_id": bid, "member_id": m, "scores": parts,
                                   "total": Decimal(sum(p["score"] for p in parts.values())),
                                   "created_at": deadline + timedelta(days=1)})
                    score_id += 1
        self.insert(members_table, members)
        self.insert(scores_table, scores)

    def awards(self) -> None:
        from marketplace.models import Award, AwardStatus, Contract, CreditEvent, Evaluation, EvaluationGrade

        award_id, contract_id = self.next_id(Award.__table__), self.next_id(Contract.__table__)
        evaluation_id, event_id = self.next_id(Evaluation.__table__), self.next_id(CreditEvent.__table__)
        awards, contracts, evaluations, events = [], [], [], []
        org_names = {}
        for pid, made in self.project_bids.items():
            status = self.project_status[pid]
            if status not in AWARDED or not made:
                continue
            deadline = self.project_deadline[pid]
            decided = deadline + timedelta(days=3)
            ranking = []
            for rank, (bid, org, budget, digest, submitted) in enumerate(made, start=1):
                total = str(Decimal(95 - rank * 3))
                ranking.append({"bid_id": bid, "organization": org_names.setdefault(org, f"组织{org}"),
                                "budget_total": str(budget), "digest": digest, "submitted_at": submitted.isoformat(),
                                "scores": [{"position": p, "total": total, "scores": {}} for p in (1, 2, 3)],
                                "panel_score": total, "price_score": "0", "red_bonus": "0", "grade_bonus": "0",
                                "criteria": {}, "plan": "30", "trimmed": False, "total": total, "rank": rank})
            final = status != "notice"
            winner = made[0]
            awards.append({"id": award_id, "project_id": pid, "round": 1, "bid_id": winner[0],
                           "status": AwardStatus.final if final else AwardStatus.notice,
                           "decided_by_id": self.users["street"].id, "reason": None, "ranking": ranking,
                           "notice_ends_on": (decided + timedelta(days=7)).date(),
                           "finalized_at": decided + timedelta(days=8) if final else None, "created_at": decided})
            award_id += 1
            if final:
                starts = (decided + timedelta(days=9)).date()
                contracts.append({"id": contract_id, "project_id": pid, "bid_id": winner[0], "amount": winner[2],
                                  "starts_on": starts, "ends_on": starts + timedelta(days=365),
                                  "parties": [f"组织{winner[1]}"], "plan_approved_at": decided + timedelta(days=12),
                                  "created_at": decided + timedelta(days=8)})
                contract_id += 1
            if status == "evaluated":
                total = Decimal(self.rng.randint(55, 98))
                grade = (EvaluationGrade.excellent if total >= 90 else EvaluationGrade.good if total >= 80
                         else EvaluationGrade.passed if total >= 60 else EvaluationGrade.failed)
                evaluations.append({"id": evaluation_id, "project_id": pid,
                                    "parts": {p: {"score": str(total), "weight": w, "used_weight": str(w)} for p, w in
                                              {"party": 30, "residents": 30, "department": 20, "experts": 20}.items()},
                                    "total": total, "grade": grade, "missing_rule": "share", "corrections": [],
                                    "created_at": decided + timedelta(days=300)})
                evaluation_id += 1
                occurred = min(self.today, (decided + timedelta(days=300)).date())
                events.append({"id": event_id, "organization_id": winner[1], "kind": "evaluation", "points": total,
                               "reason": "考榜总分", "project_id": pid, "occurred_on": occurred,
                               "created_at": decided + timedelta(days=300)})
                event_id += 1
        self.insert(Award.__table__, awards)
        self.insert(Contract.__table__, contracts)
        self.insert(Evaluation.__table__, evaluations)
        self.insert(CreditEvent.__table__, events)

    def wishes(self) -> None:
        from marketplace.models import Wish, WishStatus

        table = Wish.__table__
        first = self.next_id(table)
        secretary_community = self.users["secretary"].community_id
        need_ids = [nid for nid, _s, _c in self.need_rows]
        rows = []
        for i in range(self.n["wishes"]):
            status = self.rng.choice([WishStatus.new, WishStatus.accepted, WishStatus.declined])
            community = secretary_community if i % 50 == 0 else self.rng.choice(self.communities)[0]
            rows.append({"id": first + i, "community_id": community, "content": f"希望社区开展{self.rng.choice(WORDS)}活动",
                         "contact": None, "client_hash": hashlib.sha256(str(i).encode()).hexdigest(),
                         "submission_key": None, "status": status,
                         "decline_reason": "已有同类服务" if status is WishStatus.declined else None,
                         "need_id": self.rng.choice(need_ids) if status is WishStatus.accepted else None,
                         "handled_at": None if status is WishStatus.new else self.past(300),
                         "created_at": self.past(400)})
        self.insert(table, rows)

    def notifications(self) -> None:
        from marketplace.models import Notification

        table = Notification.__table__
        first = self.next_id(table)
        rows = []
        for name in ("admin", "street", "secretary", "department", "expert", "org"):
            user = self.users[name]
            for k in range(self.n["notifications"]):
                at = self.past(700)
                rows.append({"id": first + len(rows), "user_id": user.id, "kind": "project.published",
                             "params": {"code": f"LCXM-2025-{k + 1:06d}", "title": "助餐服务项目"},
                             "link": "/projects/", "read_at": None if k % 10 == 0 else at + timedelta(hours=5),
                             "created_at": at})
        self.insert(table, rows)

    def lists(self) -> None:
        """Generated organizations on the newest published red/black list (the demo computed it)."""
        from sqlalchemy import select

        from marketplace.extensions import db
        from marketplace.models import ListEntry, ListKind, ListPeriod, ListStatus

        period = db.session.scalar(select(ListPeriod).where(ListPeriod.status == ListStatus.published)
                                   .order_by(ListPeriod.ends_on.desc()).limit(1))
        if period is None:
            return
        first = self.next_id(ListEntry.__table__)
        rows = []
        for org in self.org_ids:
            x = self.rng.random()
            if x < 0.08:
                rows.append({"id": first + len(rows), "period_id": period.id, "organization_id": org,
                             "kind": ListKind.red, "reason": "high_credit", "credit": Decimal("92.50"),
                             "ban_until": None, "removed_at": None, "removed_reason": None,
                             "created_at": period.computed_at})
            elif x < 0.12:
                rows.append({"id": first + len(rows), "period_id": period.id, "organization_id": org,
                             "kind": ListKind.black, "reason": "low_credit", "credit": Decimal("55.00"),
                             "ban_until": period.ends_on + timedelta(days=365), "removed_at": None,
                             "removed_reason": None, "created_at": period.computed_at})
        self.insert(ListEntry.__table__, rows)

    def audit(self) -> None:
        """The chain continued from the demo's head: each subject's events, then bids' receipts to the target."""
        from marketplace.domain.core import audit
        from marketplace.models import AuditEntry

        seq, prev = audit.head()
        target = self.n["audit"]
        table = AuditEntry.__table__
        next_id = [self.next_id(table)]
        empty_digest = audit.digest({})
        street = self.users["street"]
        rows: list[dict[str, Any]] = []

        def add(at: datetime, action: str, subject_type: str, subject_id: int, payload: dict | None = None) -> None:
            nonlocal seq, prev
            seq += 1
            payload = payload or {}
            body = {"seq": seq, "at": at.astimezone(timezone.utc).isoformat(timespec="microseconds"),
                    "actor": street.id, "actor_label": street.username, "action": action,
                    "subject": [subject_type, subject_id], "payload": audit.digest(payload) if payload else empty_digest}
            digest = hashlib.sha256(prev.encode() + audit._canonical(body)).hexdigest()
            rows.append({"id": next_id[0], "seq": seq, "created_at": at, "actor_id": street.id,
                         "actor_label": street.username, "action": action, "subject_type": subject_type,
                         "subject_id": subject_id, "payload": payload, "payload_digest": body["payload"],
                         "prev_hash": prev, "hash": digest})
            next_id[0] += 1
            prev = digest
            if len(rows) >= 20_000:
                self.insert(table, rows)
                rows.clear()

        budget = target
        for nid, status, created in self.need_rows:
            if budget <= 0:
                break
            add(created, "need.recorded", "needs", nid)
            budget -= 1
            if status in ("in_review", "approved", "rejected"):
                add(created + timedelta(days=3), "need.reviewers_assigned", "needs", nid, {"count": 3})
                budget -= 1
            if status in ("approved", "rejected"):
                add(created + timedelta(days=20), f"need.{status}", "needs", nid,
                    {"mean": "75.00", "threshold": 60} if status == "approved" else {"reason": "可行性不足，暂不采纳"})
                budget -= 1
        steps = {"bidding": 2, "withdrawn": 3, "failed": 3, "reviewing": 3, "notice": 4, "delivery": 5,
                 "evaluation": 6, "evaluated": 7, "exited": 6}
        actions = ["project.drafted", "project.published", "project.bidding_closed", "project.awarded",
                   "project.award_final", "delivery.closed", "evaluation.final"]
        for pid in self.published:
            if budget <= 0:
                break
            status = self.project_status[pid]
            at = self.project_deadline[pid] - timedelta(days=10)
            for k in range(steps[status]):
                action = actions[k]
                if status == "withdrawn" and k == 2:
                    action = "project.withdrawn"
                elif status == "failed" and k == 2:
                    action = "project.failed"
                add(min(at + timedelta(days=5 * k), self.now), action, "projects", pid,
                    {"reason": "需求已由其他渠道解决"} if action == "project.withdrawn" else None)
                budget -= 1
        submissions = [(bid, digest, submitted) for made in self.project_bids.values()
                       for bid, _org, _budget, digest, submitted in made]
        while budget > 0 and submissions:  # the bids' submissions fill the rest of the target
            for bid, digest, submitted in submissions[:budget]:
                add(submitted, "bid.submitted", "bids", bid, {"digest": digest})
                budget -= 1
        if rows:
            self.insert(table, rows)


# --- once, reusable ------------------------------------------------------------------------------------

def _meta(db) -> dict[str, str]:
    from sqlalchemy import inspect, text

    if not inspect(db.engine).has_table("bench_meta"):
        return {}
    return dict(db.session.execute(text("SELECT key, value FROM bench_meta")).all())


def ensure(url: str, scale: float, echo=print, force: bool = False, yes_destroy: str | None = None) -> dict[str, str]:
    """The data set at this URL at this scale: reused when already there, generated otherwise (which
    empties the database: a scratch one only, or the one named by `yes_destroy`)."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from marketplace import create_app, scratch
    from marketplace.extensions import db

    try:  # before connecting at all
        scratch.refuse_unless_scratch(url, yes_destroy, "empty and fill")
    except scratch.NotScratch as exc:
        sys.exit(str(exc))
    os.environ["TEST_DATABASE_URL"] = url  # the testing configuration: never DATABASE_URL
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=scratch.normalise(url))
    with app.app_context():
        meta = _meta(db)
        if not force and meta.get("version") == str(VERSION) and meta.get("scale") == repr(scale):
            echo(f"reusing the generated data set (scale {scale}) at {_safe(url)}")
            return meta
        echo(f"generating the data set at scale {scale} into {_safe(url)} …")
        started = time.perf_counter()
        _wipe(db)
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        from marketplace.demo import build_demo

        build_demo(echo=lambda *_: None)
        db.session.commit()
        echo(f"  demo district  {time.perf_counter() - started:6.1f} s")
        generator = Generator(scale, echo)
        generator.run()
        _analyze(db)
        db.session.execute(text("CREATE TABLE bench_meta (key VARCHAR(32) PRIMARY KEY, value TEXT)"))
        meta = {"version": str(VERSION), "scale": repr(scale), "generated_at": datetime.now(timezone.utc).isoformat(),
                "seconds": f"{time.perf_counter() - started:.0f}",
                "rows": json.dumps(generator.counts, sort_keys=True)}
        for key, value in meta.items():
            db.session.execute(text("INSERT INTO bench_meta (key, value) VALUES (:k, :v)"), {"k": key, "v": value})
        db.session.commit()
        echo(f"generated in {time.perf_counter() - started:.0f} s: "
             + ", ".join(f"{v:,} {k}" for k, v in sorted(generator.counts.items())))
        db.session.remove()
        db.engine.dispose()
    return meta


def _analyze(db) -> None:
    """Planner statistics (and, on PostgreSQL, the visibility map index-only scans rely on), as a
    deployment must do after a bulk load: autovacuum may be off or behind."""
    from sqlalchemy import text

    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        _fix_sequences(db)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def _fix_sequences(db) -> None:
    """Rows were inserted with explicit ids: move each id sequence past them."""
    from sqlalchemy import text

    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key and table.c.id.type.python_type is int:
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false)"))
    db.session.commit()


def _wipe(db) -> None:
    from sqlalchemy import text

    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("DROP SCHEMA public CASCADE"))
        db.session.execute(text("CREATE SCHEMA public"))
        db.session.commit()
    else:
        path = db.engine.url.database
        db.session.remove()
        db.engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            if path and os.path.exists(path + suffix):
                os.remove(path + suffix)


def _safe(url: str) -> str:
    return url.split("@")[-1] if "@" in url else url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="SQLAlchemy URL of a scratch database (it is emptied)")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = the city (T2); 0.25 = the SQLite size")
    parser.add_argument("--force", action="store_true", help="generate again even if the data set is there")
    parser.add_argument("--yes-destroy", metavar="URL", help="empty --database although it is not a scratch one")
    args = parser.parse_args()
    ensure(args.database, args.scale, force=args.force, yes_destroy=args.yes_destroy)


if __name__ == "__main__":
    main()
