"""The summary's two charts, laid out once as a list of shapes and drawn twice: as SVG for the
PDF (vector, its Chinese text stays text) and as a PNG for the Word file (python-docx cannot
write native Word charts; a picture drawn from the same shapes looks the same in both
documents and in WPS or an old Word).

The PNG is drawn with Pillow (already needed by WeasyPrint) in Debian's Noto Sans CJK, found
through fontconfig, so its Chinese labels render on any machine that opens the file.
"""

from __future__ import annotations

import functools
import io
import subprocess
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape
from pathlib import Path

from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

FONT_FAMILY = "Noto Sans CJK SC"
#: Where Debian's fonts-noto-cjk puts it, should fontconfig's fc-match be missing.
FONT_FALLBACK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
NO_FONT = (
    "The Noto CJK fonts are not installed (Debian package fonts-noto-cjk): "
    "run scripts/system-deps.sh as root."
)

BAR = "#c0392b"  # on time / the rate bars: the red of party documents
LATE = "#e6a23c"
OVERDUE = "#7f8c8d"
GRID = "#d9d9d9"
INK = "#222222"
MUTED = "#666666"

#: More bars than this are not drawn (the table beside the chart lists them all).
MAX_BARS = 40


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # the baseline
    text: str
    size: float = 12
    anchor: str = "start"  # start | middle | end
    fill: str = INK


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str = GRID
    width: float = 1


@dataclass
class Chart:
    width: float
    height: float
    title: str
    shapes: list[Rect | Text | Line] = field(default_factory=list)


def rate_bars(title: str, bars: list[tuple[str, Decimal | None]]) -> Chart:
    """Horizontal bars of a percentage per organization (long names fit on the left)."""
    shown = bars[:MAX_BARS]
    label_w, plot_w, row_h, top = 190.0, 380.0, 26.0, 44.0
    chart = Chart(label_w + plot_w + 70, top + row_h * max(len(shown), 1) + 34, title)
    s = chart.shapes
    s.append(Text(10, 24, title, 15))
    left = label_w
    bottom = top + row_h * max(len(shown), 1)
    for pct in (0, 25, 50, 75, 100):
        x = left + plot_w * pct / 100
        s.append(Line(x, top - 6, x, bottom))
        s.append(Text(x, bottom + 18, f"{pct}%", 10, "middle", MUTED))
    for i, (name, value) in enumerate(shown):
        y = top + i * row_h
        s.append(Text(left - 8, y + row_h * 0.65, name, 12, "end"))
        if value is None:
            s.append(Text(left + 6, y + row_h * 0.65, _("nothing due"), 11, "start", MUTED))
            continue
        w = plot_w * float(value) / 100
        s.append(Rect(left, y + 5, max(w, 1), row_h - 10, BAR))
        s.append(Text(left + w + 6, y + row_h * 0.65, f"{value}%", 11))
    if not shown:
        s.append(Text(left + 6, top + row_h * 0.65, _("no subordinate organizations"), 11))
    if len(bars) > len(shown):
        s.append(
            Text(
                10,
                chart.height - 4,
                _("The first %(n)d of %(total)d are drawn; the table lists all.")
                % {"n": len(shown), "total": len(bars)},
                10,
                "start",
                MUTED,
            )
        )
    return chart


