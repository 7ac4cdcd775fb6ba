"""资源清单 pages: the public list (filters, search, exports, bounded queries), an item's page, an
organization's own items, the district's review desk and the import page."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import Workbook, load_workbook

from marketplace.domain.supply import catalogue
from marketplace.extensions import db
from marketplace.models import AuditEntry, Grade, Role, ServiceItem, ServiceStatus
from tests.conftest import csrf_token_from
from tests.factories import PASSWORD, listed_service, make_category, make_org, make_street, make_user, service_data


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_list_shows_listed_items_only_and_filters(client):
    elderly, youth = make_category("为老服务"), make_category("未成年人保护")
    north, south = make_street("北街道"), make_street("南街道")
    strong = make_org(grade=Grade.a5, name="强社工中心")
    bath = listed_service(org_user=make_user(Role.organization, organization_id=strong.id), category=elderly,
                          streets=[north])
    tutor = listed_service(category=youth, name="青少年课后托管", description="放学后作业辅导与托管",
                           audience="双职工家庭的小学生", price=Decimal("800"), price_unit="月")
    draft = catalogue.create(make_user(Role.organization), service_data(name="还没提交的草稿"))
    db.session.commit()

    page = client.get("/services/").get_data(as_text=True)
    assert bath.name in page and tutor.name in page and draft.name not in page
    assert "资源清单" in page
    only = lambda q: client.get("/services/?" + q).get_data(as_text=True)  # noqa: E731
    assert tutor.name not in only(f"category={elderly.id}")
    assert bath.name in only(f"street={north.id}") and tutor.name in only(f"street={north.id}")  # whole district
    assert bath.name not in only(f"street={south.id}")
    assert bath.name not in only("price_min=500") and tutor.name in only("price_min=500")
    assert tutor.name not in only("grade=4") and bath.name in only("grade=4")
    assert tutor.name in only("q=托管") and bath.name not in only("q=托管")
    assert bath.name not in only("credit=50")  # nobody has a credit score yet
    assert client.get("/services/?price_min=abc&grade=9&credit=x&street=99999999999").status_code == 200


def test_exports(client):
    listed_service(name="=HYPERLINK(1)")
    db.session.commit()
    rows = _csv_rows(client.get("/services/export.csv"))
    assert rows[0][:2] == ["服务编号", "服务名称"] and rows[1][1] == "'=HYPERLINK(1)"
    assert rows[1][7] == "全区"
    sheet = load_workbook(io.BytesIO(client.get("/services/export.xlsx").data)).active
    row = list(sheet.iter_rows(min_row=2))[0]
    assert row[1].value == "=HYPERLINK(1)" and row[1].data_type == "s" and row[8].data_type == "n"


def test_list_page_is_bounded(client, count_queries):
    counts = []
    for size in (3, 30):
        category = make_category()
        for n in range(size):
            listed_service(category=category, streets=[make_street()], name=f"服务{size}-{n}")
        db.session.commit()
        with count_queries() as n:
            assert client.get("/services/?credit=0").status_code == 200
        counts.append(n())
    assert counts[0] == counts[1] and counts[1] <= 10, counts


def test_item_page_shows_the_track_record_and_hides_drafts(client, auth):
    item = listed_service()
    draft = catalogue.create(make_user(Role.organization, username="other-org"), service_data(name="草稿服务"))
    db.session.commit()
    page = client.get(f"/services/{item.code}").get_data(as_text=True)
    assert item.name in page and "平台计算" in page
    assert client.get(f"/services/{draft.code}").status_code == 404
    auth.login("other-org", PASSWORD)
    assert client.get(f"/services/{draft.code}").status_code == 200


def _form(category, street, **kw):
    data = {"name": "上门助浴服务", "category_id": category.id, "description": "上门洗浴擦身",
            "audience": "失能老人", "street_ids": [street.id], "price": "120", "price_basis": "per_unit",
            "price_unit": "次", "monthly_capacity": "40", "team": "护理员 6 名"}
    data.update(kw)
    return data


def test_an_organization_creates_submits_and_the_district_lists(client, auth):
    category, street = make_category(), make_street()
    make_user(Role.organization, username="org1")
    make_user(Role.admin, username="admin1")
    db.session.commit()
    auth.login("org1", PASSWORD)
    page = client.get("/my/services/new").get_data(as_text=True)
    bad = client.post("/my/services/new", data={**_form(category, street, price="-3", description="我写的内容"),
                                                "csrf_token": csrf_token_from(page)})
    assert bad.status_code == 400 and "我写的内容" in bad.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(ServiceItem.id))) == 0
    done = client.post("/my/services/new", data={**_form(category, street), "csrf_token": csrf_token_from(page)})
    assert done.status_code == 302
    item = db.session.scalars(db.select(ServiceItem)).one()
    assert item.status is ServiceStatus.draft
    assert auth.post(f"/services/{item.code}/submit", page="/my/services").status_code == 302
    assert "已提交" in client.get("/my/services").get_data(as_text=True)
    assert client.get("/district/services").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/my/services").get_data(as_text=True))})

    auth.login("admin1", PASSWORD)
    desk = client.get("/district/services").get_data(as_text=True)
    assert item.name in desk
    refused = auth.post(f"/district/services/{item.code}/return", {"reason": ""}, page="/district/services")
    assert refused.status_code == 400
    assert auth.post(f"/district/services/{item.code}/approve", page="/district/services").status_code == 302
    db.session.expire_all()
    assert db.session.get(ServiceItem, item.id).status is ServiceStatus.listed
    assert item.name in client.get("/services/").get_data(as_text=True)


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEADERS = ["统一社会信用代码", "服务名称", "服务类别", "服务内容", "服务对象", "覆盖街道", "参考价格(元)", "每月服务能力"]


def test_import_page_all_or_nothing(client, auth):
    org, category, street = make_org(), make_category("为老服务"), make_street("李村街道")
    make_user(Role.admin, username="admin1")
    db.session.commit()
    auth.login("admin1", PASSWORD)
    page = client.get("/district/services/import").get_data(as_text=True)
    bad = _xlsx([HEADERS, [org.uscc, "助餐", "为老服务", "送餐上门", "老人", "李村街道", 15, 100],
                 [org.uscc, "助浴", "不存在的类别", "洗浴", "老人", "全区", -1, 10]])
    response = client.post("/district/services/import", data={
        "csrf_token": csrf_token_from(page), "file": (io.BytesIO(bad), "list.xlsx")},
        content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "不存在的类别" in text and "参考价格(元)" in text
    assert db.session.scalar(db.select(db.func.count(ServiceItem.id))) == 0
    good = _xlsx([HEADERS, [org.uscc, "助餐", "为老服务", "送餐上门", "老人", "李村街道", 15, 100],
                  [org.uscc, "助浴", "为老服务", "洗浴", "老人", "全区", "120.5", 10]])
    response = client.post("/district/services/import", data={
        "csrf_token": csrf_token_from(page), "file": (io.BytesIO(good), "list.xlsx")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    items = db.session.scalars(db.select(ServiceItem).order_by(ServiceItem.id)).all()
    assert [(i.name, i.status, i.imported) for i in items] == [("助餐", ServiceStatus.listed, True),
                                                               ("助浴", ServiceStatus.listed, True)]
    assert items[0].streets == [street] and items[1].whole_district and items[1].price == Decimal("120.50")
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(
        AuditEntry.action == "service.imported")) == 2


def test_cli_import(runner, tmp_path):
    org, _category, _street = make_org(), make_category("为老服务"), make_street("李村街道")
    db.session.commit()
    path = tmp_path / "list.csv"
    path.write_text(",".join(HEADERS) + "\n" + f"{org.uscc},助餐,为老服务,送餐,老人,李村街道；,15,100\n"
                    + f"{org.uscc},助餐,为老服务,送餐,老人,李村街道,15,100\n", encoding="utf-8-sig")
    result = runner.invoke(args=["catalogue", "import", str(path)])
    assert result.exit_code == 1 and "row 3" in result.output
    path.write_text(",".join(HEADERS) + "\n" + f"{org.uscc},助餐,为老服务,送餐,老人,李村街道；,15,100\n",
                    encoding="utf-8-sig")
    result = runner.invoke(args=["catalogue", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(db.select(db.func.count(ServiceItem.id))) == 1


def test_nav_has_the_three_lists_side_by_side(client):
    page = client.get("/").get_data(as_text=True)
    needs, services, projects = (page.index(f'href="{u}"') for u in ("/needs/", "/services/", "/projects/"))
    assert needs < services < projects


def test_an_organization_profile_lists_its_items(client):
    item = listed_service()
    db.session.commit()
    page = client.get(f"/organizations/{item.organization_id}").get_data(as_text=True)
    assert item.name in page and f"/services/{item.code}" in page
