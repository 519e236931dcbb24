"""Bar charts drawn on the server: one layout, rendered as SVG (inside the page, with a
<title>, a <desc> and text labels, every bit of text escaped) and as PNG (Pillow, twice the
size for sharp screens). Stacked bars when a chart has several series."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import lru_cache
from xml.sax.saxutils import escape, quoteattr

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 34, 54
COLOURS = ("#4f46e5", "#f59e0b", "#067647", "#b42318")
INK, MUTED, GRID = "#1c1f2a", "#5b6172", "#e3e6ee"
MAX_LABELS = 12


@dataclass(frozen=True)
class Chart:
    title: str
    labels: list[str]  # one per bar, along the bottom
    series: list[tuple[str, list[int]]]  # (name, one value per bar), stacked in this order
    x_label: str
    y_label: str
    description: str = ""


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float
    colour: str
    tip: str


@dataclass
class Text:
    x: float
    y: float
    text: str
    anchor: str = "middle"  # start middle end
    size: int = 11
    colour: str = MUTED
    bold: bool = False


@dataclass
class Layout:
    boxes: list[Box] = field(default_factory=list)
    lines: list[tuple[float, float, float, float, str]] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)


def nice_top(value: int) -> tuple[int, int]:
    """A round top for the axis at or above ``value``, and its tick step (1, 2 or 5 x 10^k)."""
    if value <= 4:
        return max(value, 1), 1
    raw = value / 4
    magnitude = 10 ** (len(str(int(raw))) - 1)
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return -(-value // step) * step, step


def layout(chart: Chart) -> Layout:
    out = Layout()
    count = len(chart.labels)
    totals = [sum(values[i] for _, values in chart.series) for i in range(count)]
    top, step = nice_top(max(totals, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    out.texts.append(Text(LEFT, 18, chart.title, "start", 14, INK, bold=True))
    for tick in range(0, top + 1, step):
        y = TOP + plot_h - plot_h * tick / top
        out.lines.append((LEFT, y, WIDTH - RIGHT, y, GRID))
        out.texts.append(Text(LEFT - 6, y + 4, f"{tick:,}", "end"))
    out.lines.append((LEFT, TOP + plot_h, WIDTH - RIGHT, TOP + plot_h, MUTED))
    if count:
        slot = plot_w / count
        gap = max(slot - 48.0, min(slot * 0.2, 6.0))  # thin gaps, bars at most 48 wide
        every = max(1, -(-count // MAX_LABELS))
        for i, label in enumerate(chart.labels):
            y_base: float = TOP + plot_h
            for s, (name, values) in enumerate(chart.series):
                value = values[i]
                if value <= 0:
                    continue
                h = plot_h * value / top
                y_base -= h
                tip = f"{label}: {value:,} {name}"
                out.boxes.append(
                    Box(LEFT + i * slot + gap / 2, y_base, slot - gap, h, COLOURS[s % 4], tip)
                )
            if i % every == 0:
                out.texts.append(Text(LEFT + i * slot + slot / 2, TOP + plot_h + 14, label))
    out.texts.append(Text(LEFT + plot_w / 2, HEIGHT - 22, chart.x_label, size=11, colour=INK))
    out.texts.append(Text(LEFT, TOP - 4, chart.y_label, "start", 10))
    if len(chart.series) > 1:
        x: float = LEFT
        for s, (name, _) in enumerate(chart.series):
            out.boxes.append(Box(x, HEIGHT - 12, 10, 10, COLOURS[s % 4], name))
            out.texts.append(Text(x + 14, HEIGHT - 3, name, "start", 11, INK))
            x += 24 + 7 * len(name)
    return out


def svg(chart: Chart, *, element_id: str = "chart") -> str:
    """The chart as an SVG document (also fit to put inside a page as it is)."""
    drawn = layout(chart)
    title_id, desc_id = f"{element_id}-title", f"{element_id}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" class="chart" aria-labelledby="{title_id} {desc_id}" '
        f'font-family="system-ui, sans-serif">',
        f'<title id="{title_id}">{escape(chart.title)}</title>',
        f'<desc id="{desc_id}">{escape(chart.description or _describe(chart))}</desc>',
    ]
    for x1, y1, x2, y2, colour in drawn.lines:
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}"/>'
        )
    for box in drawn.boxes:
        parts.append(
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" height="{box.h:.1f}" '
            f'fill="{box.colour}"><title>{escape(box.tip)}</title></rect>'
        )
    for t in drawn.texts:
        weight = ' font-weight="bold"' if t.bold else ""
        parts.append(
            f'<text x="{t.x:.1f}" y="{t.y:.1f}" text-anchor={quoteattr(t.anchor)} '
            f'font-size="{t.size}" fill="{t.colour}"{weight}>{escape(t.text)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _describe(chart: Chart) -> str:
    totals = [sum(v[i] for _, v in chart.series) for i in range(len(chart.labels))]
    if not totals:
        return f"{chart.title}: no data."
    peak = max(range(len(totals)), key=lambda i: totals[i])
    return (
        f"{chart.title}: {len(totals)} bars ({chart.x_label}); the highest is "
        f"{chart.labels[peak]} with {totals[peak]:,} ({chart.y_label})."
    )


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def png(chart: Chart, *, scale: int = 2) -> bytes:
    """The same chart as a PNG (``scale`` times the SVG's size)."""
    drawn = layout(chart)
    image = Image.new("RGB", (WIDTH * scale, HEIGHT * scale), "white")
    pen = ImageDraw.Draw(image)
    for x1, y1, x2, y2, colour in drawn.lines:
        pen.line([(x1 * scale, y1 * scale), (x2 * scale, y2 * scale)], fill=colour, width=scale)
    for box in drawn.boxes:
        pen.rectangle(
            [box.x * scale, box.y * scale, (box.x + box.w) * scale, (box.y + box.h) * scale],
            fill=box.colour,
        )
    anchors = {"start": "ls", "middle": "ms", "end": "rs"}
    for t in drawn.texts:
        pen.text(
            (t.x * scale, t.y * scale),
            t.text,
            fill=t.colour,
            font=_font(t.size * scale),
            anchor=anchors[t.anchor],
            stroke_width=1 if t.bold else 0,
            stroke_fill=t.colour,
        )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
