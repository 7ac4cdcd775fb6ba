"""Concurrency: the database (row locks, unique constraints, SQLite's immediate transactions for
writers) keeps the rules when many requests arrive at once; SQLite's readers never wait for a writer."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from marketplace.domain.core import audit, clock
from marketplace.domain.integrity import scan
from marketplace.domain.tender import awards, bids
from marketplace.extensions import db
from marketplace.models import (Award, Bid, BidReceipt, BidScore, BidStatus, IntegrityFlag, LetterShingles, PanelRole,
                                Project, Role, User)
from tests.factories import bid_data, bidder, make_user, published_project, submitted_bid, two_competitors_sharing_a_phone


def _race(app, jobs):
    db.session.commit()  # the test's own transaction must not hold a lock while the requests race

    def run(job):
        with app.app_context():
            try:
                job()
                db.session.commit()
                return "ok"
            except Exception as exc:  # each loser must fail cleanly
                db.session.rollback()
                return f"{type(exc).__name__}: {exc}"[:120]
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=min(len(jobs), 12)) as pool:
        return list(pool.map(run, jobs))


def test_fifty_concurrent_submissions_none_lost_none_late(app):
    project, _ = published_project()
    drafts = []
    for _ in range(50):
        user = bidder()
        drafts.append((user.id, bids.save(user, project, bid_data()).id))
    db.session.commit()

    def submit(user_id, bid_id):
        return lambda: bids.submit(db.session.get(User, user_id), db.session.get(Bid, bid_id))

    results = _race(app, [submit(u, b) for u, b in drafts])
    assert results == ["ok"] * 50
    assert db.session.scalar(db.select(db.func.count(BidReceipt.id))) == 50
    with clock.frozen(project.bid_deadline):
        late = _race(app, [submit(u, b) for u, b in drafts[:10]])
    assert "ok" not in late
    assert db.session.scalar(db.select(db.func.count(BidReceipt.id))) == 50


def _reviewed_project(top_user=None):
    project, officer = published_project()
    first, _ = submitted_bid(project, top_user)
    second, _ = submitted_bid(project)
    expert, department = make_user(Role.expert), make_user(Role.department)
    with clock.frozen(project.bid_deadline + timedelta(hours=1)):
        awards.close_if_due(project)
        awards.set_panel(officer, project, [(officer, PanelRole.street), (expert, PanelRole.expert),
                                            (department, PanelRole.department)])
        for bid in (first, second):
            awards.schedule_roadshow(officer, bid, clock.now(), "线上")
        for user in (officer, expert, department):
            awards.declare(user, project)
            for bid, plan in ((first, 38), (second, 30)):
                awards.score(user, bid, {k: {"score": v, "reason": "理由"} for k, v in
                                         {"plan": plan, "team": 15, "past": 10, "budget": 10, "roadshow": 8}.items()})
    db.session.commit()
    return project, officer, first, second, expert


def test_twenty_concurrent_awards_make_exactly_one(app):
    project, officer, first, second, _ = _reviewed_project()
    ids = (officer.id, project.id, first.id)  # plain ids: threads load their own rows
    with clock.frozen(project.bid_deadline + timedelta(hours=2)):
        def decide():
            awards.award(db.session.get(User, ids[0]), db.session.get(Project, ids[1]), db.session.get(Bid, ids[2]))
        results = _race(app, [decide] * 20)
    assert results.count("ok") == 1
    assert db.session.scalar(db.select(db.func.count(Award.id))) == 1


def test_concurrent_duplicate_scores_store_one(app):
    project, officer = published_project()
    bid, _ = submitted_bid(project)
    expert, department = make_user(Role.expert), make_user(Role.department)
    with clock.frozen(project.bid_deadline + timedelta(hours=1)):
        awards.close_if_due(project)
        awards.set_panel(officer, project, [(officer, PanelRole.street), (expert, PanelRole.expert),
                                            (department, PanelRole.department)])
        awards.schedule_roadshow(officer, bid, clock.now(), "线上")
        awards.declare(expert, project)
        db.session.commit()
        expert_id, bid_id = expert.id, bid.id

        def score():
            awards.score(db.session.get(User, expert_id), db.session.get(Bid, bid_id),
                         {k: {"score": 5, "reason": "理由"} for k in ("plan", "team", "past", "budget", "roadshow")})
        results = _race(app, [score] * 10)
    assert results.count("ok") == 1
    assert db.session.scalar(db.select(db.func.count(BidScore.id))) == 1


def test_racing_to_two_awards_never_exceeds_capacity(app):
    user = bidder()  # no grade: one project at a time
    db.session.commit()
    one = _reviewed_project(user)
    two = _reviewed_project(user)
    when = max(one[0].bid_deadline, two[0].bid_deadline) + timedelta(hours=2)
    jobs_ids = [(one[1].id, one[0].id, one[2].id), (two[1].id, two[0].id, two[2].id)]
    org_id = user.organization_id
    with clock.frozen(when):
        def decide(officer_id, project_id, bid_id):
            return lambda: awards.award(db.session.get(User, officer_id), db.session.get(Project, project_id),
                                        db.session.get(Bid, bid_id))
        results = _race(app, [decide(*ids) for ids in jobs_ids])
    assert results.count("ok") == 1
    awarded = db.session.scalar(db.select(db.func.count(Bid.id)).where(
        Bid.organization_id == org_id, Bid.status == BidStatus.awarded))
    assert awarded == 1


def test_sqlite_reading_requests_begin_deferred_and_writing_ones_immediate(app):
    from marketplace.extensions import sqlite_begin_statement

    assert sqlite_begin_statement() == "BEGIN IMMEDIATE"  # CLI, tests, jobs
    for method, expected in (("GET", "BEGIN"), ("HEAD", "BEGIN"), ("POST", "BEGIN IMMEDIATE"),
                             ("PUT", "BEGIN IMMEDIATE"), ("DELETE", "BEGIN IMMEDIATE")):
        with app.test_request_context("/", method=method):
            assert sqlite_begin_statement() == expected, method


def test_sqlite_readers_never_wait_for_a_writer(app, client):
    """A page answers at once while another connection holds the write lock (WAL, deferred read)."""
    import sqlite3
    import time

    import pytest

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's transaction modes")
    make_user(Role.admin)
    db.session.commit()
    writer = sqlite3.connect(db.engine.url.database, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE users SET display_name = display_name || '!'")
        started = time.monotonic()
        assert client.get("/").status_code == 200
        assert client.get("/needs/").status_code == 200
        assert time.monotonic() - started < 2  # the busy timeout is 10 s: nobody waited for the lock
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_concurrent_orders_never_exceed_the_capacity_offered(app):
    """点单会: twenty secretaries order 3 units of an item offering 10 a month; the item's row lock lets
    exactly three through, the others are refused with the capacity left."""
    from decimal import Decimal

    from marketplace.domain.supply import ordering
    from marketplace.models import MeetingItem, ServiceOrder
    from tests.factories import listed_service, make_community, make_street

    street = make_street()
    officer = make_user(Role.street, street_id=street.id)
    communities = [make_community(street=street) for _ in range(20)]
    secretaries = [make_user(Role.secretary, community_id=c.id) for c in communities]
    item = listed_service(monthly_capacity=40, price=Decimal("100"))
    starts = clock.now() + timedelta(days=1)
    meeting = ordering.schedule(officer, {"title": "点单会", "starts_at": starts, "place": "街道",
                                          "community_ids": [c.id for c in communities]})
    row = ordering.present(officer, meeting, item, starts, 10, 10)
    ids = [s.id for s in secretaries]
    row_id = row.id

    def order(user_id):
        return lambda: ordering.place(db.session.get(User, user_id), db.session.get(MeetingItem, row_id),
                                      {"quantity": 3, "months": 2, "budget": "600"})

    with clock.frozen(starts + timedelta(hours=1)):
        results = _race(app, [order(u) for u in ids])
    assert results.count("ok") == 3, results
    assert db.session.scalar(db.select(db.func.sum(ServiceOrder.quantity))) == 9


def test_concurrent_acceptances_keep_the_grade_limit(app):
    """An organization without a grade carries one project at a time: of ten orders accepted at once,
    exactly one becomes a commissioned project."""
    from decimal import Decimal

    from marketplace.domain.supply import ordering
    from marketplace.models import OrderStatus, ServiceOrder
    from tests.factories import listed_service, make_community, make_street

    street = make_street()
    officer = make_user(Role.street, street_id=street.id)
    community = make_community(street=street)
    secretary = make_user(Role.secretary, community_id=community.id)
    org_user = make_user(Role.organization)
    item = listed_service(org_user=org_user, monthly_capacity=100, price=Decimal("100"))
    starts = clock.now() + timedelta(days=1)
    meeting = ordering.schedule(officer, {"title": "点单会", "starts_at": starts, "place": "街道",
                                          "community_ids": [community.id]})
    row = ordering.present(officer, meeting, item, starts, 10, 100)
    with clock.frozen(starts + timedelta(hours=1)):
        orders = [ordering.place(secretary, row, {"quantity": 2, "months": 1, "budget": "200"}).id for _ in range(10)]
        user_id = org_user.id

        def accept(order_id):
            return lambda: ordering.accept(db.session.get(User, user_id), db.session.get(ServiceOrder, order_id))

        results = _race(app, [accept(o) for o in orders])
    assert results.count("ok") == 1, results
    assert db.session.scalar(db.select(db.func.count(ServiceOrder.id)).where(
        ServiceOrder.status == OrderStatus.accepted)) == 1


def test_two_scans_at_once_keep_one_flag_and_each_letter_once(app):
    """The tick's scan job and `flask integrity scan` at the same moment: on PostgreSQL the second waits
    and finds what the first kept; on SQLite a scan may fail cleanly (the next tick scans again). Either
    way one flag, each letter stored once, and the chain intact."""
    project, _a, _b = two_competitors_sharing_a_phone()
    with clock.frozen(project.bid_deadline + timedelta(minutes=5)):
        awards.close_if_due(project)
        results = _race(app, [scan.scan, scan.scan])
    assert "ok" in results
    if db.engine.dialect.name == "postgresql":
        assert results == ["ok", "ok"]
    assert db.session.scalar(db.select(db.func.count(IntegrityFlag.id))) == 1
    digests = db.session.scalars(db.select(LetterShingles.digest)).all()
    assert len(digests) == len(set(digests)) == 1  # (the factory writes the same letter for both bids)
    assert audit.verify_chain().ok
