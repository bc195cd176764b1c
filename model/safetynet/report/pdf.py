"""PDF report built with matplotlib (PdfPages): A4 text pages with tables, one page per chart.

No system libraries: text and tables are placed with ``Figure.text``; the CJK font (a TrueType
subset, see :mod:`safetynet.report.fonts`) is embedded with ``pdf.fonttype`` 42. A table too
wide for a portrait page at :data:`PORTRAIT_MIN_FONT` goes on a landscape page; wider still, its
font shrinks down to :data:`MIN_FONT`, then its columns split over several blocks (the first
column repeated). Long tables continue on the next page with their header repeated.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.patches import Rectangle
from matplotlib.textpath import TextToPath

from safetynet.report import fonts
from safetynet.report.i18n import t
from safetynet.report.view import Chart, Report, Section, Table

PORTRAIT = (8.27, 11.69)  # A4, inches
LANDSCAPE = (11.69, 8.27)
MARGIN = 0.55  # inches
PT = 72.0
TEXT_SIZE = 9.5
HEADING_SIZE = 13.0
TABLE_TITLE_SIZE = 9.5
CAPTION_SIZE = 8.5
KEEP_WITH_HEADING = 90.0  # points of content kept on the page of a heading
CHART_TITLE_SIZE = 13.0
CAPTION_SPACE = 0.75  # inches kept free below a chart for its caption and the page number
MAX_FONT = 8.0
PORTRAIT_MIN_FONT = 6.5
MIN_FONT = 5.0
CELL_PAD_EM = 0.8
HEADER_MAX_EM = 7.0
HEADER_SLACK_EM = 0.6
HEADER_LINE = 1.25
ROW_FACTOR = fonts.LINE_PITCH_EM
ZEBRA = "#f2f4f7"
HEADER_FILL = "#e3e9f0"
TITLE_COLOUR = "#1f3b5c"
FAIL_TEXT = "#b00020"
FAIL_WORDS = ("不通过", "FAIL")
#: sections that start on a new page (the others follow on the current page)
NEW_PAGE_SECTIONS = ("money", "caseloads", "charts", "checks")
_TOKENS = re.compile(r"[\u2e80-\uffff]|[^\s\u2e80-\uffff]+|\s+")
#: characters that must not begin a line (CJK line-breaking rule, 避头点)
NO_LINE_START = set("）)」』】》〉，。；：、！？%％·…")


# --------------------------------------------------------------------------- measuring


@functools.cache
def _measure_prop(family: str) -> FontProperties:
    return FontProperties(family=[family, fonts.FALLBACK], size=100)


@functools.cache
def char_em(ch: str, family: str) -> float:
    """Advance width of one character in em (font size 1)."""
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    w, _, _ = TextToPath().get_text_width_height_descent(ch, _measure_prop(family), ismath=False)
    return float(w) / 100.0


@dataclass(frozen=True)
class Metrics:
    """Text widths in em for the report's font family."""

    family: str

    def em(self, s: str) -> float:
        """Width of a string in em (sum of advances, no kerning)."""
        return sum(char_em(c, self.family) for c in s)

    def wrap(self, text: str, width_em: float) -> list[str]:
        """Break ``text`` into lines no wider than ``width_em``: CJK between any two characters
        (closing punctuation stays on its line), other text between words; ``\\n`` breaks."""
        lines: list[str] = []
        for para in text.split("\n"):
            line, w = "", 0.0
            for tok in _TOKENS.findall(para):
                tw = self.em(tok)
                overflow = line and w + tw > width_em and not tok.isspace()
                if overflow and tok not in NO_LINE_START:
                    lines.append(line.rstrip())
                    line, w = "", 0.0
                if not line and tok.isspace():
                    continue
                line, w = line + tok, w + tw
            lines.append(line.rstrip())
        return lines


# --------------------------------------------------------------------------- table layout


@dataclass(frozen=True)
class Layout:
    """Where a table's columns go at one font size."""

    font: float
    widths_em: tuple[float, ...]
    header_lines: tuple[tuple[str, ...], ...]
    column_groups: tuple[tuple[int, ...], ...]


