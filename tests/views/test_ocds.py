from marketplace.domain.tender import bids, projects
from marketplace.extensions import db
from tests.factories import approved_need, bid_data, bidder, project_data, project_in_delivery, published_project


def test_a_release_per_project_with_tender_award_and_contract(app, client):
    project, _officer, winner, _ = project_in_delivery()
    db.session.commit()
    data = client.get(f"/projects/{project.code}/ocds.json").get_json()
    [release] = data["releases"]
    assert data["version"] == "1.1" and release["ocid"] == f"ocds-licang-{project.code}"
    assert release["tender"]["status"] == "complete" and release["tender"]["value"]["currency"] == "CNY"
    assert release["awards"][0]["status"] == "active"
    assert release["awards"][0]["suppliers"][0]["name"] == winner.organization.name
    assert release["contracts"][0]["value"]["amount"] == 60000.0
    assert {"tender", "award", "contract"} <= set(release["tag"])


def test_open_bidding_shows_counts_never_content_and_drafts_are_absent(app, client):
    project, officer = published_project()
    user = bidder()
    bids.submit(user, bids.save(user, project, bid_data(plan="SECRET-PLAN-OCDS")))
    need, _ = approved_need(street_officer=officer)
    draft = projects.create(officer, [need], project_data(officer, title="草稿项目"))
    db.session.commit()
    body = client.get("/projects/ocds.json").get_data(as_text=True)
    assert "SECRET-PLAN-OCDS" not in body and draft.code not in body
    release = client.get(f"/projects/{project.code}/ocds.json").get_json()["releases"][0]
    assert release["tender"]["numberOfTenderers"] == 1 and "awards" not in release  # (empty: omitted)
    assert client.get(f"/projects/{draft.code}/ocds.json").status_code == 404
