"""Benchmark: compute a quarter's red/black list for many organizations.

    .venv/bin/python bench/lists.py --orgs 100000
    .venv/bin/python bench/lists.py --orgs 100000 --database postgresql://postgres@127.0.0.1:5432/bench

Fills a scratch database (it is emptied) with organizations and three credit events each, then times
`lists.compute` (one INSERT … SELECT) and prints how many entries it produced.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

# the checkout first; this folder off the path (bench/http.py would shadow the standard library's http)
sys.path[:] = [str(Path(__file__).resolve().parent.parent)] + [
    p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]


def _refuse_unless_scratch(url: str, yes_destroy: str | None) -> None:
    """The database is emptied: only a scratch one, or the one named by --yes-destroy (never DATABASE_URL)."""
    from marketplace import scratch

    try:
        scratch.refuse_unless_scratch(url, yes_destroy, "empty and fill")
    except scratch.NotScratch as exc:
        sys.exit(str(exc))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database")
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="leave the generated data in place (to study the plan)")
    parser.add_argument("--explain", action="store_true", help="PostgreSQL: print EXPLAIN ANALYZE of the computation")
    parser.add_argument("--yes-destroy", metavar="URL", help="empty --database although it is not a scratch one")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp(prefix='bench-')}/lists.db"
    _refuse_unless_scratch(url, args.yes_destroy)
    os.environ["TEST_DATABASE_URL"] = url
    from sqlalchemy import func, insert, select, text

    from marketplace import create_app
    from marketplace.domain.core import clock, uscc
    from marketplace.domain.credit import lists
    from marketplace.extensions import db
    from marketplace.models import (Category, CreditEvent, ListEntry, Organization, OrgType, Project, ProjectStatus,
                                    Regime, Street, VerificationStatus)

    app = create_app("testing")
    rng = random.Random(3)
    with app.app_context():
        db.drop_all()
        db.create_all()
        now = clock.now()
        street, category = Street(name="测试街道", code="B1"), Category(code="b", name="类别", name_en="c")
        db.session.add_all([street, category])
        db.session.flush()
        project = Project(code="LCXM-B-1", title="p", scope="-", outputs="-", budget_cap=1, category_id=category.id,
                          street_id=street.id, regime=Regime.community_fund, bid_deadline=now + timedelta(days=9),
                          qa_deadline=now + timedelta(days=7), criteria={"plan": 100}, status=ProjectStatus.evaluated,
                          published_at=now)
        db.session.add(project)
        db.session.flush()
        started = time.perf_counter()
        for start in range(0, args.orgs, 10_000):
            orgs = [{"name": f"组织{i}", "uscc": uscc.make(f"52370213{i + 10_000_000:08d}7"),
                     "org_type": OrgType.private_non_enterprise, "registered_on": date(2020, 1, 1),
                     "legal_representative": "-", "contact_name": "-", "contact_phone": "13800000000",
                     "status": VerificationStatus.verified, "verified_at": now, "created_at": now}
                    for i in range(start, min(start + 10_000, args.orgs))]
            ids = db.session.execute(insert(Organization).returning(Organization.id), orgs).scalars().all()
            events = []
            for org_id in ids:
                today = clock.today()
                events.append({"organization_id": org_id, "kind": "evaluation", "points": Decimal(rng.randint(40, 100)),
                               "reason": "-", "occurred_on": today - timedelta(days=rng.randint(1, 600)),
                               "project_id": project.id, "created_at": now})
                events.append({"organization_id": org_id, "kind": "evaluation", "points": Decimal(rng.randint(55, 100)),
                               "reason": "-", "occurred_on": today - timedelta(days=rng.randint(1, 50)),
                               "project_id": None, "created_at": now})
                if rng.random() < 0.1:
                    events.append({"organization_id": org_id, "kind": "complaint", "points": Decimal(-5), "reason": "-",
                                   "occurred_on": today - timedelta(days=rng.randint(1, 80)), "project_id": None,
                                   "created_at": now})
            db.session.execute(insert(CreditEvent), events)
        db.session.commit()
        print(f"generated {args.orgs:,} organizations with their credit events in {time.perf_counter() - started:.1f} s"
              f" on {db.engine.dialect.name}")
        if db.engine.dialect.name == "postgresql":  # what autovacuum does after a bulk load (README → deployment)
            started = time.perf_counter()
            db.session.execute(text("ANALYZE"))
            print(f"ANALYZE in {time.perf_counter() - started:.1f} s")
        quarter = (clock.today().month - 1) // 3 + 1
        if args.explain and db.engine.dialect.name == "postgresql":
            code, starts, ends = lists.parse_period(f"{clock.today().year}Q{quarter}")
            rows = lists._rows(starts, min(ends, clock.today()))
            sql = str(select(rows).compile(db.engine, compile_kwargs={"literal_binds": True}))
            for (line,) in db.session.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql)):
                print(line)
        started = time.perf_counter()
        period = lists.compute("cli", f"{clock.today().year}Q{quarter}")
        db.session.commit()
        elapsed = time.perf_counter() - started
        counts = dict(db.session.execute(select(ListEntry.kind, func.count()).where(ListEntry.period_id == period.id)
                                         .group_by(ListEntry.kind)).all())
        print(f"computed {period.code} for {args.orgs:,} organizations in {elapsed:.2f} s: "
              f"{counts.get(lists.ListKind.red, 0):,} red, {counts.get(lists.ListKind.black, 0):,} black")
        db.session.remove()
        if not args.keep:
            db.drop_all()


if __name__ == "__main__":
    main()