def column_widths(table: Table, m: Metrics) -> tuple[list[float], tuple[tuple[str, ...], ...]]:
    """Column widths in em and the wrapped header lines of each column."""
    n = len(table.columns)
    cell = [max((m.em(r[j]) for r in table.rows), default=0.0) for j in range(n)]
    head = [max(m.em(s) for s in c.split("\n")) for c in table.columns]
    # a long header wraps into lines of about equal width, none wider than HEADER_MAX_EM
    balanced = [h / math.ceil(h / HEADER_MAX_EM) + HEADER_SLACK_EM if h else 0.0 for h in head]
    widths = [max(cell[j], min(head[j], balanced[j])) + CELL_PAD_EM for j in range(n)]
    lines = tuple(tuple(m.wrap(table.columns[j], widths[j] - CELL_PAD_EM / 2)) for j in range(n))
    widths = [max(widths[j], max(m.em(s) for s in lines[j]) + CELL_PAD_EM) for j in range(n)]
    return widths, lines


def layout_table(table: Table, width_pt: float, m: Metrics, min_font: float = MIN_FONT) -> Layout:
    """Font size, column widths, wrapped headers and column groups that fit ``width_pt``."""
    widths, lines = column_widths(table, m)
    n = len(widths)
    total = sum(widths)
    font = min(MAX_FONT, width_pt / total) if total else MAX_FONT
    if font >= min_font:
        return Layout(font, tuple(widths), lines, (tuple(range(n)),))
    room = width_pt / min_font
    groups: list[tuple[int, ...]] = []
    current: list[int] = [0]
    used = widths[0]
    for j in range(1, n):
        if used + widths[j] > room and len(current) > 1:
            groups.append(tuple(current))
            current, used = [0], widths[0]
        current.append(j)
        used += widths[j]
    groups.append(tuple(current))
    return Layout(min_font, tuple(widths), lines, tuple(groups))


# --------------------------------------------------------------------------- page writer


