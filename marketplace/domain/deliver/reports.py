"""结项报告定制: the closing report as a PDF in Chinese (CJK font embedded), with the sections, title
and logo text the district chose for the project's category; and the printable sheet of survey QR
codes. Reports are cached per audit-chain head, so a request only waits for the first generation."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.domain.core import audit, uploads
from marketplace.domain.deliver import delivery, evaluations
from marketplace.domain.tender import awards
from marketplace.extensions import db
from marketplace.models import Project, ReportTemplate

SECTIONS = ("origin", "terms", "bids", "award", "delivery", "photos", "evaluation", "trail")
FONT_CANDIDATES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
                   "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                   "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
_FONT: str | None = None


def font_name() -> str:
    """Register an embeddable CJK TrueType font once (Debian fonts-wqy-microhei); the configured
    PDF_FONT wins. Without one, reportlab's built-in STSong-Light (not embedded) is used."""
    global _FONT
    if _FONT:
        return _FONT
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    for path in (current_app.config.get("PDF_FONT"), *FONT_CANDIDATES):
        if path and Path(path).exists():
            pdfmetrics.registerFont(TTFont("CJK", path, subfontIndex=0))
            _FONT = "CJK"
            return _FONT
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    _FONT = "STSong-Light"
    return _FONT


def template_for(project: Project) -> ReportTemplate:
    chosen = db.session.scalar(select(ReportTemplate).where(ReportTemplate.category_id == project.category_id)) \
        or db.session.scalar(select(ReportTemplate).where(ReportTemplate.category_id.is_(None)))
    return chosen or ReportTemplate(title=_("Closing report"), sections=",".join(SECTIONS), logo_text="揭榜挂帅")


def cached_path(project: Project) -> Path:
    seq, _head = audit.head()
    return uploads.folder("reports") / f"{project.code}-{seq}-{LAYOUT}.pdf"


LAYOUT = "v2"  # page header and numbers, signature block: a new layout is not served from an old cache


def closing_report(project: Project) -> bytes:
    path = cached_path(project)
    if path.exists():
        return path.read_bytes()
    data = _build(project)
    path.write_bytes(data)
    return data


def _styles() -> dict[str, Any]:
    from reportlab.lib.styles import ParagraphStyle

    font = font_name()
    return {"title": ParagraphStyle("t", fontName=font, fontSize=20, leading=26, spaceAfter=10),
            "h": ParagraphStyle("h", fontName=font, fontSize=14, leading=20, spaceBefore=10, spaceAfter=6,
                                keepWithNext=1),  # a heading never ends a page
            "p": ParagraphStyle("p", fontName=font, fontSize=10, leading=15),
            "small": ParagraphStyle("s", fontName=font, fontSize=8, leading=11)}


