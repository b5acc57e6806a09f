"""Server-rendered SVG charts for the staff dashboard: no JavaScript, no CDN.

Bars are scaled to the largest value, except percentages, which are drawn on
their own 0-100 scale (4 % is a short bar even when it is the largest value).
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

WIDTH = 560
BAR_AREA_HEIGHT = 160
ROW_HEIGHT = 22


def _fmt(value: float, unit: str) -> str:
    if isinstance(value, Decimal) or (isinstance(value, float) and not value.is_integer()):
        text = f"{float(value):,.2f}"
    else:
        text = f"{int(value):,}"
    return f"{text}{unit}" if unit == "%" else (f"{unit} {text}".strip())


def _scale(series: list[tuple[str, float]], unit: str) -> float:
    """The value a full-length bar stands for."""
    if unit == "%":
        return 100.0
    return max(float(v) for _, v in series) or 1.0


def _share(value, scale: float) -> float:
    """A bar's length as a share of the full length, 0..1 (an overfull percentage stays full)."""
    return min(max(float(value) / scale, 0.0), 1.0)


def bars(series: list[tuple[str, float]], *, unit: str = "") -> str:
    """Vertical bars for a time series (e.g. per week)."""
    if not series:
        return '<p class="dash-empty">No data yet.</p>'
    scale = _scale(series, unit)
    slot = WIDTH / len(series)
    bar_width = max(4.0, slot * 0.7)
    parts = [
        f'<svg class="dash-chart" viewBox="0 0 {WIDTH} {BAR_AREA_HEIGHT + 40}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg">'
    ]
    for index, (label, value) in enumerate(series):
        height = BAR_AREA_HEIGHT * _share(value, scale)
        x = index * slot + (slot - bar_width) / 2
        y = BAR_AREA_HEIGHT - height + 14
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_width:.1f}" height="{height:.1f}" rx="2">'
            f"<title>{escape(label)}: {escape(_fmt(value, unit))}</title></rect>"
        )
        parts.append(
            f'<text x="{x + bar_width / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" class="dash-value">'
            f"{escape(_fmt(value, unit))}</text>"
        )
        parts.append(
            f'<text x="{x + bar_width / 2:.1f}" y="{BAR_AREA_HEIGHT + 30}" text-anchor="middle" '
            f'class="dash-label">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def rows(series: list[tuple[str, float]], *, unit: str = "") -> str:
    """Horizontal bars for a ranking (top courses, utilisation per lab)."""
    if not series:
        return '<p class="dash-empty">No data yet.</p>'
    scale = _scale(series, unit)
    label_width = 200
    bar_space = WIDTH - label_width - 70
    height = ROW_HEIGHT * len(series) + 6
    parts = [f'<svg class="dash-chart" viewBox="0 0 {WIDTH} {height}" role="img" xmlns="http://www.w3.org/2000/svg">']
    for index, (label, value) in enumerate(series):
        y = index * ROW_HEIGHT + 4
        length = bar_space * _share(value, scale)
        short = label if len(label) <= 30 else label[:29] + "…"
        parts.append(f'<text x="0" y="{y + 14}" class="dash-label">{escape(short)}</text>')
        parts.append(
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{ROW_HEIGHT - 8}" rx="2">'
            f"<title>{escape(label)}: {escape(_fmt(value, unit))}</title></rect>"
        )
        parts.append(
            f'<text x="{label_width + length + 6:.1f}" y="{y + 14}" class="dash-value">'
            f"{escape(_fmt(value, unit))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def render(chart: dict) -> str:
    renderer = rows if chart["kind"] == "rows" else bars
    return renderer(chart["series"], unit=chart.get("unit", ""))
