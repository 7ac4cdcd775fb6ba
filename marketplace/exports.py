"""CSV and Excel exports of the lists (read-only, public columns only)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response
from openpyxl import Workbook

MAX_ROWS = 20_000


def respond(fmt: str, name: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Response:
    header = [str(h) for h in header]
    if fmt == "xlsx":
        book = Workbook(write_only=True)
        sheet = book.create_sheet(name)
        sheet.append(header)
        for row in rows:
            sheet.append([_cell(v) for v in row])
        buffer = io.BytesIO()
        book.save(buffer)
        return Response(buffer.getvalue(), headers={
            "Content-Disposition": f"attachment; filename={name}.xlsx"},
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    buffer = io.StringIO()
    buffer.write("\ufeff")  # BOM: Excel opens UTF-8 Chinese correctly
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return Response(buffer.getvalue(), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={name}.csv"})


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "label"):
        return str(value.label)
    if isinstance(value, (int, float, str)):
        return value
    return str(value)
