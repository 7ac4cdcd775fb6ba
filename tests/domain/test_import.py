"""Import of a district's service list: all rows or none, every error listed by row number."""

from __future__ import annotations

from decimal import Decimal

from marketplace.domain.supply import importer
from marketplace.extensions import db
from marketplace.models import AuditEntry, Role, ServiceItem, ServiceStatus, VerificationStatus
from tests.factories import listed_service, make_category, make_org, make_street, make_user

HEADERS = ",".join(importer.HEADERS)


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADERS, *rows]) + "\n").encode("utf-8-sig")


def _errors(result) -> list[tuple[int, str]]:
    return [(e.row, e.message) for e in result.errors]


def test_a_good_file_lists_every_row_and_audits_the_import():
    org = make_org()
    make_category("为老服务")
    north, south = make_street("北街道"), make_street("南街道")
    result = importer.import_file("cli", _csv(f"{org.uscc},助餐,为老服务,送餐上门,独居老人,北街道；南街道,15,100",
                                              f"{org.uscc},助浴,为老服务,上门洗浴,失能老人,全区,\"1,200\",8"))
    assert not result.errors
    first, second = result.created
    assert first.status is ServiceStatus.listed and first.imported and first.streets == [north, south]
    assert second.whole_district and second.price == Decimal("1200") and second.monthly_capacity == 8
    actions = [e.action for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.seq))]
    assert actions[-3:] == ["service.imported", "service.imported", "catalogue.imported"]


def test_one_bad_row_rejects_the_file_with_every_error_by_row():
    org, pending = make_org(), make_org(status=VerificationStatus.pending)
    make_category("为老服务")
    make_street("北街道")
    listed_service(org_user=make_user(Role.organization, organization_id=org.id), name="已有服务")
    before = db.session.scalar(db.select(db.func.count(ServiceItem.id)))
    result = importer.import_file("cli", _csv(
        f"{org.uscc},助餐,为老服务,送餐,老人,北街道,15,100",               # 2: fine
        "52370213MA0000000X,助浴,为老服务,洗浴,老人,全区,100,5",          # 3: unknown organization
        f"{pending.uscc},助洁,为老服务,保洁,老人,全区,100,5",              # 4: not verified
        f"{org.uscc},助医,不存在,陪诊,老人,全区,100,5",                    # 5: unknown category
        f"{org.uscc},助行,为老服务,陪同,老人,全区,-3,五",                  # 6: two bad numbers
        f"{org.uscc},助餐,为老服务,送餐,老人,北街道,15,100",               # 7: duplicate in the file
        f"{org.uscc},已有服务,为老服务,送餐,老人,北街道,15,100",           # 8: duplicate on the platform
        f"{org.uscc},巡访,为老服务,探访,老人,火星街道,15,100",             # 9: unknown street
        f"{org.uscc},理发,为老服务,理发,老人,,15,100"))                    # 10: no street
    rows = [row for row, _ in _errors(result)]
    assert rows == [3, 4, 5, 6, 6, 7, 8, 9, 10], _errors(result)
    assert not result.created
    assert db.session.scalar(db.select(db.func.count(ServiceItem.id))) == before


def test_wrong_headers_and_unreadable_files_are_clear_errors():
    assert _errors(importer.import_file("cli", "名称,价格\n助餐,15\n".encode()))[0][0] == 1
    assert importer.import_file("cli", b"PK\x03\x04 not really a workbook", "x.xlsx").errors
    assert importer.import_file("cli", b"\xff\xfe\x00\x00garbage\x00").errors
    assert importer.import_file("cli", b"").errors
    assert importer.import_file("cli", _csv()).errors  # headers, no rows


def test_only_the_district_imports():
    import pytest
    from werkzeug.exceptions import Forbidden

    with pytest.raises(Forbidden):
        importer.import_file(make_user(Role.street), _csv())
