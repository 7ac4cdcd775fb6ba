"""Every GET page, on the demo district, for every role: never a 500, and reading never writes —
not even when deadlines have fallen due and nobody has run `flask deadlines tick` yet."""

from datetime import timedelta

from marketplace.domain import deadlines
from marketplace.domain.core import audit, clock
from marketplace.extensions import db
from tests.conftest import FROZEN_AT
from tests.demo_crawl import signed_in_clients


def _crawl(app, urls) -> list[tuple[str | None, str, int]]:
    failures = []
    for username, client in signed_in_clients(app).items():
        for url in urls:
            response = client.get(url)
            if response.status_code >= 500:
                failures.append((username, url, response.status_code))
            response.close()
    return failures


def test_no_page_fails_and_no_page_writes_for_any_role(app, demo_crawl, demo):
    # Today: every page as every role (read once per pass, tests/demo_crawl.py; test_hostile uses it too).
    assert len(demo_crawl.urls) > 150
    assert demo_crawl.failures == []

    # Weeks later, on a fresh copy of the same district: bidding deadlines passed, notices ended,
    # milestones overdue — and no cron yet.
    urls = demo_crawl.urls
    with clock.frozen(FROZEN_AT + timedelta(days=40)):
        before = audit.head()  # sign-ins write (last sign-in time) but append nothing to the chain
        assert _crawl(app, urls) == []
        db.session.expire_all()
        assert audit.head() == before, "a GET page recorded a transition"
        due = deadlines.tick()  # the transitions were due all along: cron records them
        assert due["closed"] + due["finalized"] + due["interventions"] > 0
        db.session.rollback()
