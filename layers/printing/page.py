"""The printed page, composed with pycairo: title, map frame, legend, scale, north arrow, notes.

Everything is placed in millimetres on the paper (the context is scaled once: 72/25.4 for a PDF,
dpi/25.4 for a PNG), so one layout serves both formats and every dpi. The map frame is snapped to
whole pixels of the print's dpi: the rendered map fills it pixel for pixel. Text is set in
Noto Sans CJK SC (fonts-noto-cjk), which has both the Chinese and the Latin glyphs."""
from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import cairo

from layers.printing.mapimage import BUFFER, Piece
from layers.printing.scale import ScaleBar

FONT = "Noto Sans CJK SC"
PAPERS = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}  # portrait width × height, mm
MM_PER_PT = 25.4 / 72
INK = (0.13, 0.13, 0.13)
WORDS = {
    "zh": {"scale": "比例尺", "legend": "图例", "sources": "数据来源", "date": "制图日期", "review": "审图号",
           "north": "北", "colon": "：", "gap": "　　"},
    "en": {"scale": "Scale", "legend": "Legend", "sources": "Sources", "date": "Date", "review": "Map review No.",
           "north": "N", "colon": ": ", "gap": "    "},
}


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class LegendGroup:
    title: str
    entries: list[tuple[str, bytes]]  # label, PNG icon


@dataclass
class PageContent:
    title: str
    scale: int
    scale_bar: ScaleBar
    legend: list[LegendGroup]
    attribution: str
    date: str
    review_number: str = ""
    language: str = "zh"
    drawn: dict = field(default_factory=dict)  # filled while drawing: where the scale bar went (mm)


@dataclass(frozen=True)
class Layout:
    paper: tuple[float, float]  # width × height, mm, as oriented
    unit: float  # 1 on A4, √2 on A3: text and furniture grow with the paper
    title: Rect
    frame: Rect
    frame_px: tuple[int, int]
    panel: Rect
    footer: Rect
    landscape: bool


def page_layout(*, paper: str, orientation: str, dpi: float) -> Layout:
    short, long = PAPERS[paper]
    width, height = (long, short) if orientation == "landscape" else (short, long)
    u = short / 210.0
    margin, gap = 10 * u, 4 * u
    title = Rect(margin, margin, width - 2 * margin, 13 * u)
    footer = Rect(margin, height - margin - 9 * u, width - 2 * margin, 9 * u)
    top, bottom = title.y + title.h + gap / 2, footer.y - gap / 2
    landscape = orientation == "landscape"
    if landscape:
        panel_w = 62 * u
        frame = Rect(margin, top, width - 2 * margin - panel_w - gap, bottom - top)
        panel = Rect(frame.x + frame.w + gap, top, panel_w, bottom - top)
    else:
        panel_h = 58 * u
        frame = Rect(margin, top, width - 2 * margin, bottom - top - panel_h - gap)
        panel = Rect(margin, frame.y + frame.h + gap, frame.w, panel_h)
    # Whole pixels: the frame's corners on the pixel grid of the print's dpi.
    px = 25.4 / dpi
    x0, y0 = round(frame.x / px), round(frame.y / px)
    x1, y1 = round((frame.x + frame.w) / px), round((frame.y + frame.h) / px)
    frame = Rect(x0 * px, y0 * px, (x1 - x0) * px, (y1 - y0) * px)
    return Layout(paper=(width, height), unit=u, title=title, frame=frame, frame_px=(x1 - x0, y1 - y0),
                  panel=panel, footer=footer, landscape=landscape)


def scale_bar_room(layout: Layout) -> float:
    """The longest scale bar the panel's scale block takes, mm."""
    block_w = layout.panel.w if layout.landscape else 60 * layout.unit
    return block_w - 14 * layout.unit


def page_surface(*, fmt: str, layout: Layout, dpi: float, target) -> tuple[cairo.Surface, cairo.Context]:
    """A PDF surface writing to `target`, or an image surface (written out by page_finish)."""
    width, height = layout.paper
    if fmt == "pdf":
        surface = cairo.PDFSurface(target, width / MM_PER_PT, height / MM_PER_PT)
        ctx = cairo.Context(surface)
        ctx.scale(1 / MM_PER_PT, 1 / MM_PER_PT)
    else:
        surface = cairo.ImageSurface(cairo.FORMAT_RGB24, round(width / 25.4 * dpi), round(height / 25.4 * dpi))
        ctx = cairo.Context(surface)
        ctx.scale(dpi / 25.4, dpi / 25.4)
    ctx.set_source_rgb(1, 1, 1)
    ctx.paint()
    return surface, ctx


