"""CSV and Excel exports of the lists (read-only, public columns only).

* Complete: no row limit. The rows are read in keyset batches (`batched`), so memory stays the
  same whatever the list's size; CSV is streamed as it is produced, Excel is written by openpyxl's
  write-only mode to a temporary file and sent from there. A CSV that fails half-way ends with a
  line saying the export is incomplete, never silently.
* Safe to open (OWASP CSV injection): a text cell starting with = + - @ tab or CR never runs as a
  formula — in CSV it is prefixed with an apostrophe, in Excel it is a text cell marked "quote
  prefix" (shown as typed). Control characters a spreadsheet cannot hold are dropped.
* Real values in Excel: numbers stay numbers and dates stay dates (local time, Excel has no zones).
  The header row is frozen and filtered; the files are named in the reader's language with the
  day (需求清单-2026-11-28.xlsx), the sheet after the list.
"""

from __future__ import annotations

import csv
import io
import math
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response, current_app, send_file, stream_with_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from sqlalchemy import Select

from marketplace.domain.core import clock
from marketplace.domain.core.clock import LOCAL_TZ
from marketplace.extensions import db

BATCH = 1000
FLUSH = 64 * 1024  # a streamed CSV is sent in pieces of about this many characters
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # XML 1.0 cannot hold them
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TITLES = {"needs": _l("Needs list"), "projects": _l("Projects list"), "services": _l("Service catalogue"),
          "red-black-list": _l("Red and black list")}


def title(name: str) -> str:
    """The list's name in the reader's language (the sheet's name; the file's, with the day)."""
    return re.sub(r"[\\/*?:\[\]]", "", str(TITLES.get(name, name)))[:31]


def file_name(name: str, extension: str) -> str:
    return f"{title(name)}-{clock.today().isoformat()}.{extension}"


def disposition(name: str, extension: str) -> str:
    """An attachment named in Chinese (RFC 6266 filename*), with an ASCII name for old clients."""
    from urllib.parse import quote

    return (f'attachment; filename="{name}.{extension}"; '
            f"filename*=UTF-8''{quote(file_name(name, extension))}")


def batched(query: Select[Any], key: Any, size: int | None = None) -> Iterator[Any]:
    """Every row of `query` (an ORM select of one entity), newest `key` first, read `size` rows at a
    time after the last key seen: the whole list in constant memory, whatever its length."""
    size = size or BATCH
    query = query.order_by(None).order_by(key.desc())
    last = None
    while True:
        page = query if last is None else query.where(key < last)
        rows = db.session.scalars(page.limit(size)).unique().all()
        yield from rows
        if len(rows) < size:
            return
        last = getattr(rows[-1], key.key)


def streamed(query: Select[Any], size: int | None = None) -> Iterator[Any]:
    """Every row of `query` in its own order, fetched `size` rows at a time from one open cursor (a
    server-side cursor on PostgreSQL): for lists whose order is not a single key (`batched` is)."""
    yield from db.session.scalars(query.execution_options(yield_per=size or BATCH))  # (run when first read)


def text(value: Any) -> str:
    """A string as a spreadsheet should see it: storable characters only."""
    return _UNSTORABLE.sub("", str(value))


def neutralised(value: str) -> str:
    """For CSV: a leading apostrophe stops a formula (the OWASP recommendation)."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _plain(value: Any) -> Any:
    """None, enums, times: what a cell holds (str, number, date or naive local datetime)."""
    if value is None:
        return ""
    if hasattr(value, "label"):
        return text(value.label)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float, Decimal)):
        return value if math.isfinite(value) else ""
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TZ).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date):
        return value
    return text(value)


def _csv_cell(value: Any) -> Any:
    value = _plain(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return neutralised(value)
    return value


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    value = _plain(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never "f", whatever the text starts with
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True
    elif isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def respond(fmt: str, name: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Response:
    header = [str(h) for h in header]
    if fmt == "xlsx":
        return _xlsx(name, header, rows)
    return _csv(name, header, rows)


def write_xlsx(target: Any, name: str, header: Sequence[Any], rows: Iterable[Sequence[Any]],
               progress: Callable[[int], None] | None = None) -> int:
    """Write the sheet to `target` (a path or a binary file); `progress(n)` every BATCH rows.
    Returns the number of rows written."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title(name))
    sheet.freeze_panes = "A2"  # (before the first row: write-only sheets write their views first)
    sheet.append([_xlsx_cell(sheet, str(h)) for h in header])
    count = 0
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
        count += 1
        if progress is not None and count % BATCH == 0:
            progress(count)
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(header), 1))}{count + 1}"
    book.save(target)
    return count


def _xlsx(name: str, header: list[str], rows: Iterable[Sequence[Any]]) -> Response:
    spool = tempfile.TemporaryFile(prefix="export-")  # sent from disk, closed by the server after
    write_xlsx(spool, name, header, rows)
    spool.seek(0)
    return send_file(spool, mimetype=XLSX, as_attachment=True, download_name=file_name(name, "xlsx"), max_age=0)


def write_csv(target: Any, header: Sequence[Any], rows: Iterable[Sequence[Any]],
              progress: Callable[[int], None] | None = None) -> int:
    """Write the CSV file (UTF-8 with a BOM, as streamed) to the path `target`; `progress(n)` every
    BATCH rows. Returns the number of rows written."""
    with open(target, "w", encoding="utf-8", newline="") as out:
        out.write("\ufeff")
        writer = csv.writer(out)
        writer.writerow([_csv_cell(str(h)) for h in header])
        count = 0
        for row in rows:
            writer.writerow([_csv_cell(v) for v in row])
            count += 1
            if progress is not None and count % BATCH == 0:
                progress(count)
    return count


MIMETYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX}


def _csv(name: str, header: list[str], rows: Iterable[Sequence[Any]]) -> Response:
    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")  # BOM: Excel opens UTF-8 Chinese correctly
        writer.writerow([_csv_cell(h) for h in header])
        count = 0
        try:
            for row in rows:
                writer.writerow([_csv_cell(v) for v in row])
                count += 1
                if buffer.tell() > FLUSH:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        except Exception:  # the file must say it is not whole (the status line has long been sent)
            current_app.logger.exception("Export %s stopped after %s rows", name, count)
            writer.writerow([_("EXPORT INCOMPLETE: an error stopped it after %(n)s rows. Please download it again.",
                               n=count)])
        yield buffer.getvalue()

    return Response(stream_with_context(lines()), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": disposition(name, "csv")})