class PageWriter:
    """Flows headings, paragraphs and tables over A4 pages of a PdfPages file.

    Coordinates are points from the top-left corner of the page.
    """

    def __init__(self, pdf: PdfPages, report: Report) -> None:
        self.pdf = pdf
        self.report = report
        self.metrics = Metrics(report.meta["font_family"])
        self.fig: Figure | None = None
        self.size = PORTRAIT
        self.y = 0.0
        self.page = 0
        self.pending_heading = ""

    @property
    def width(self) -> float:
        return (self.size[0] - 2 * MARGIN) * PT

    @property
    def bottom(self) -> float:
        return (self.size[1] - MARGIN) * PT - 14.0

    def _fx(self, x: float) -> float:
        return (MARGIN * PT + x) / (self.size[0] * PT)

    def _fy(self, y: float) -> float:
        return 1.0 - y / (self.size[1] * PT)

    def _text(self, x: float, y: float, s: str, size: float, **kw: object) -> None:
        assert self.fig is not None
        kw.setdefault("va", "baseline")
        self.fig.text(self._fx(x), self._fy(y), s, fontsize=size, **kw)  # type: ignore[arg-type]

    def _rect(self, x: float, y: float, w: float, h: float, colour: str) -> None:
        assert self.fig is not None
        self.fig.patches.append(
            Rectangle(
                (self._fx(x), self._fy(y + h)),
                w / (self.size[0] * PT),
                h / (self.size[1] * PT),
                transform=self.fig.transFigure,
                facecolor=colour,
                edgecolor="none",
                zorder=-1,
            )
        )

    def _footer(self, fig: Figure, width_in: float, height_in: float) -> None:
        self.page += 1
        y = MARGIN / 2 / height_in
        foot = f"{self.report.title} · {self.report.meta.get('scenario', '')}"
        fig.text(MARGIN / width_in, y, foot, fontsize=7, color="0.4")
        page = t("page", self.report.lang, n=self.page)
        fig.text(1 - MARGIN / width_in, y, page, fontsize=7, color="0.4", ha="right")

    def flush(self) -> None:
        """Finish the current page (if any) and write it."""
        if self.fig is not None:
            self._footer(self.fig, *self.size)
            self.pdf.savefig(self.fig)  # type: ignore[no-untyped-call]  # untyped in matplotlib
            self.fig = None

    def new_page(self, size: tuple[float, float] | None = None) -> None:
        self.flush()
        self.size = size or PORTRAIT
        self.fig = Figure(figsize=self.size)
        self.y = MARGIN * PT

    def room(self, height: float) -> None:
        """Start a new page (same orientation) unless ``height`` points still fit."""
        if self.fig is None or self.y + height > self.bottom:
            self.new_page(self.size)

    def heading(self, text: str, size: float = HEADING_SIZE) -> None:
        self.room(size * 4 + KEEP_WITH_HEADING)
        self.y += size * 1.6
        self._text(0, self.y, text, size, color=TITLE_COLOUR)
        self.y += size * 0.6

    def paragraph(self, text: str, size: float = TEXT_SIZE, colour: str = "black") -> None:
        for line in self.metrics.wrap(text, self.width / size):
            self.room(size * 1.5)
            self.y += size * 1.5
            self._text(0, self.y, line, size, color=colour)
        self.y += size * 0.5

    def needs_landscape(self, table: Table) -> bool:
        """True when ``table`` does not fit a portrait page at PORTRAIT_MIN_FONT."""
        portrait = (PORTRAIT[0] - 2 * MARGIN) * PT
        lay = layout_table(table, portrait, self.metrics, PORTRAIT_MIN_FONT)
        return len(lay.column_groups) > 1

    def table(self, table: Table) -> None:
        if self.needs_landscape(table) and self.size != LANDSCAPE:
            self.new_page(LANDSCAPE)
        lay = layout_table(table, self.width, self.metrics)
        if self.fig is None:
            self.new_page(self.size)
        for gi, group in enumerate(lay.column_groups):
            self._table_group(table, lay, group, continued=gi > 0)

    def _table_group(self, table: Table, lay: Layout, cols: Sequence[int], continued: bool) -> None:
        f = lay.font
        row_h = f * ROW_FACTOR
        n_head = max(len(lay.header_lines[j]) for j in cols)
        head_h = n_head * f * HEADER_LINE + f * 0.6
        title_h = TABLE_TITLE_SIZE * 2.0
        rows = list(table.rows)
        first = True
        while first or rows:
            self.room(title_h + head_h + row_h * min(3, max(len(rows), 1)))
            fits = max(int((self.bottom - self.y - title_h - head_h) // row_h), 1)
            chunk, rows = rows[:fits], rows[fits:]
            cont = "" if first and not continued else t("continued", self.report.lang)
            self.y += TABLE_TITLE_SIZE * 1.5
            self._text(0, self.y, table.title + cont, TABLE_TITLE_SIZE, color=TITLE_COLOUR)
            self.y += TABLE_TITLE_SIZE * 0.5
            self._header(lay, cols, head_h, n_head)
            self._rows(lay, cols, chunk, table.numeric)
            first = False
        if table.note:
            self.paragraph(table.note, size=7.5, colour="0.35")
        self.y += 4

    def _xs(self, lay: Layout, cols: Sequence[int]) -> list[float]:
        xs, x = [], 0.0
        for j in cols:
            xs.append(x)
            x += lay.widths_em[j] * lay.font
        xs.append(x)
        return xs

    def _header(self, lay: Layout, cols: Sequence[int], head_h: float, n_head: int) -> None:
        f = lay.font
        xs = self._xs(lay, cols)
        self._rect(0, self.y, xs[-1], head_h, HEADER_FILL)
        for k, j in enumerate(cols):
            lines = lay.header_lines[j]
            top = self.y + f * 0.3 + (n_head - len(lines)) * f * HEADER_LINE
            centre = (xs[k] + xs[k + 1]) / 2
            for li, line in enumerate(lines):
                y = top + (li + 1) * f * HEADER_LINE - f * 0.25
                self._text(centre, y, line, f, ha="center")
        self.y += head_h

    def _rows(
        self,
        lay: Layout,
        cols: Sequence[int],
        rows: Sequence[Sequence[str]],
        numeric: Sequence[bool],
    ) -> None:
        """Table body: zebra stripes; each numeric column is one right-aligned multi-line text
        (its lines are exactly one row apart, see fonts.LINE_PITCH_EM); text cells one by one."""
        f = lay.font
        row_h = f * ROW_FACTOR
        ascent, _ = fonts.line_metrics(self.metrics.family)
        xs = self._xs(lay, cols)
        pad = CELL_PAD_EM / 2 * f
        for i in range(1, len(rows), 2):
            self._rect(0, self.y + i * row_h, xs[-1], row_h, ZEBRA)
        for k, j in enumerate(cols):
            cells = [r[j] for r in rows]
            if numeric[j] and len(cells) > 1:
                self._text(
                    xs[k + 1] - pad,
                    self.y,
                    "\n".join(cells),
                    f,
                    ha="right",
                    multialignment="right",
                    va="top",
                )
                continue
            for i, s in enumerate(cells):
                if not s:
                    continue
                base = self.y + i * row_h + ascent * f
                colour = FAIL_TEXT if s in FAIL_WORDS else "black"
                if numeric[j]:
                    self._text(xs[k + 1] - pad, base, s, f, ha="right", color=colour)
                else:
                    self._text(xs[k] + pad, base, s, f, ha="left", color=colour)
        self.y += row_h * len(rows)

    def chart(self, chart: Chart) -> None:
        """A chart on its own page (its own A4 size) under its title, with caption and page
        number. The figure's layout area is narrowed for the page and restored afterwards."""
        self.flush()
        fig = chart.figure
        w, h = fig.get_size_inches()
        head = (HEADING_SIZE * 2.2 if self.pending_heading else 0.0) + CHART_TITLE_SIZE * 2.4
        top = 1.0 - (MARGIN * PT * 0.6 + head) / PT / h
        bottom = CAPTION_SPACE / h
        engine = fig.get_layout_engine()
        if not isinstance(engine, ConstrainedLayoutEngine):
            engine = None
        old_rect = engine.get().get("rect") if engine is not None else None
        if engine is not None:
            engine.set(rect=(0, bottom, 1, top - bottom))
        n_before = len(fig.texts)
        y = 1 - MARGIN * 0.6 / h
        if self.pending_heading:
            fig.text(
                MARGIN / w,
                y,
                self.pending_heading,
                fontsize=HEADING_SIZE,
                color=TITLE_COLOUR,
                va="top",
            )
            y -= HEADING_SIZE * 2.2 / PT / h
            self.pending_heading = ""
        fig.text(0.5, y, chart.title, fontsize=CHART_TITLE_SIZE, ha="center", va="top")
        lines = self.metrics.wrap(chart.caption, (w - 2 * MARGIN) * PT / CAPTION_SIZE)
        for k, line in enumerate(lines[:2]):
            y = (CAPTION_SPACE - 0.12 - k * CAPTION_SIZE * 1.4 / PT) / h
            fig.text(MARGIN / w, y, line, fontsize=CAPTION_SIZE, color="0.3", va="top")
        self._footer(fig, w, h)
        added = fig.texts[n_before:]
        try:
            self.pdf.savefig(fig)  # type: ignore[no-untyped-call]  # untyped in matplotlib
        finally:
            for a in list(added):
                a.remove()
            if engine is not None and old_rect is not None:
                engine.set(rect=old_rect)

    def section(self, sec: Section) -> None:
        only_charts = bool(sec.blocks) and all(isinstance(b, Chart) for b in sec.blocks)
        if only_charts and not sec.paragraphs:
            self.flush()
            self.pending_heading = sec.title
        else:
            tables = [b for b in sec.blocks if isinstance(b, Table) and b.in_pdf]
            if self.size != LANDSCAPE and any(self.needs_landscape(b) for b in tables):
                self.new_page(LANDSCAPE)
            self.heading(sec.title)
        for p in sec.paragraphs:
            self.paragraph(p)
        skipped = False
        for block in sec.blocks:
            if isinstance(block, Chart):
                self.chart(block)
            elif block.in_pdf:
                self.table(block)
            else:
                skipped = True
        if skipped:
            self.paragraph(t("see_excel", self.report.lang), size=8, colour="0.35")


def write_pdf(report: Report, path: Path) -> None:
    """Write the report as an A4 PDF at ``path``."""
    family = report.meta["font_family"]
    meta = {"Title": f"{report.title} · {report.meta.get('scenario', '')}", "Creator": "safetynet"}
    with matplotlib.rc_context(fonts.rc_params(family)), PdfPages(path, metadata=meta) as pdf:
        w = PageWriter(pdf, report)
        w.new_page(PORTRAIT)
        w.heading(report.title, size=18)
        for line in report.subtitle:
            w.paragraph(line, size=10.5, colour="0.25")
        w.y += 6
        for sec in report.sections:
            if sec.key in NEW_PAGE_SECTIONS:
                w.flush()
                w.size = PORTRAIT
            w.section(sec)
        w.flush()