def page_finish(*, surface: cairo.Surface, fmt: str, target) -> None:
    if fmt == "pdf":
        surface.finish()
    else:
        surface.write_to_png(target)
        surface.finish()


def draw_map(*, ctx: cairo.Context, layout: Layout, dpi: float, pieces: Iterable[Piece],
             progress: Callable[[int], None]) -> None:
    """Paint the rendered pieces into the frame, calling progress(n) after the n-th."""
    frame, px = layout.frame, 25.4 / dpi
    for number, piece in enumerate(pieces, start=1):
        image = cairo.ImageSurface.create_from_png(io.BytesIO(piece.png))
        ctx.save()
        ctx.rectangle(frame.x + piece.x * px, frame.y + piece.y * px, piece.width * px, piece.height * px)
        ctx.clip()
        ctx.translate(frame.x + (piece.x - BUFFER) * px, frame.y + (piece.y - BUFFER) * px)
        ctx.scale(px, px)
        ctx.set_source_surface(image, 0, 0)
        ctx.get_source().set_filter(cairo.FILTER_NEAREST)
        ctx.paint()
        ctx.restore()
        progress(number)
    ctx.set_source_rgb(*INK)
    ctx.set_line_width(0.35 * layout.unit)
    ctx.rectangle(frame.x, frame.y, frame.w, frame.h)
    ctx.stroke()


def _font(ctx: cairo.Context, size_mm: float, bold: bool = False) -> None:
    ctx.select_font_face(FONT, cairo.FONT_SLANT_NORMAL, cairo.FONT_WEIGHT_BOLD if bold else cairo.FONT_WEIGHT_NORMAL)
    ctx.set_font_size(size_mm)


def _text(ctx: cairo.Context, x: float, baseline: float, text: str, *, size: float, bold: bool = False,
          max_w: float | None = None, align: str = "left") -> float:
    """Set one line of text (shrunk to fit max_w); returns its width."""
    _font(ctx, size, bold)
    width = ctx.text_extents(text).x_advance
    if max_w and width > max_w:
        _font(ctx, size * max_w / width, bold)
        width = max_w
    start = {"left": x, "centre": x - width / 2, "right": x - width}[align]
    ctx.set_source_rgb(*INK)
    ctx.move_to(start, baseline)
    ctx.show_text(text)
    return width


def draw_furniture(*, ctx: cairo.Context, layout: Layout, content: PageContent) -> None:
    """Title, north arrow, scale and scale bar, legend, attribution, date and review number."""
    u, words = layout.unit, WORDS[content.language]
    t = layout.title
    _text(ctx, t.x + t.w / 2, t.y + 9 * u, content.title, size=7 * u, bold=True, max_w=t.w, align="centre")
    panel = layout.panel
    block = Rect(panel.x, panel.y, panel.w if layout.landscape else 60 * u, 30 * u)
    _north_arrow(ctx, Rect(block.x, block.y, 9 * u, 16 * u), words["north"], u)
    _text(ctx, block.x + 13 * u, block.y + 6 * u, f"{words['scale']} 1:{content.scale:,}", size=3.6 * u,
          max_w=block.w - 13 * u)
    content.drawn["scale_bar"] = _scale_bar(ctx, block.x + 13 * u, block.y + 12 * u, content.scale_bar, u)
    if layout.landscape:
        legend = Rect(panel.x, block.y + block.h + 2 * u, panel.w, panel.h - block.h - 2 * u)
    else:
        legend = Rect(block.x + block.w + 4 * u, panel.y, panel.w - block.w - 4 * u, panel.h)
    _legend(ctx, legend, content, u)
    f = layout.footer
    _text(ctx, f.x, f.y + 3.5 * u, f"{words['sources']}{words['colon']}{content.attribution}", size=2.6 * u, max_w=f.w)
    notes = f"{words['date']}{words['colon']}{content.date}"
    if content.review_number:
        notes += f"{words['gap']}{words['review']}{words['colon']}{content.review_number}"
    _text(ctx, f.x, f.y + 7.5 * u, notes, size=2.6 * u, max_w=f.w * 0.8)
    _text(ctx, f.x + f.w, f.y + 7.5 * u, "Geoportal", size=2.6 * u, align="right")


