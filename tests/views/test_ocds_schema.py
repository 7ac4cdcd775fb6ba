"""OCDS 1.1: every release of the demo district validates against the official schema (vendored,
offline), with stable ids and dates, one ocid per contracting process, and the publication terms."""

import re
from datetime import timedelta

from marketplace.domain.core import clock
from marketplace.domain.tender import awards
from marketplace.extensions import db
from marketplace.models import Project
from tests.factories import bidder, project_in_delivery, published_project
from tests.ocds_validation import errors

RFC3339_LOCAL = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")
DATE_KEYS = {"date", "startDate", "endDate", "dateSigned", "publishedDate"}


def _walk(data, path=""):
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _walk(value, f"{path}/{i}")
    else:
        yield path, data


def _check_release_shape(release):
    problems = []
    for path, value in _walk(release):
        if value == "":
            problems.append(f"{path}: empty string")
        if path.rsplit("/", 1)[-1] in DATE_KEYS and not RFC3339_LOCAL.match(str(value)):
            problems.append(f"{path}: {value} is not RFC 3339 at +08:00")
    if len(release["tag"]) != len(set(release["tag"])):
        problems.append(f"tags repeated: {release['tag']}")
    return problems


def _pages(client):
    url, pages = "/projects/ocds.json", []
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append(response.get_json())
        url = pages[-1].get("links", {}).get("next")
    return pages


def test_every_release_of_the_demo_validates_against_the_official_schema(app, client, demo):
    db.session.commit()
    problems, releases = [], {}
    for package in _pages(client):
        problems += errors(package)
        assert package["license"] and package["publicationPolicy"].endswith("/open-data")
        assert package["extensions"] and "pagination" in package["extensions"][0]
        for release in package["releases"]:
            problems += _check_release_shape(release)
            releases[release["ocid"]] = release
    codes = db.session.scalars(db.select(Project.code).where(Project.status != "draft")).all()
    assert codes
    for code in codes:
        response = client.get(f"/projects/{code}/ocds.json")
        package = response.get_json()
        problems += [f"{code}: {e}" for e in errors(package)]
        for release in package["releases"]:
            problems += _check_release_shape(release)
            assert release == releases[release["ocid"]]  # the same release on both URLs
        assert client.get(f"/projects/{code}/ocds.json").data == response.data  # fetch twice: same bytes
    assert problems == []
    # the exited demo project was published again: two processes linked both ways
    linked = [r for r in releases.values() if r.get("relatedProcesses")]
    assert linked, "the demo has a project published again"
    for release in linked:
        for rel in release["relatedProcesses"]:
            other = releases[rel["identifier"]]
            assert any(back["identifier"] == release["ocid"] for back in other["relatedProcesses"])
    assert client.get("/projects/ocds.json?page=99").status_code == 404


def test_release_id_and_date_follow_the_projects_own_last_entry(app, client):
    from marketplace.models import AuditEntry

    project, _officer = published_project()
    other, _ = published_project()  # entries of another project do not change this one's release
    db.session.commit()
    first = client.get(f"/projects/{project.code}/ocds.json").get_json()["releases"][0]
    own_last = db.session.scalar(db.select(db.func.max(AuditEntry.seq)).where(
        AuditEntry.subject_type == "projects", AuditEntry.subject_id == project.id))
    assert first["id"] == f"{project.code}-{own_last}"
    with clock.frozen(clock.now() + timedelta(hours=2)):
        from marketplace.domain.tender import projects

        projects.withdraw(_, other, "预算调整")
        db.session.commit()
        again = client.get(f"/projects/{project.code}/ocds.json").get_json()["releases"][0]
    assert again == first
    assert first["date"].endswith("+08:00")


