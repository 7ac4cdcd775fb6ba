"""Pages run a bounded number of queries whatever the data size."""

import pytest

from marketplace.extensions import db
from marketplace.models import Role
from tests.conftest import Auth
from tests.factories import make_category, make_org, make_street, make_user


@pytest.fixture
def grow():
    street, category = make_street(), make_category()

    def _grow(n):
        for _ in range(n):
            org = make_org()
            org.streets, org.categories = [street], [category]
        db.session.commit()

    return _grow


@pytest.mark.parametrize("url", ["/organizations/", "/", "/rules"])
def test_public_pages_are_bounded(client, grow, count_queries, url):
    counts = []
    for size in (10, 90):
        grow(size)
        with count_queries() as n:
            assert client.get(url).status_code == 200
        counts.append(n())
    assert counts[0] == counts[1] and counts[1] <= 8, counts


def test_admin_pages_are_bounded(app, grow, count_queries):
    admin = make_user(Role.admin)
    db.session.commit()
    client = app.test_client()
    Auth(client).login(admin.username)
    counts = []
    for size in (10, 60):
        grow(size)
        with count_queries() as n:
            assert client.get("/district/organizations?status=verified").status_code == 200
            assert client.get("/dashboard").status_code == 200
        counts.append(n())
    assert counts[0] == counts[1], counts
