"""The supervisor 监督员: reads what the district administrator reads, never a sealed bid before its
deadline, and acts on nothing (every acting rule refuses; POSTs to acting pages are 403)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.domain.core import clock, permissions, records
from marketplace.domain.tender import bids, projects
from marketplace.extensions import db
from marketplace.models import Bid, Role
from tests.conftest import Auth
from tests.factories import (
    approved_need,
    make_org,
    make_user,
    project_data,
    project_in_delivery,
    published_project,
    submitted_bid,
)

READING = {"organization.view_private", "need.view_private", "need.see_scores", "project.view_draft",
           "delivery.view", "evaluation.view", "project.open_for_bids", "integrity.desk", "order.view_private",
           "district.desk"}


def test_the_supervisor_reads_drafts_and_private_details_like_the_district(app):
    need, officer = approved_need()
    draft = projects.create(officer, [need], project_data(officer))
    pending = make_org(status=__import__("marketplace.models", fromlist=["VerificationStatus"]).VerificationStatus.pending)
    supervisor, resident = make_user(Role.supervisor), make_user(Role.resident)
    db.session.commit()
    watcher, public = app.test_client(), app.test_client()
    Auth(watcher).login(supervisor.username)
    Auth(public).login(resident.username)
    assert watcher.get(f"/projects/{draft.code}").status_code == 200
    assert public.get(f"/projects/{draft.code}").status_code == 404
    assert watcher.get(f"/organizations/{pending.id}").status_code == 200
    assert public.get(f"/organizations/{pending.id}").status_code == 404
    assert permissions.can(supervisor, "need.view_private", need)
    assert not permissions.can(resident, "need.view_private", need)


def test_a_bid_opens_to_the_supervisor_only_after_its_deadline():
    project, _officer = published_project()
    bid, _owner = submitted_bid(project)
    supervisor = make_user(Role.supervisor)
    assert not bids.can_read(supervisor, bid)
    with clock.frozen(project.bid_deadline + timedelta(minutes=1)):
        from marketplace.domain.tender import awards

        awards.close_if_due(project)
        assert bids.can_read(supervisor, bid)


def test_no_acting_rule_lets_the_supervisor_act():
    """Every rule outside the reading ones refuses the supervisor, on a project in delivery (the stage
    where most actions exist), its bid, and an organization."""
    project, _officer, winner, _secretary = project_in_delivery()
    supervisor = make_user(Role.supervisor)
    bid = db.session.get(Bid, records.current_award(project).bid_id)
    allowed = []
    for action in permissions.actions():
        if action in READING or action in permissions._PUBLIC:  # what anyone, even anonymous, may do
            continue
        for obj in (project, bid, winner.organization, None):
            try:
                if permissions.can(supervisor, action, obj):
                    allowed.append((action, obj))
            except (AttributeError, TypeError):
                continue  # the rule expects another kind of object
    # only their own account: the password and two-factor sign-in
    assert [(a, type(o).__name__) for a, o in allowed] == [("account.change_password", "NoneType"),
                                                           ("account.two_factor", "NoneType")]


@pytest.mark.parametrize("path", ["/projects/{code}/withdraw", "/projects/{code}/publish", "/projects/{code}/award",
                                  "/projects/{code}/delivery/approve", "/projects/{code}/evaluation/assign"])
def test_acting_pages_refuse_the_supervisor(app, path):
    project, _officer, _winner, _secretary = project_in_delivery()
    supervisor = make_user(Role.supervisor)
    db.session.commit()
    client = app.test_client()
    auth = Auth(client)
    auth.login(supervisor.username)
    response = auth.post(path.format(code=project.code), {"reason": "监督员不能做决定"})
    assert response.status_code in (403, 404)
