"""Server-drawn SVG charts: no script, no CDN, no inline style (classes styled by app.css).

Each chart is readable without colour — every bar carries its number, series differ by pattern as
well as shade, reference lines are labelled — and comes with its data as a table (the macro
`_macros/charts.html` shows the figure with its title and puts the table where screen readers
read it, the drawing itself being hidden from them as a duplicate). Geometry only here; the
figures come from the domain (`domain/stats.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from markupsafe import Markup, escape

WIDTH = 360  # drawing units; on a 390 px phone the drawing is about this wide, so text stays legible
FONT = 14
PATTERNS = 4  # series beyond are told apart by their labels only


@dataclass
class Chart:
    key: str  # unique on its page: ids inside the drawing are prefixed with it
    title: Any
    svg: Markup
    columns: list[Any]
    rows: list[list[Any]]
    note: Any = None
    legend: list[tuple[str, Any]] = field(default_factory=list)  # (css class, label)

    @property
    def empty(self) -> bool:
        return not self.rows


def number(value: Any, places: int | None = None) -> str:
    """12,345 · 12,345.50 · 86.7 — as the tables and labels show numbers."""
    if value is None:
        return "—"
    value = Decimal(str(value))
    if places is None:
        places = 0 if value == value.to_integral_value() else (1 if abs(value) >= 10 else 2)
    return f"{value:,.{places}f}"


def _text(x: float, y: float, content: Any, anchor: str = "start", cls: str = "", size: int = FONT) -> str:
    klass = f' class="{cls}"' if cls else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{klass}>'
            f"{escape(str(content))}</text>")


def _svg(key: str, height: float, body: list[str], defs: str = "") -> Markup:
    return Markup(f'<svg class="chart-svg" viewBox="0 0 {WIDTH} {height:.0f}" width="100%" '
                  f'preserveAspectRatio="xMinYMin meet" aria-hidden="true" focusable="false" '
                  f'data-chart="{escape(key)}">{defs}{"".join(body)}</svg>')


def _pattern_defs(key: str) -> str:
    """Hatched fills per series (drawn in the series' shade by CSS), so series differ without colour."""
    shapes = ["", '<path d="M0,6 L6,0" class="hatch"/>', '<circle cx="3" cy="3" r="1.4" class="hatch"/>',
              '<path d="M3,0 L3,6" class="hatch"/>']
    patterns = "".join(
        f'<pattern id="{escape(key)}-p{i}" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" class="s{i}"/>{shape}</pattern>' for i, shape in enumerate(shapes) if i)
    return f"<defs>{patterns}</defs>"


def _fill(key: str, series: int) -> str:
    index = series % PATTERNS
    return f'class="s{index}"' if index == 0 else f'fill="url(#{escape(key)}-p{index})"'


LABEL_WIDE = 9.0  # a drawn label is cut after about this many Chinese characters (the table keeps it whole)


def _wide(ch: str) -> float:
    return 1.0 if ord(ch) > 0x2E80 else 0.6


def clip(label: Any, wide: float = LABEL_WIDE) -> str:
    """A label as drawn: long names (organizations, milestones) end with … so the bars keep room."""
    text, used = str(label), 0.0
    for i, ch in enumerate(text):
        used += _wide(ch)
        if used > wide and i < len(text) - 1:
            return text[:i] + "…"
    return text


def _label_width(labels: Sequence[Any]) -> float:
    longest = max((sum(_wide(ch) for ch in clip(label)) for label in labels), default=4)
    return min(190.0, max(60.0, longest * FONT + 10))


def bars(key: str, title: Any, rows: Sequence[tuple[Any, Any]], *, unit: Any = "", value_label: Any = None,
         maximum: float | None = None, places: int | None = None, note: Any = None,
         label_header: Any = "") -> Chart:
    """Horizontal bars, one per row, each with its number at the end."""
    rows = [(label, value) for label, value in rows]
    values = [float(v or 0) for _l, v in rows]
    top = maximum or max(values + [1.0])
    left = _label_width([label for label, _v in rows])
    room = WIDTH - left - 90
    step = 30
    body = []
    for i, ((label, value), amount) in enumerate(zip(rows, values)):
        y = 6 + i * step
        width = 0 if top <= 0 else max(0.0, room * amount / top)
        body.append(_text(left - 8, y + 16, clip(label), "end"))
        body.append(f'<rect x="{left:.1f}" y="{y:.1f}" width="{max(width, 1.5):.1f}" height="20" class="s0"/>')
        body.append(_text(left + width + 6, y + 16, f"{number(value, places)}{unit}", cls="value"))
    body.append(f'<line x1="{left:.1f}" y1="2" x2="{left:.1f}" y2="{6 + len(rows) * step:.1f}" class="axis"/>')
    return Chart(key, title, _svg(key, 12 + len(rows) * step, body),
                 [label_header, value_label or title], [[label, f"{number(value, places)}{unit}"] for label, value in rows],
                 note)


def stacked(key: str, title: Any, series: Sequence[Any], rows: Sequence[tuple[Any, Sequence[Any]]], *,
            unit: Any = "", maximum: float | None = None, note: Any = None, label_header: Any = "",
            total_header: Any = None) -> Chart:
    """One bar per row made of its series' parts (each part numbered when wide enough), the total at the end."""
    totals = [sum(float(v or 0) for v in values) for _l, values in rows]
    top = maximum or max(totals + [1.0])
    left = _label_width([label for label, _v in rows])
    room = WIDTH - left - 70
    step = 32
    body = []
    for i, ((label, values), total) in enumerate(zip(rows, totals)):
        y = 6 + i * step
        body.append(_text(left - 8, y + 17, clip(label), "end"))
        x = left
        for s, value in enumerate(values):
            width = 0 if top <= 0 else room * float(value or 0) / top
            if width <= 0:
                continue
            body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="22" {_fill(key, s)}/>')
            shown = number(value, 0)
            chip = 6 + 6.5 * len(shown)
            if width >= chip + 2:
                body.append(f'<rect x="{x + width / 2 - chip / 2:.1f}" y="{y + 4:.1f}" width="{chip:.1f}" height="14" '
                            f'rx="3" class="chip"/>')
                body.append(_text(x + width / 2, y + 15.5, shown, "middle", "chip-text", 11))
            x += width
        body.append(_text(x + 6, y + 17, f"{number(total)}{unit}", cls="value"))
    body.append(f'<line x1="{left:.1f}" y1="2" x2="{left:.1f}" y2="{6 + len(rows) * step:.1f}" class="axis"/>')
    legend = [(f"s{s % PATTERNS}", name) for s, name in enumerate(series)]
    table = [[label, *[number(v) for v in values], number(sum(Decimal(str(v or 0)) for v in values))]
             for label, values in rows]
    return Chart(key, title, _svg(key, 12 + len(rows) * step, body, _pattern_defs(key)),
                 [label_header, *series, total_header or title], table, note, legend)


def grouped(key: str, title: Any, series: Sequence[Any], rows: Sequence[tuple[Any, Sequence[Any]]], *,
            unit: Any = "", note: Any = None, label_header: Any = "", places: int | None = None) -> Chart:
    """For each row a small group of bars, one per series, each labelled with its series and number."""
    values = [float(v or 0) for _l, vs in rows for v in vs]
    top = max(values + [1.0])
    names = [str(name) for name in series]
    left = _label_width([label for label, _v in rows])
    room = WIDTH - left - 150
    bar, gap = 16, 12
    body, y = [], 6.0
    for label, vs in rows:
        body.append(_text(left - 8, y + bar - 2, clip(label), "end"))
        for s, value in enumerate(vs):
            width = room * float(value or 0) / top
            body.append(f'<rect x="{left:.1f}" y="{y:.1f}" width="{max(width, 1.5):.1f}" height="{bar}" '
                        f'{_fill(key, s)}/>')
            body.append(_text(left + width + 6, y + bar - 3, f"{names[s]} {number(value, places)}{unit}",
                              cls="value", size=13))
            y += bar + 2
        y += gap
    body.append(f'<line x1="{left:.1f}" y1="2" x2="{left:.1f}" y2="{y - gap:.1f}" class="axis"/>')
    legend = [(f"s{s % PATTERNS}", name) for s, name in enumerate(series)]
    return Chart(key, title, _svg(key, y, body, _pattern_defs(key)), [label_header, *series],
                 [[label, *[f"{number(v, places)}{unit}" for v in vs]] for label, vs in rows], note, legend)


def columns(key: str, title: Any, rows: Sequence[tuple[Any, Any]], *, unit: Any = "", note: Any = None,
            label_header: Any = "", value_label: Any = None) -> Chart:
    """Vertical columns over time (months), each with its number on top; a label may carry a second
    line after a newline (the year under its first month)."""
    values = [float(v or 0) for _l, v in rows]
    top = max(values + [1.0])
    height, base, left = 226.0, 190.0, 4.0
    step = (WIDTH - 2 * left) / max(len(rows), 1)
    width = min(44.0, step * 0.7)
    body = [f'<line x1="{left}" y1="{base}" x2="{WIDTH - left}" y2="{base}" class="axis"/>']
    for i, ((label, value), amount) in enumerate(zip(rows, values)):
        x = left + i * step + (step - width) / 2
        h = (base - 30) * amount / top
        body.append(f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{width:.1f}" height="{max(h, 1.5):.1f}" class="s0"/>')
        body.append(_text(x + width / 2, base - h - 6, number(value), "middle", "value", 13))
        first, _sep, second = str(label).partition("\n")
        body.append(_text(x + width / 2, base + 16, first, "middle", size=12))
        if second:
            body.append(_text(x + width / 2, base + 30, second, "middle", "tick", 11))
    return Chart(key, title, _svg(key, height, body), [label_header, value_label or title],
                 [[str(label).replace("\n", " "), f"{number(value)}{unit}"] for label, value in rows], note)


def line(key: str, title: Any, points: Sequence[tuple[Any, Any]], *, lines: Sequence[tuple[float, Any]] = (),
         maximum: float = 100, note: Any = None, label_header: Any = "", value_label: Any = None) -> Chart:
    """A value over time (dates in order), each point numbered, with labelled reference lines."""
    height, top, base, left, right = 230.0, 16.0, 196.0, 34.0, WIDTH - 80.0

    def y_of(v: float) -> float:
        return base - (base - top) * max(0.0, min(v, maximum)) / maximum

    body = [f'<line x1="{left}" y1="{base}" x2="{right}" y2="{base}" class="axis"/>']
    for tick in (0, maximum / 2, maximum):
        body.append(_text(left - 6, y_of(tick) + 4, number(tick), "end", "tick", 11))
    for value, label in lines:
        y = y_of(value)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" class="ref"/>')
        body.append(_text(right + 4, y + 4, f"{label} {number(value)}", cls="ref-text", size=12))
    n = len(points)
    step = (right - left - 20) / max(n - 1, 1)
    coords = [(left + 10 + i * step if n > 1 else (left + right) / 2, y_of(float(v or 0)))
              for i, (_l, v) in enumerate(points)]
    if n > 1:
        body.append('<polyline class="trend" points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords) + '"/>')
    for (label, value), (x, y) in zip(points, coords):
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" class="dot"/>')
        body.append(_text(x, y - 9, number(value, 1), "middle", "value", 12))
    if points:
        body.append(_text(coords[0][0], base + 18, points[0][0], "start", size=11))
        if n > 1:
            body.append(_text(coords[-1][0], base + 18, points[-1][0], "end", size=11))
    return Chart(key, title, _svg(key, height, body), [label_header, value_label or title],
                 [[label, number(value, 2)] for label, value in points], note)
