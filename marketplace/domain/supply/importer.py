"""Import of a district's existing service list (CSV or Excel), all rows or none.

The file has exactly these headers (any order): 统一社会信用代码, 服务名称, 服务类别, 服务内容, 服务对象,
覆盖街道, 参考价格(元), 每月服务能力. 覆盖街道 lists street names separated by ; or ；, or says 全区;
服务类别 is a category's name. One bad row — unknown organization or category, an organization not
verified, a bad number, a name the organization already uses (in the file or on the platform) —
rejects the whole file, with every error listed by its row number (the header is row 1). Imported
items are listed at once (the district vouches for its own list), each audited as an import."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.domain.core import audit, clock, permissions
from marketplace.domain.core.errors import DomainError, ValidationError
from marketplace.domain.supply import catalogue
from marketplace.extensions import db
from marketplace.models import (
    Category,
    Organization,
    PriceBasis,
    ServiceItem,
    ServiceStatus,
    Street,
    User,
    VerificationStatus,
)

HEADERS = ("统一社会信用代码", "服务名称", "服务类别", "服务内容", "服务对象", "覆盖街道", "参考价格(元)", "每月服务能力")
MAX_ROWS = 5000
DEFAULT_UNIT = "次"
_SEPARATORS = re.compile(r"[;；]")


@dataclass
class RowError:
    row: int
    message: str


class ImportRefused(DomainError):
    """The file was refused; `errors` says why, row by row (nothing was imported)."""

    status_code = 400

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(_l("The file was not imported: %(n)s error(s). Nothing was changed.", n=len(errors)))


def _header(cell: Any) -> str:
    return str(cell or "").strip().replace("（", "(").replace("）", ")")


def read_table(data: bytes, filename: str = "") -> list[list[str]]:
    """The rows of a CSV (UTF-8, with or without BOM, or GB18030) or XLSX file, as text."""
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds on a damaged file
            raise ImportRefused([RowError(0, str(_l("This Excel file cannot be read.")))]) from None
        sheet = book.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append(["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
                         for v in values])
            if len(rows) > MAX_ROWS + 1:
                break
        book.close()
        return rows
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRefused([RowError(0, str(_l("The CSV file must be UTF-8 (or GB18030) text.")))])
    if "\x00" in text:
        raise ImportRefused([RowError(0, str(_l("This is not a CSV text file.")))])
    try:
        return [row for row in csv.reader(io.StringIO(text))][:MAX_ROWS + 2]
    except csv.Error:
        raise ImportRefused([RowError(0, str(_l("This CSV file cannot be read.")))]) from None


def _row_problem(exc: DomainError) -> str:
    return exc.message


def check(rows: list[list[str]]) -> tuple[list[dict[str, Any]], list[RowError]]:
    """Every row checked; (the items to create, the errors)."""
    while rows and not any(str(c).strip() for c in rows[-1]):
        rows = rows[:-1]
    if not rows:
        return [], [RowError(0, str(_l("The file is empty.")))]
    header = [_header(c) for c in rows[0]]
    while header and not header[-1]:
        header.pop()
    if sorted(header) != sorted(HEADERS) or len(header) != len(HEADERS):
        return [], [RowError(1, str(_l("The headers must be exactly: %(h)s (found: %(f)s).",
                                       h="，".join(HEADERS), f="，".join(header) or "—")))]
    if len(rows) - 1 > MAX_ROWS:
        return [], [RowError(0, str(_l("At most %(n)s rows per file.", n=MAX_ROWS)))]
    where = {name: header.index(name) for name in HEADERS}
    orgs = {o.uscc: o for o in db.session.scalars(select(Organization))}
    categories = {c.name: c for c in db.session.scalars(select(Category))}
    categories.update({c.code: c for c in categories.values()})
    streets = {s.name: s for s in db.session.scalars(select(Street))}
    taken = {tuple(r) for r in db.session.execute(select(ServiceItem.organization_id, ServiceItem.name))}
    planned: list[dict[str, Any]] = []
    errors: list[RowError] = []
    for number, raw in enumerate(rows[1:], start=2):
        cells = [str(c).strip() for c in raw] + [""] * len(HEADERS)
        if not any(cells):
            continue
        value = {name: cells[i] for name, i in where.items()}
        problems: list[str] = []
        code = value["统一社会信用代码"].upper()
        org = orgs.get(code)
        if org is None:
            problems.append(str(_l("unknown organization %(code)s", code=code or "—")))
        elif org.status is not VerificationStatus.verified:
            problems.append(str(_l("%(org)s is not a verified organization", org=org.name)))
        category = categories.get(value["服务类别"])
        if category is None:
            problems.append(str(_l("unknown category %(c)s", c=value["服务类别"] or "—")))
        said = value["覆盖街道"]
        whole = said == catalogue.WHOLE_DISTRICT
        names = [] if whole else [s.strip() for s in _SEPARATORS.split(said) if s.strip()]
        unknown = [n for n in names if n not in streets]
        if unknown:
            problems.append(str(_l("unknown street(s): %(s)s", s="、".join(unknown))))
        elif not whole and not names:
            problems.append(str(_l("覆盖街道 is empty (street names separated by ; or 全区)")))
        data = {"name": value["服务名称"], "description": value["服务内容"], "audience": value["服务对象"],
                "price_unit": DEFAULT_UNIT, "category_id": category.id if category else None}
        for key, label in (("name", "服务名称"), ("description", "服务内容"), ("audience", "服务对象")):
            try:
                catalogue._text(data, key, label)
            except ValidationError as exc:
                problems.append(_row_problem(exc))
        try:
            price = catalogue.parse_price(value["参考价格(元)"])
        except ValidationError:
            price = None
            problems.append(str(_l("参考价格(元) must be a positive number (found “%(v)s”)", v=value["参考价格(元)"])))
        try:
            capacity = catalogue.parse_capacity(value["每月服务能力"])
        except ValidationError:
            capacity = None
            problems.append(str(_l("每月服务能力 must be a whole number above 0 (found “%(v)s”)",
                                   v=value["每月服务能力"])))
        if org is not None and value["服务名称"]:
            key = (org.id, value["服务名称"])
            if key in taken:
                problems.append(str(_l("%(org)s already has a service named “%(name)s”", org=org.name,
                                       name=value["服务名称"])))
            taken.add(key)
        if problems:
            errors.extend(RowError(number, p) for p in problems)
            continue
        planned.append({"row": number, "organization": org, "category": category, "whole": whole,
                        "streets": [streets[n] for n in dict.fromkeys(names)], "name": value["服务名称"],
                        "description": value["服务内容"], "audience": value["服务对象"], "price": price,
                        "capacity": capacity})
    if not planned and not errors:
        errors.append(RowError(0, str(_l("The file has no rows to import."))))
    return planned, errors


@dataclass
class ImportResult:
    created: list[ServiceItem]
    errors: list[RowError]

    @property
    def message(self) -> str:
        return str(_l("The file was not imported: %(n)s error(s). Nothing was changed.", n=len(self.errors)))


def import_file(actor: Any, data: bytes, filename: str = "") -> ImportResult:
    """Import every row or none; `actor` is the district administrator (a User) or "cli". With any
    error, nothing is written and the result lists every error by row."""
    if isinstance(actor, User):
        permissions.require(actor, "catalogue.import")
    try:
        planned, errors = check(read_table(data, filename))
    except ImportRefused as exc:
        return ImportResult([], exc.errors)
    if errors:
        return ImportResult([], errors)
    digest = hashlib.sha256(data).hexdigest()
    now = clock.now()
    created = []
    for row in planned:
        item = ServiceItem(code=catalogue.service_code(), organization_id=row["organization"].id,
                           category_id=row["category"].id, name=row["name"], description=row["description"],
                           audience=row["audience"], whole_district=row["whole"], price=row["price"],
                           price_basis=PriceBasis.per_unit, price_unit=DEFAULT_UNIT,
                           monthly_capacity=row["capacity"], status=ServiceStatus.listed, listed_at=now,
                           submitted_at=now, imported=True,
                           created_by_id=actor.id if isinstance(actor, User) else None)
        item.streets = row["streets"]
        item.organization = row["organization"]
        db.session.add(item)
        db.session.flush()
        item.search_text = catalogue._tokens(item)
        audit.append(actor, "service.imported", item, {"code": item.code, "status": item.status.value,
                                                        "digest": digest, "values": catalogue._snapshot(item)})
        created.append(item)
    audit.append(actor, "catalogue.imported", None, {"count": len(created), "digest": digest, "file": filename[:100]})
    return ImportResult(created, [])