def test_a_failed_tender_published_again_is_a_new_process_linked_both_ways(app, client):
    project, officer = published_project()
    with clock.frozen(project.bid_deadline + timedelta(minutes=1)):
        awards.close_if_due(project)
        now = clock.now()
        awards.republish(officer, project, now + timedelta(days=9), now + timedelta(days=6))
        db.session.commit()
        package = client.get(f"/projects/{project.code}/ocds.json").get_json()
    assert errors(package) == []
    old, new = package["releases"]
    assert old["ocid"] == f"ocds-licang-{project.code}" and new["ocid"] == f"ocds-licang-{project.code}-2"
    assert old["tender"]["status"] == "unsuccessful" and new["tender"]["status"] == "active"
    assert old["relatedProcesses"][0] == {"id": "replacement", "relationship": ["replacementProcess"],
                                          "scheme": "ocid", "identifier": new["ocid"], "title": project.title}
    assert new["relatedProcesses"][0]["relationship"] == ["unsuccessfulProcess"]
    assert new["relatedProcesses"][0]["identifier"] == old["ocid"]
    assert old["tender"]["tenderPeriod"]["endDate"] != new["tender"]["tenderPeriod"]["endDate"]


def test_after_a_withdrawal_the_old_award_and_contract_stay_on_the_old_ocid(app, client):
    project, officer, winner, _ = project_in_delivery()
    with clock.frozen(project.bid_deadline + timedelta(days=12)):
        awards.withdraw_after_award(winner, project, "团队解散，无法继续履约")
        now = clock.now()
        awards.republish(officer, project, now + timedelta(days=9), now + timedelta(days=6))
        db.session.commit()
        package = client.get(f"/projects/{project.code}/ocds.json").get_json()
    assert errors(package) == []
    old, new = package["releases"]
    assert old["awards"][0]["suppliers"][0]["name"] == winner.organization.name
    assert old["contracts"][0]["status"] == "terminated"
    assert old["tender"]["tenderers"] and "award" in old["tag"] and "contract" in old["tag"]
    assert "awards" not in new and "contracts" not in new and new["tag"] == ["tender"]
    assert new["relatedProcesses"][0]["relationship"] == ["prior"]


def test_parties_identifiers_and_tenderers_only_after_the_award(app, client):
    project, _officer = published_project()
    from tests.factories import submitted_bid

    submitted_bid(project, bidder())
    db.session.commit()
    release = client.get(f"/projects/{project.code}/ocds.json").get_json()["releases"][0]
    assert "tenderers" not in release["tender"] and release["tender"]["numberOfTenderers"] == 1
    assert release["tender"]["procuringEntity"]["id"] == release["buyer"]["id"]
    [buyer] = release["parties"]
    assert buyer["identifier"]["id"] == project.street.code and set(buyer["roles"]) == {"buyer", "procuringEntity"}

    delivered, _o, winner, _s = project_in_delivery()
    db.session.commit()
    release = client.get(f"/projects/{delivered.code}/ocds.json").get_json()["releases"][0]
    [tenderer] = release["tender"]["tenderers"]
    party = next(p for p in release["parties"] if p["id"] == tenderer["id"])
    assert party["identifier"] == {"scheme": "CN-USCC", "id": winner.organization.uscc,
                                   "legalName": winner.organization.name}
    assert {"tenderer", "supplier"} <= set(party["roles"])


def test_the_ocid_prefix_and_terms_are_configuration(app, client):
    project, _officer = published_project()
    db.session.commit()
    saved = dict(app.config)
    app.config.update(OCDS_OCID_PREFIX="ocds-abc123", OCDS_LICENSE="https://example.org/licence",
                      OCDS_PUBLICATION_POLICY="https://example.org/policy")
    try:
        package = client.get(f"/projects/{project.code}/ocds.json").get_json()
    finally:
        app.config.update({k: saved[k] for k in ("OCDS_OCID_PREFIX", "OCDS_LICENSE", "OCDS_PUBLICATION_POLICY")})
    assert package["releases"][0]["ocid"] == f"ocds-abc123-{project.code}"
    assert package["license"] == "https://example.org/licence"
    assert package["publicationPolicy"] == "https://example.org/policy"
    assert client.get("/open-data").status_code == 200


def test_pages_past_the_end_are_404_and_links_name_the_next_page(app, client):
    assert client.get("/projects/ocds.json").status_code == 404  # nothing published yet
    published_project()
    db.session.commit()
    package = client.get("/projects/ocds.json").get_json()
    assert "links" not in package and errors(package) == []
    assert client.get("/projects/ocds.json?page=2").status_code == 404
    assert client.get("/projects/ocds.json?page=0").status_code == 404
    assert client.get("/projects/ocds.json?page=abc").status_code == 200  # not a number: the first page
    assert client.get("/projects/ocds.json?page=-3").status_code == 404