def _esc(value: Any) -> str:
    return str(value if value is not None else "—").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _build(project: Project) -> bytes:
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Image as RLImage
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    tpl = template_for(project)
    st = _styles()
    font = font_name()
    story: list[Any] = []
    para = lambda text, style="p": story.append(Paragraph(_esc(text), st[style]))  # noqa: E731

    def table(rows: list[list[Any]], widths: list[float] | None = None) -> None:
        t = Table([[Paragraph(_esc(c), st["small"]) for c in row] for row in rows], colWidths=widths, repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3e3e1")),
                               ("FONTNAME", (0, 0), (-1, -1), font), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(t)

    if tpl.logo_text:
        para(tpl.logo_text, "small")
    para(f"{tpl.title}", "title")
    para(f"{project.code}  {project.title}", "h")
    para(_("Street: %(s)s · Category: %(c)s · Status: %(st)s", s=project.street.name, c=project.category.name,
           st=project.status.label))
    deal = delivery.contract(project)
    result = evaluations.result_of(project)
    for key in [s.strip() for s in tpl.sections.split(",") if s.strip() in SECTIONS]:
        if key == "origin":
            para(_("Origin: the needs"), "h")
            table([[_("Case code"), _("Title"), _("Community"), _("Mean review score")]] +
                  [[n.code, n.title, n.community.name, n.mean_score] for n in project.needs])
        elif key == "terms":
            para(_("Published terms"), "h")
            para(_("Budget cap %(cap)s yuan; bidding deadline %(d)s; regime: %(r)s.", cap=project.budget_cap,
                   d=project.bid_deadline.date(), r=project.regime.label))
            para(project.scope)
            for line in project.outputs.splitlines():
                para(f"• {line}")
        elif key == "bids":
            para(_("Bids and why this winner"), "h")
            decision = awards.current_award(project)
            if decision:
                table([[_("Rank"), _("Bidder"), _("Panel score"), _("Price"), _("Total")]] +
                      [[r["rank"], r["organization"], r["panel_score"], r["price_score"], r["total"]]
                       for r in decision.ranking])
                if decision.reason:
                    para(_("Why not the top-ranked bid:") + " " + decision.reason)
        elif key == "award" and deal is not None:
            para(_("Award and contract"), "h")
            para(_("Contract of %(a)s yuan from %(s)s to %(e)s between %(p)s.", a=deal.amount, s=deal.starts_on,
                   e=deal.ends_on, p="、".join(deal.parties)))
        elif key == "delivery":
            para(_("Milestones and spending"), "h")
            rows = [[_("Milestone"), _("Due"), _("Tranche"), _("Spent"), _("Status")]]
            for m in delivery.milestones(project):
                spent = sum((r.spent for r in m.reports), Decimal(0))
                rows.append([f"{m.seq}. {m.output}", m.due_on, m.tranche, spent, m.status.label])
            table(rows)
            report = delivery.closing_of(project)
            if report:
                para(_("Closing: %(n)s beneficiaries, %(s)s yuan spent.", n=report.beneficiaries, s=report.spending))
                para(report.outputs)
                para(_("Lessons:") + " " + report.lessons)
        elif key == "photos":
            photos = [p for m in delivery.milestones(project) for r in m.reports for p in r.photos][:6]
            if photos:
                para(_("Photos"), "h")
                # a photo whose file is gone from the upload folder (a restore without it) is named, not fatal
                cells = [RLImage(str(path), width=55 * mm, height=41 * mm) if path.is_file()
                         else Paragraph(_esc(_("(photo file missing: %(name)s)", name=p.thumb_name)), st["small"])
                         for p in photos for path in [uploads.path_of("progress", p.thumb_name)]]
                story.append(Table([cells[i:i + 3] for i in range(0, len(cells), 3)]))
        elif key == "evaluation" and result is not None:
            para(_("Evaluation (考榜)"), "h")
            para(_("Total %(t)s — %(g)s", t=result.total, g=result.grade.label))
            labels = {p.value: p.label for p in evaluations.Party}
            table([[_("Party"), _("Score"), _("Weight"), _("Weight used")]] +
                  [[labels[p], v["score"], v["weight"], v["used_weight"]] for p, v in result.parts.items()])
            chart = Drawing(160 * mm, 60 * mm)
            bars = VerticalBarChart()
            bars.x, bars.y, bars.width, bars.height = 15 * mm, 8 * mm, 135 * mm, 45 * mm
            bars.data = [[float(v["score"] or 0) for v in result.parts.values()]]
            bars.valueAxis.valueMin, bars.valueAxis.valueMax = 0, 100
            bars.categoryAxis.categoryNames = [labels[p][:6] for p in result.parts]
            bars.categoryAxis.labels.fontName = font
            bars.bars[0].fillColor = colors.HexColor("#b3261e")
            chart.add(bars)
            story.append(chart)
            for c in result.corrections:
                para(_("Correction: %(p)s %(a)s → %(b)s (%(r)s)", p=labels[c["party"]], a=c["from"], b=c["to"],
                       r=c["reason"]), "small")
        elif key == "trail":
            seq, head = audit.head()
            story.append(Spacer(1, 8))
            para(_("Audit chain head at generation: #%(n)s %(h)s", n=seq, h=head), "small")
    story.append(_signatures(project, st, font))
    header = f"{current_app.config.get('OCDS_PUBLISHER', '')} · {tpl.title}"
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=f"{tpl.title} {project.code}", author="揭榜挂帅",
                            leftMargin=18 * mm, rightMargin=18 * mm, topMargin=22 * mm, bottomMargin=20 * mm)
    doc.build(story, canvasmaker=_numbered_canvas(header, project.code, font))
    return buffer.getvalue()


