"""Benchmark: generate a large district and time the public pages.

    .venv/bin/python bench/benchmark.py                       # SQLite in a temporary folder
    .venv/bin/python bench/benchmark.py --database postgresql://postgres@127.0.0.1:5432/bench

The database is emptied and filled: point it at a scratch database, never at real data.
Prints, per page, the median and 95th-percentile time over the runs and the number of queries.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _refuse_unless_scratch(url: str, yes_destroy: str | None) -> None:
    """The database is emptied: only a scratch one, or the one named by --yes-destroy (never DATABASE_URL)."""
    from marketplace import scratch

    try:
        scratch.refuse_unless_scratch(url, yes_destroy, "empty and fill")
    except scratch.NotScratch as exc:
        sys.exit(str(exc))

WORDS = ["助餐", "托管", "养老", "助学", "调解", "普法", "康复", "心理", "花园", "楼道", "手机", "阅读", "文化",
         "志愿", "陪伴", "课堂", "健康", "讲座", "驿站", "邻里"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="SQLAlchemy URL of a scratch database (default: temporary SQLite)")
    parser.add_argument("--needs", type=int, default=100_000)
    parser.add_argument("--projects", type=int, default=20_000)
    parser.add_argument("--orgs", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--yes-destroy", metavar="URL", help="empty --database although it is not a scratch one")
    args = parser.parse_args()

    url = args.database or f"sqlite:///{tempfile.mkdtemp(prefix='bench-')}/bench.db"
    _refuse_unless_scratch(url, args.yes_destroy)
    os.environ["TEST_DATABASE_URL"] = url
    from sqlalchemy import event, insert, select
    from sqlalchemy.engine import Engine

    from marketplace import create_app
    from marketplace.demo import build_demo
    from marketplace.domain.core import clock, search, uscc
    from marketplace.extensions import db
    from marketplace.models import (
        Category,
        Community,
        Need,
        NeedStatus,
        Organization,
        OrgType,
        Project,
        ProjectStatus,
        Regime,
        Urgency,
        VerificationStatus,
        project_communities,
    )

    app = create_app("testing")
    rng = random.Random(7)
    with app.app_context():
        db.drop_all()
        db.create_all()
        build_demo(echo=lambda *_: None)
        db.session.commit()
        communities = db.session.execute(select(Community.id, Community.street_id)).all()
        categories = db.session.scalars(select(Category.id)).all()
        now = clock.now()
        started = time.perf_counter()
        batch = []
        for i in range(args.orgs):
            code = uscc.make(f"52370213{i + 100000:08d}9")
            batch.append({"name": f"李沧区测试{WORDS[i % 20]}服务中心{i}", "uscc": code,
                          "org_type": OrgType.private_non_enterprise, "registered_on": now.date(),
                          "legal_representative": "张三", "contact_name": "李四", "contact_phone": "13800000000",
                          "status": VerificationStatus.verified, "verified_at": now, "created_at": now})
        db.session.execute(insert(Organization), batch)
        for start in range(0, args.needs, 5000):
            batch = []
            for i in range(start, min(start + 5000, args.needs)):
                community_id, _street = rng.choice(communities)
                title = f"{rng.choice(WORDS)}{rng.choice(WORDS)}服务需求{i}"
                batch.append({"code": f"LC-2025-{i + 1:06d}", "community_id": community_id,
                              "category_id": rng.choice(categories), "title": title,
                              "description": "居民反映的需求，" + "、".join(rng.sample(WORDS, 4)),
                              "beneficiaries": "居民", "beneficiaries_count": rng.randint(5, 500),
                              "urgency": rng.choice(list(Urgency)),
                              "status": rng.choice((NeedStatus.recorded, NeedStatus.in_review)), "created_at": now,
                              "search_text": search.tokens(title)})
            db.session.execute(insert(Need), batch)
        for start in range(0, args.projects, 5000):
            batch, links = [], []
            for i in range(start, min(start + 5000, args.projects)):
                community_id, street_id = rng.choice(communities)
                title = f"{rng.choice(WORDS)}项目{i}"
                batch.append({"code": f"LCXM-2025-{i + 1:05d}", "title": title, "scope": "服务内容", "outputs": "产出",
                              "budget_cap": rng.randint(10, 500) * 1000, "category_id": rng.choice(categories),
                              "street_id": street_id, "regime": Regime.community_fund,
                              "bid_deadline": now + timedelta(days=20), "qa_deadline": now + timedelta(days=15),
                              "criteria": {"plan": 100}, "status": ProjectStatus.bidding, "published_at": now,
                              "created_at": now, "search_text": search.tokens(title)})
                links.append(community_id)
            ids = db.session.execute(insert(Project).returning(Project.id), batch).scalars().all()
            db.session.execute(insert(project_communities),
                               [{"project_id": p, "community_id": c} for p, c in zip(ids, links)])
        db.session.commit()
        print(f"generated {args.needs:,} needs, {args.projects:,} projects, {args.orgs:,} organizations "
              f"in {time.perf_counter() - started:.1f} s on {db.engine.dialect.name}")

    counter = {"n": 0}
    event.listen(Engine, "after_cursor_execute", lambda *a, **k: counter.__setitem__("n", counter["n"] + 1))
    client = app.test_client()
    pages = ["/", "/needs/", "/needs/?q=助餐", "/needs/?q=养老&status=recorded", "/needs/?page=2000",
             f"/needs/LC-2025-{args.needs // 2:06d}", "/projects/", "/projects/?q=托管&budget_min=100000", "/organizations/",
             "/organizations/?q=助学", "/rules"]
    print(f"{'page':45} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    for page in pages:
        times = []
        for _ in range(args.runs):
            counter["n"] = 0
            t = time.perf_counter()
            response = client.get(page)
            times.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, (page, response.status_code)
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        print(f"{page:45} {statistics.median(times):10.1f} {p95:8.1f} {counter['n']:8d}")
    with app.app_context():
        t = time.perf_counter()
        response = client.get("/needs/export.xlsx?q=助餐")
        print(f"{'/needs/export.xlsx?q=助餐 (one run)':45} {(time.perf_counter() - t) * 1000:10.1f}")
        db.session.remove()
        db.drop_all()


if __name__ == "__main__":
    main()
