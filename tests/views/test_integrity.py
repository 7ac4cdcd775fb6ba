"""The supervisor's desk and flag pages over HTTP: who may enter, bounded queries, the evidence opened
with a reason (a POST, on the chain), refusals that keep what was typed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.domain.core import clock
from marketplace.extensions import db
from marketplace.models import AuditEntry, FlagStatus, IntegrityFlag, Project, Role, flag_projects
from tests.conftest import Auth, csrf_token_from
from tests.factories import bare_project, make_org, make_user


def make_flags(n: int, project_id: int | None = None) -> list[IntegrityFlag]:
    project_id = project_id or bare_project()
    org_a, org_b = make_org(), make_org()
    rows = []
    for i in range(n):
        flag = IntegrityFlag(key=f"identity:o{org_a.id}:o{org_b.id}:{i}", signal="shared_identity",
                             severity=["high", "medium", "low"][i % 3], measure=Decimal(i), status=FlagStatus.open,
                             facts={"fields": ["phone"], "tenders": 1}, evidence={"rows": [{"project": project_id}]},
                             organization_ids=[org_a.id, org_b.id], first_found_at=clock.now(), last_found_at=clock.now())
        db.session.add(flag)
        rows.append(flag)
    db.session.flush()
    db.session.execute(flag_projects.insert(), [{"flag_id": f.id, "project_id": project_id} for f in rows])
    return rows


def _client(app, role=Role.supervisor, with_user=False):
    user = make_user(role)
    db.session.commit()
    client = app.test_client()
    Auth(client).login(user.username)
    return (client, user) if with_user else client


@pytest.mark.parametrize(("role", "code"), [(Role.supervisor, 200), (Role.admin, 403), (Role.street, 403),
                                            (Role.organization, 403), (Role.resident, 403)])
def test_only_the_supervisor_enters_the_desk(app, role, code):
    [flag] = make_flags(1)
    client = _client(app, role)
    assert client.get("/integrity/").status_code == code
    assert client.get(f"/integrity/flags/{flag.id}").status_code == code


def test_the_desk_lists_open_flags_by_severity_and_filters(app):
    make_flags(3)
    client = _client(app)
    page = client.get("/integrity/").get_data(as_text=True)
    assert page.index("badge-danger") < page.index("badge-warning")  # high before medium
    assert "共用" in page and "联系电话" in page
    assert client.get("/integrity/?severity=low").get_data(as_text=True).count("<td class=\"severity\">") == 1
    assert "没有符合条件的标记" in client.get("/integrity/?status=referred").get_data(as_text=True)
    assert client.get("/integrity/?status=x&signal=zz&severity=y&street=99999999999").status_code == 200


def test_the_desk_runs_a_bounded_number_of_queries(app, count_queries):
    client = _client(app)
    project = bare_project()
    seen = []
    for size in (3, 40):
        make_flags(size, project)
        db.session.commit()
        with count_queries() as n:
            assert client.get("/integrity/").status_code == 200
        seen.append(n())
    assert seen[0] == seen[1] and seen[1] <= 12, seen


def test_opening_the_evidence_then_referring_it(app):
    [flag] = make_flags(1)
    client, me = _client(app, with_user=True)
    page = client.get(f"/integrity/flags/{flag.id}").get_data(as_text=True)
    assert "查看证据" in page and "相关项目" not in page  # the evidence is not shown before it is opened
    token = csrf_token_from(page)
    short = client.post(f"/integrity/flags/{flag.id}", data={"step": "open", "open-reason": "看", "csrf_token": token})
    assert short.status_code == 400 and 'value="看"' in short.get_data(as_text=True)
    assert client.post(f"/integrity/flags/{flag.id}", data={"step": "open", "open-reason": "季度例行核查",
                                                            "csrf_token": token}).status_code == 302
    page = client.get(f"/integrity/flags/{flag.id}").get_data(as_text=True)
    assert "证据" in page and "季度例行核查" in page and "移送" in page
    # every look is itself on the record, and the page says who looked: name, account and role
    looked = page[page.index("查看记录"):]
    assert me.display_name in looked and me.username in looked and "监督员" in looked and "季度例行核查" in looked
    empty = client.post(f"/integrity/flags/{flag.id}", data={"step": "refer", "refer-to": "区审计局",
                                                             "refer-reason": "", "csrf_token": token})
    assert empty.status_code == 400 and "区审计局" in empty.get_data(as_text=True)
    done = client.post(f"/integrity/flags/{flag.id}", data={"step": "refer", "refer-to": "区审计局",
                                                            "refer-reason": "两家组织共用电话，需调查", "csrf_token": token})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(IntegrityFlag, flag.id).status is FlagStatus.referred
    assert db.session.scalars(select(AuditEntry.action).where(AuditEntry.subject_type == "integrity_flags")
                              .order_by(AuditEntry.seq)).all() == ["integrity.flag_opened", "integrity.flag_referred"]
    again = client.post(f"/integrity/flags/{flag.id}", data={"step": "dismiss", "dismiss-reason": "改为驳回可以吗",
                                                             "csrf_token": token})
    assert again.status_code in (400, 409) and "已处理完毕" in again.get_data(as_text=True)


def test_rules_page_lists_the_signals_publicly(client):
    page = client.get("/rules").get_data(as_text=True)
    assert "廉洁监督" in page and "意向书高度雷同" in page


def test_rules_page_shows_every_threshold_of_the_signals(client):
    """Every named threshold in `signals` is on a row of /rules (none kept only in the code)."""
    from marketplace.domain.integrity import flags, signals

    constants = {name for name, value in vars(signals).items()
                 if name.isupper() and isinstance(value, (int, float)) and not name.startswith("_")}
    shown = {name for _label, names in flags.THRESHOLD_ROWS for name, _fmt in names}
    # TRIM_AT is only the default of the award's rule award.trim_at, which the scan reads (its own row)
    assert constants - {"TRIM_AT"} == shown, constants ^ shown
    page = client.get("/rules").get_data(as_text=True)
    for label, value in flags.thresholds():
        assert value in page
    assert "0.7" not in page.split('id="integrity"')[1].split("</section>")[0]  # shares read as per cent


def test_a_rotation_flag_reads_in_chinese_with_its_chart(app):
    project = bare_project()
    org_a, org_b = make_org(), make_org()
    flag = IntegrityFlag(
        key=f"rotation:o{org_a.id}:o{org_b.id}", signal="rotation", severity="high", measure=Decimal(6),
        status=FlagStatus.open, first_found_at=clock.now(), last_found_at=clock.now(),
        facts={"tenders": 3, "ring": 2, "winners": 2, "rotating": True, "gap": 25.0, "median_gap": 28.0,
               "by_score": True},
        evidence={"rows": [{"project": project, "winner": org_a.id, "winner_score": 88.0, "loser_score": 60.0,
                            "gap": 28.0, "winner_price": 50000.0, "loser_price": 52000.0, "cover": True}],
                  "chart": {"kind": "cover"}},
        organization_ids=[org_a.id, org_b.id])
    db.session.add(flag)
    db.session.flush()
    db.session.execute(flag_projects.insert(), [{"flag_id": flag.id, "project_id": project}])
    client = _client(app)
    desk = client.get("/integrity/").get_data(as_text=True)
    assert "轮流" in desk and "从未具有竞争力" in desk
    token = csrf_token_from(client.get(f"/integrity/flags/{flag.id}").get_data(as_text=True))
    client.post(f"/integrity/flags/{flag.id}", data={"step": "open", "open-reason": "核查围标线索", "csrf_token": token})
    page = client.get(f"/integrity/flags/{flag.id}").get_data(as_text=True)
    assert "中标方" in page and "<svg" in page and org_a.name in page
    assert "轮流" in client.get("/rules").get_data(as_text=True)


def test_the_tender_page_shows_the_supervisor_its_open_flags_and_nobody_else(app):
    project = bare_project()
    flagged = make_flags(2, project)
    decider = make_user(Role.supervisor).id
    flagged[1].status, flagged[1].decided_at = FlagStatus.dismissed, clock.now()
    flagged[1].decision_reason, flagged[1].decided_by_id = "核实无问题", decider
    code = db.session.get(Project, project).code
    quiet = db.session.get(Project, bare_project()).code
    client = _client(app)
    page = client.get(f"/projects/{code}").get_data(as_text=True)
    assert "本项目的廉洁监督标记" in page and f"/integrity/flags/{flagged[0].id}" in page
    assert f"/integrity/flags/{flagged[1].id}\"" not in page  # a decided flag is not on the panel
    assert "没有待核查的标记涉及本项目" in client.get(f"/projects/{quiet}").get_data(as_text=True)
    for role in (Role.admin, Role.street, Role.organization):
        other = _client(app, role).get(f"/projects/{code}").get_data(as_text=True)
        assert "廉洁监督标记" not in other and "/integrity/flags/" not in other
    assert "/integrity/flags/" not in app.test_client().get(f"/projects/{code}").get_data(as_text=True)
