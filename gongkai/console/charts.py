"""Charts drawn on the server as inline SVG: no script, no style attribute or element (the
CSP allows neither), only presentation attributes. Each chart is an image with a <title> and
a <desc> (role="img", labelled by both); the page puts the table of its numbers right behind
it. Series differ by pattern (solid, hatched, cross-hatched, dotted) and are labelled in a
legend and by the numbers written on the chart, never by colour alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT = "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"
INK, MUTED, GRID = "#1f2328", "#59636e", "#d0d7de"

#: Fill and outline of each series; the pattern tells them apart in black and white.
STYLES: dict[str, tuple[str, str]] = {
    "on_time": ("#1a7f37", "#0f5323"),
    "late": ("#f5c26b", "#7a4d00"),
    "overdue": ("#f8b4b4", "#a40e26"),
    "pending": ("#eaeef2", "#59636e"),
    "rate": ("#0969da", "#0a3069"),
}


@dataclass
class Series:
    key: str  # a STYLES key
    label: str
    values: list[int]


def _patterns(chart_id: str, keys: Sequence[str]) -> str:
    out = []
    for key in keys:
        fill, ink = STYLES[key]
        pid = f"{chart_id}-{key}"
        head = f'<pattern id="{pid}" patternUnits="userSpaceOnUse" width="8" height="8"'
        back = f'<rect width="8" height="8" fill="{fill}"/>'
        if key == "late":  # diagonal hatching
            out.append(
                f'{head} patternTransform="rotate(45)">{back}'
                f'<line x1="0" y1="0" x2="0" y2="8" stroke="{ink}" stroke-width="3"/></pattern>'
            )
        elif key == "overdue":  # cross-hatching
            out.append(
                f'{head} patternTransform="rotate(45)">{back}'
                f'<line x1="0" y1="0" x2="0" y2="8" stroke="{ink}" stroke-width="2"/>'
                f'<line x1="0" y1="0" x2="8" y2="0" stroke="{ink}" stroke-width="2"/></pattern>'
            )
        elif key == "pending":  # dots
            out.append(f'{head}>{back}<circle cx="4" cy="4" r="1.5" fill="{ink}"/></pattern>')
        else:  # solid
            out.append(f"{head}>{back}</pattern>")
    return "<defs>" + "".join(out) + "</defs>"


def _text(
    x: float, y: float, text: str, *, size: int = 11, anchor: str = "middle", fill: str = INK
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}">{escape(text)}</text>'
    )


def _open(chart_id: str, width: int, height: int, title: str, desc: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="{FONT}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
    )


def _nice_max(value: int) -> int:
    """A round axis maximum at or above `value`: four equal whole steps of 1, 2 or 5 × a
    power of ten."""
    wanted = max(1, math.ceil(value / 4))
    power = 10 ** int(math.log10(wanted))
    for step in (1, 2, 5, 10):
        if step * power >= wanted:
            return 4 * step * power
    return 40 * power


def _legend(chart_id: str, series: Sequence[tuple[str, str]], x: float, y: float) -> str:
    parts = []
    for key, label in series:
        _fill, ink = STYLES[key]
        parts.append(
            f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="14" height="14" '
            f'fill="url(#{chart_id}-{key})" stroke="{ink}"/>'
        )
        parts.append(_text(x + 19, y + 1, label, anchor="start"))
        x += 28 + 13 * len(label)
    return "".join(parts)


def stacked_columns(
    *, chart_id: str, title: str, desc: str, labels: Sequence[str], series: Sequence[Series]
) -> SafeString:
    """One column per label, the series stacked bottom-up, each column's total on top."""
    count = len(labels)
    column, gap = (28, 12) if count <= 24 else (10, 4)
    left, right, top, bottom = 44, 16, 36, 44
    width = max(420, left + right + count * (column + gap))
    height = 280
    plot = height - top - bottom
    totals = [sum(s.values[i] for s in series) for i in range(count)]
    axis_max = _nice_max(max(totals, default=0))
    parts = [
        _open(chart_id, width, height, title, desc),
        _patterns(chart_id, [s.key for s in series]),
    ]
    parts.append(_legend(chart_id, [(s.key, s.label) for s in series], left, 16))
    for step in range(5):
        value = axis_max * step // 4
        y = top + plot - plot * step / 4
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(left - 6, y + 4, str(value), anchor="end", fill=MUTED, size=10))
    every = max(1, math.ceil(count / 24))
    for i, label in enumerate(labels):
        x = left + gap / 2 + i * (column + gap)
        base: float = top + plot
        for s in series:
            value = s.values[i]
            if not value:
                continue
            h = plot * value / axis_max
            base -= h
            _fill, ink = STYLES[s.key]
            parts.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{column}" height="{h:.1f}" '
                f'fill="url(#{chart_id}-{s.key})" stroke="{ink}" stroke-width="0.8">'
                f"<title>{escape(label)} {escape(s.label)}：{value}</title></rect>"
            )
        if totals[i] and count <= 24:
            parts.append(_text(x + column / 2, base - 4, str(totals[i]), size=10))
        if i % every == 0:
            parts.append(_text(x + column / 2, top + plot + 16, label, size=10))
    parts.append(
        f'<line x1="{left}" y1="{top + plot}" x2="{width - right}" y2="{top + plot}" '
        f'stroke="{INK}" stroke-width="1"/></svg>'
    )
    return mark_safe("".join(parts))  # every text above went through escape()


def rate_bars(
    *,
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    values: Sequence[Decimal | None],
    none_text: str,
) -> SafeString:
    """One horizontal bar per label, 0–100 %, the rate written beside it (`none_text` when
    there is none)."""
    label_width, right, top, row = 180, 64, 28, 22
    width = 640
    plot = width - label_width - right
    height = top + row * len(labels) + 24
    parts = [_open(chart_id, width, height, title, desc), _patterns(chart_id, ["rate"])]
    for pct in (0, 50, 100):
        x = label_width + plot * pct / 100
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 20}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(x, top - 10, f"{pct}%", fill=MUTED, size=10))
    _fill, ink = STYLES["rate"]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * row
        short = label if len(label) <= 13 else label[:12] + "…"
        parts.append(_text(label_width - 8, y + 14, short, anchor="end"))
        if value is None:
            parts.append(_text(label_width + 4, y + 14, none_text, anchor="start", fill=MUTED))
            continue
        w = plot * float(value) / 100
        parts.append(
            f'<rect x="{label_width}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" '
            f'fill="url(#{chart_id}-rate)" stroke="{ink}" stroke-width="0.8">'
            f"<title>{escape(label)}：{value}%</title></rect>"
        )
        parts.append(_text(label_width + w + 4, y + 14, f"{value}%", anchor="start"))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above went through escape()