def monthly_bars(title: str, months: list[tuple[str, int, int, int]]) -> Chart:
    """Stacked bars per month: obligations due that month, fulfilled on time, late, overdue."""
    plot_h, top, left = 200.0, 64.0, 48.0
    slot = max(28.0, min(60.0, 560.0 / max(len(months), 1)))
    chart = Chart(left + slot * len(months) + 20, top + plot_h + 44, title)
    s = chart.shapes
    s.append(Text(10, 24, title, 15))
    legend = [(BAR, _("on time")), (LATE, _("late")), (OVERDUE, _("overdue"))]
    x = left
    for colour, name in legend:
        s.append(Rect(x, 36, 12, 12, colour))
        s.append(Text(x + 16, 46, name, 11))
        x += 80
    highest = max([a + b + c for _m, a, b, c in months] + [1])
    step = _nice_step(highest)
    top_value = step * -(-highest // step)
    bottom = top + plot_h
    for value in range(0, top_value + 1, step):
        y = bottom - plot_h * value / top_value
        s.append(Line(left, y, left + slot * len(months), y))
        s.append(Text(left - 6, y + 4, str(value), 10, "end", MUTED))
    for i, (label, on_time, late, overdue) in enumerate(months):
        x = left + i * slot + slot * 0.2
        w = slot * 0.6
        y = bottom
        for value, colour in ((on_time, BAR), (late, LATE), (overdue, OVERDUE)):
            if value:
                h = plot_h * value / top_value
                y -= h
                s.append(Rect(x, y, w, h, colour))
        if on_time + late + overdue:
            s.append(Text(x + w / 2, y - 4, str(on_time + late + overdue), 10, "middle"))
        s.append(Text(x + w / 2, bottom + 16, label, 10, "middle", MUTED))
    return chart


def _nice_step(highest: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if highest / step <= 6:
            return step
    return 10 ** len(str(highest))


# --- SVG -------------------------------------------------------------------------------------


def to_svg(chart: Chart) -> str:
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{chart.width:g}" '
        f'height="{chart.height:g}" viewBox="0 0 {chart.width:g} {chart.height:g}" '
        f'role="img" aria-label="{escape(chart.title)}" '
        f"font-family=\"'{FONT_FAMILY}', sans-serif\">"
    ]
    for shape in chart.shapes:
        if isinstance(shape, Rect):
            out.append(
                f'<rect x="{shape.x:.1f}" y="{shape.y:.1f}" width="{shape.w:.1f}" '
                f'height="{shape.h:.1f}" fill="{shape.fill}"/>'
            )
        elif isinstance(shape, Line):
            out.append(
                f'<line x1="{shape.x1:.1f}" y1="{shape.y1:.1f}" x2="{shape.x2:.1f}" '
                f'y2="{shape.y2:.1f}" stroke="{shape.stroke}" stroke-width="{shape.width:g}"/>'
            )
        else:
            out.append(
                f'<text x="{shape.x:.1f}" y="{shape.y:.1f}" font-size="{shape.size:g}" '
                f'text-anchor="{shape.anchor}" fill="{shape.fill}">{escape(shape.text)}</text>'
            )
    out.append("</svg>")
    return "".join(out)


# --- PNG -------------------------------------------------------------------------------------


@functools.cache
def font_file() -> tuple[str, int]:
    """The Noto Sans CJK SC face: (file, index in the collection)."""
    try:
        found = subprocess.run(
            ["fc-match", "--format=%{file}\n%{index}", f"{FONT_FAMILY}:lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.split("\n")
        if len(found) == 2 and "CJK" in found[0]:
            return found[0], int(found[1])
    except (OSError, subprocess.SubprocessError, ValueError):
        pass
    if FONT_FALLBACK.exists():
        return str(FONT_FALLBACK), 2  # the collection's faces: JP, KR, SC, TC, HK
    raise RuntimeError(NO_FONT)


def to_png(chart: Chart, *, scale: float = 2.5) -> bytes:

    path, index = font_file()
    fonts: dict[float, ImageFont.FreeTypeFont] = {}

    def font(size: float) -> ImageFont.FreeTypeFont:
        if size not in fonts:
            fonts[size] = ImageFont.truetype(path, round(size * scale), index=index)
        return fonts[size]

    image = Image.new(
        "RGB", (round(chart.width * scale), round(chart.height * scale)), (255, 255, 255)
    )
    draw = ImageDraw.Draw(image)
    anchors = {"start": "ls", "middle": "ms", "end": "rs"}
    for shape in chart.shapes:
        if isinstance(shape, Rect):
            draw.rectangle(
                [
                    shape.x * scale,
                    shape.y * scale,
                    (shape.x + shape.w) * scale - 1,
                    (shape.y + shape.h) * scale - 1,
                ],
                fill=shape.fill,
            )
        elif isinstance(shape, Line):
            draw.line(
                [shape.x1 * scale, shape.y1 * scale, shape.x2 * scale, shape.y2 * scale],
                fill=shape.stroke,
                width=max(1, round(shape.width * scale)),
            )
        else:
            draw.text(
                (shape.x * scale, shape.y * scale),
                shape.text,
                font=font(shape.size),
                fill=shape.fill,
                anchor=anchors[shape.anchor],
            )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
