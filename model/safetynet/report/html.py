"""Self-contained HTML report: one file, CSS inline, charts embedded as base64 PNG."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import jinja2
from matplotlib.figure import Figure

from safetynet.report import fonts
from safetynet.report.view import Chart, Report, Table

TEMPLATES = Path(__file__).resolve().parent / "templates"
PNG_DPI = 110


def png_bytes(fig: Figure, family: str, dpi: int = PNG_DPI) -> bytes:
    """A figure as PNG bytes (CJK font settings applied)."""
    import matplotlib

    buf = io.BytesIO()
    with matplotlib.rc_context(fonts.rc_params(family)):
        fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(report: Report) -> str:
    """The report as one HTML document (string)."""
    images = {}
    for sec in report.sections:
        for block in sec.blocks:
            if isinstance(block, Chart):
                png = png_bytes(block.figure, report.meta["font_family"])
                images[block.key] = base64.b64encode(png).decode("ascii")
    template = _environment().get_template("report.html.j2")
    return template.render(
        report=report,
        images=images,
        is_table=lambda b: isinstance(b, Table),
        html_lang="zh-CN" if report.lang == "zh" else "en",
    )