def _signatures(project: Project, st: dict[str, Any], font: str) -> Any:
    """The block the parties sign and seal on paper, kept on one page."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

    winner = awards.current_award(project)
    org = winner.bid.organization.name if winner is not None and getattr(winner, "bid", None) else ""
    rows = [[Paragraph(_esc(_("Party")), st["small"]), Paragraph(_esc(_("Signature")), st["small"]),
             Paragraph(_esc(_("Seal")), st["small"]), Paragraph(_esc(_("Date")), st["small"])]]
    for party in (_("Organization delivering (%(o)s)", o=org) if org else _("Organization delivering"),
                  _("Community (%(c)s)", c="、".join(c.name for c in project.communities)),
                  _("Street (%(s)s)", s=project.street.name), _("District civil affairs bureau")):
        rows.append([Paragraph(_esc(party), st["small"]), "", "", _("   year   month   day")])
    table = Table(rows, colWidths=[62 * mm, 38 * mm, 38 * mm, 36 * mm], rowHeights=[None] + [22 * mm] * 4)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.black), ("FONTNAME", (0, 0), (-1, -1), font),
                               ("FONTSIZE", (0, 0), (-1, -1), 8), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return KeepTogether([Spacer(1, 10), Paragraph(_esc(_("Signatures and seals")), st["h"]), table])


def _numbered_canvas(header: str, code: str, font: str) -> Any:
    """Every page: the district's header line, and "page N of M" at the foot (drawn once the page
    count is known)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    class NumberedCanvas(canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                width, height = A4
                self.setFont(font, 8)
                self.setStrokeGray(0.6)
                self.drawString(18 * mm, height - 12 * mm, header)
                self.drawRightString(width - 18 * mm, height - 12 * mm, code)
                self.line(18 * mm, height - 14 * mm, width - 18 * mm, height - 14 * mm)
                self.drawCentredString(width / 2, 10 * mm, _("Page %(n)s of %(total)s", n=number, total=total))
                super().showPage()
            super().save()

    return NumberedCanvas


def survey_sheet(project: Project, codes: list[Any], base_url: str) -> bytes:
    """A printable A4 sheet of QR codes, one per household: each opens the survey with its code."""
    import qrcode
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    font = font_name()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    width, height = A4
    cols, rows = 3, 4
    cell_w, cell_h = (width - 20 * mm) / cols, (height - 30 * mm) / rows
    for index, code in enumerate(codes):
        if index and index % (cols * rows) == 0:
            pdf.showPage()
        pos = index % (cols * rows)
        x = 10 * mm + (pos % cols) * cell_w
        y = height - 20 * mm - (pos // cols + 1) * cell_h
        if pos == 0:
            pdf.setFont(font, 11)
            pdf.drawString(10 * mm, height - 12 * mm, _("%(code)s %(title)s — residents' satisfaction survey",
                                                         code=project.code, title=project.title))
        url = f"{base_url.rstrip('/')}/survey/{code.code}"
        image = qrcode.make(url, box_size=6, border=1).get_image()
        out = io.BytesIO()
        image.save(out, "PNG")
        out.seek(0)
        pdf.drawImage(ImageReader(out), x + 8 * mm, y + 18 * mm, width=cell_w - 16 * mm, height=cell_w - 16 * mm)
        pdf.setFont(font, 10)
        pdf.drawCentredString(x + cell_w / 2, y + 12 * mm, _("Survey code: %(c)s", c=code.code))
        pdf.setFont(font, 7)
        pdf.drawCentredString(x + cell_w / 2, y + 7 * mm, _("Scan, or open %(u)s and enter the code", u=base_url))
    pdf.save()
    return buffer.getvalue()