def _north_arrow(ctx: cairo.Context, box: Rect, letter: str, u: float) -> None:
    cx, top, bottom = box.x + box.w / 2, box.y + 5 * u, box.y + box.h
    ctx.set_line_width(0.3 * u)
    ctx.set_source_rgb(*INK)
    ctx.move_to(cx, top)
    ctx.line_to(box.x + box.w, bottom)
    ctx.line_to(cx, bottom - 3 * u)
    ctx.close_path()
    ctx.fill()
    ctx.move_to(cx, top)
    ctx.line_to(box.x, bottom)
    ctx.line_to(cx, bottom - 3 * u)
    ctx.close_path()
    ctx.stroke()
    _text(ctx, cx, box.y + 3.8 * u, letter, size=3.8 * u, bold=True, align="centre")


def _scale_bar(ctx: cairo.Context, x: float, y: float, bar: ScaleBar, u: float) -> dict:
    """Alternating black and white segments, 0 and the length written under the ends."""
    height, step = 2.0 * u, bar.length_mm / bar.segments
    ctx.set_line_width(0.25 * u)
    for i in range(bar.segments):
        ctx.rectangle(x + i * step, y, step, height)
        ctx.set_source_rgb(*(INK if i % 2 == 0 else (1, 1, 1)))
        ctx.fill_preserve()
        ctx.set_source_rgb(*INK)
        ctx.stroke()
    _text(ctx, x, y + height + 3.5 * u, "0", size=2.8 * u, align="centre")
    _text(ctx, x + bar.length_mm, y + height + 3.5 * u, bar.label, size=2.8 * u, align="centre")
    return {"x_mm": x, "y_mm": y, "height_mm": height, "length_mm": bar.length_mm, "metres": bar.metres}


def _legend(ctx: cairo.Context, box: Rect, content: PageContent, u: float) -> None:
    """Layer titles and their entries in columns of at least 45 mm × u; what does not fit is cut with '…'."""
    row, icon_w, icon_h = 5.2 * u, 6 * u, 4 * u
    _text(ctx, box.x, box.y + 4 * u, WORDS[content.language]["legend"], size=3.6 * u, bold=True)
    columns = max(1, math.floor(box.w / (45 * u)))
    col_w = box.w / columns
    top = box.y + 6 * u
    rows: list[tuple[str, str, bytes | None]] = []
    for group in content.legend:
        if [label for label, _ in group.entries] != [group.title]:  # a one-row legend is titled by its row
            rows.append(("title", group.title, None))
        rows.extend(("entry", label, png) for label, png in group.entries)
    per_column = max(1, math.floor((box.y + box.h - top) / row))
    if len(rows) > per_column * columns:
        rows = rows[: per_column * columns - 1] + [("title", "…", None)]
    for index, (kind, label, png) in enumerate(rows):
        column, line = divmod(index, per_column)
        x, y = box.x + column * col_w, top + line * row
        if kind == "title":
            _text(ctx, x, y + 3.8 * u, label, size=3.0 * u, bold=True, max_w=col_w - 2 * u)
            continue
        _icon(ctx, Rect(x + 1 * u, y + 0.6 * u, icon_w, icon_h), png)
        _text(ctx, x + icon_w + 3 * u, y + 3.8 * u, label, size=2.8 * u, max_w=col_w - icon_w - 5 * u)


def _icon(ctx: cairo.Context, box: Rect, png: bytes) -> None:
    image = cairo.ImageSurface.create_from_png(io.BytesIO(png))
    factor = min(box.w / image.get_width(), box.h / image.get_height())
    ctx.save()
    ctx.translate(box.x + (box.w - image.get_width() * factor) / 2, box.y + (box.h - image.get_height() * factor) / 2)
    ctx.scale(factor, factor)
    ctx.set_source_surface(image, 0, 0)
    ctx.paint()
    ctx.restore()
