"""Self-contained HTML report: one file, CSS inline, the CJK web font and the charts embedded.

The font is Noto Sans CJK SC as WOFF2 subsets holding the characters of the page
(:func:`safetynet.report.fonts.web_fonts`), so Chinese shows on a machine without any CJK
font; charts are PNG images (base64).
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping
from pathlib import Path

import jinja2
import markupsafe
from matplotlib.figure import Figure

from safetynet.report import fonts
from safetynet.report.view import Chart, Report, Table

TEMPLATES = Path(__file__).resolve().parent / "templates"
PNG_DPI = 110
#: zlib level of the PNG charts: 1 is several times faster than the default 6 for ~10% more bytes
PNG_COMPRESSION = 1


def png_bytes(fig: Figure, family: str, dpi: int = PNG_DPI) -> bytes:
    """A figure as PNG bytes (CJK font settings applied)."""
    import matplotlib

    buf = io.BytesIO()
    with matplotlib.rc_context(fonts.rc_params(family)):
        fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": PNG_COMPRESSION})
    return buf.getvalue()


def chart_pngs(report: Report) -> dict[str, bytes]:
    """Every chart of the report as PNG bytes, by key (rendered once for HTML and PDF)."""
    out = {}
    for sec in report.sections:
        for block in sec.blocks:
            if isinstance(block, Chart):
                out[block.key] = png_bytes(block.figure, report.meta["font_family"])
    return out


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def page_texts(report: Report) -> list[str]:
    """Every string shown on the page (for the web font's glyphs)."""
    out = [report.title, *report.subtitle]
    for sec in report.sections:
        out += [sec.title, *sec.paragraphs, *sec.warnings]
        for b in sec.blocks:
            if isinstance(b, Table):
                out += [b.title, b.note, *b.columns]
                out += ["".join(r) for r in b.rows]
            else:
                out += [b.title, b.caption]
    return out


FAIL_TEXTS = frozenset({"不通过", "FAIL", "fail"})


def table_html(tab: Table) -> str:
    """One table as HTML (escaped; rendered here rather than in the template: it is the bulk
    of the page and plain string joins are many times faster)."""
    esc = html.escape
    head = "".join(f"<th>{esc(c)}</th>" for c in tab.columns)
    cls = ["n" if n else "" for n in tab.numeric]
    emph = set(tab.emphasis)
    body = []
    for i, row in enumerate(tab.rows):
        cells = "".join(
            f'<td class="{c}{" fail" if v in FAIL_TEXTS else ""}">{esc(v)}</td>'
            for v, c in zip(row, cls, strict=True)
        )
        body.append(f'<tr class="emph">{cells}</tr>' if i in emph else f"<tr>{cells}</tr>")
    return (
        f'<div class="tablewrap"><table id="{esc(tab.key)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
        + (f'<p class="note">{esc(tab.note)}</p>' if tab.note else "")
    )


def render_html(report: Report, pngs: Mapping[str, bytes] | None = None) -> str:
    """The report as one HTML document (string)."""
    pngs = chart_pngs(report) if pngs is None else pngs
    images = {k: base64.b64encode(v).decode("ascii") for k, v in pngs.items()}
    template = _environment().get_template("report.html.j2")
    return template.render(
        report=report,
        images=images,
        web_fonts=fonts.web_fonts(page_texts(report)),
        is_table=lambda b: isinstance(b, Table),
        table_html=lambda b: markupsafe.Markup(table_html(b)),
        html_lang="zh-CN" if report.lang == "zh" else "en",
    )
