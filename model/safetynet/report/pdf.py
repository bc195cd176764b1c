"""The PDF report, typeset by Typst (PyPI package ``typst``) from the same :class:`Report`.

The report's text and tables are written as JSON next to a fixed Typst template
(``templates/report.typ``), which reads them with ``json(...)``: nothing from a run or a
scenario is ever evaluated as Typst markup. Charts are the PNG images of the HTML report. The
CJK font is the collection of the PyPI package ``noto-cjk-sans-otc`` (passed to Typst as its font
path, system fonts ignored), so the PDF is the same on any machine that has only pip; Typst
embeds the subset of glyphs it uses.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from safetynet.report import fonts
from safetynet.report.i18n import t
from safetynet.report.view import Chart, Report, Table

TEMPLATE = Path(__file__).resolve().parent / "templates" / "report.typ"
#: tables with more columns than this go on landscape pages
LANDSCAPE_COLUMNS = 9
#: table font sizes (pt) by number of columns: (max columns, size)
TABLE_SIZES: tuple[tuple[int, float], ...] = ((6, 8.5), (9, 7.5), (13, 6.5), (18, 5.6))
SMALLEST = 5.0
#: tables of every county left to the HTML report and the workbook: the PDF has the county
#: table grouped by prefecture, the maps and the counties failing a check instead
HTML_ONLY = frozenset(
    {
        "money_county_year",
        "need_county_year",
        "gap_county_year",
        "cases_county_year",
        "checks_standards",
        "checks_money",
    }
)


def table_size(n_columns: int) -> float:
    """Font size (pt) of a table with ``n_columns`` columns."""
    return next((s for n, s in TABLE_SIZES if n_columns <= n), SMALLEST)


def _table(tab: Table) -> dict[str, Any]:
    return {
        "kind": "table",
        "key": tab.key,
        "title": tab.title,
        "columns": list(tab.columns),
        "rows": [list(r) for r in tab.rows],
        "numeric": list(tab.numeric),
        "emphasis": list(tab.emphasis),
        "note": tab.note,
        "size": table_size(len(tab.columns)),
        "landscape": len(tab.columns) > LANDSCAPE_COLUMNS,
    }


def document(report: Report, images: Mapping[str, str]) -> dict[str, Any]:
    """The JSON document the Typst template reads (``images``: chart key -> file name)."""
    sections = []
    for sec in report.sections:
        blocks: list[dict[str, Any]] = []
        for b in sec.blocks:
            if isinstance(b, Table):
                if b.in_pdf and b.key not in HTML_ONLY:
                    blocks.append(_table(b))
            elif isinstance(b, Chart):
                blocks.append(
                    {
                        "kind": "chart",
                        "key": b.key,
                        "title": b.title,
                        "caption": b.caption,
                        "image": images[b.key],
                        "portrait": b.portrait,
                    }
                )
        sections.append(
            {
                "key": sec.key,
                "title": sec.title,
                "paragraphs": list(sec.paragraphs),
                "warnings": list(sec.warnings),
                "blocks": blocks,
                "newpage": sec.newpage,
            }
        )
    return {
        "lang": report.lang,
        "region": "CN" if report.lang == "zh" else "GB",
        "font": fonts.FACE,
        "title": report.title,
        "subtitle": list(report.subtitle),
        "footer": f"{report.title} · {report.meta.get('scenario_title', '')}",
        "page_label": t("page", report.lang, n=""),
        "see_html": t("see_excel", report.lang),
        "sections": sections,
    }


def write_pdf(report: Report, path: Path, pngs: Mapping[str, bytes]) -> None:
    """Typeset ``report`` to ``path`` (``pngs``: chart key -> PNG bytes)."""
    import typst

    work = Path(tempfile.mkdtemp(prefix="safetynet-typst-"))
    try:
        images = {}
        for key, png in pngs.items():
            name = f"chart_{key}.png"
            (work / name).write_bytes(png)
            images[key] = name
        (work / "report.json").write_text(
            json.dumps(document(report, images), ensure_ascii=False), encoding="utf-8"
        )
        shutil.copyfile(TEMPLATE, work / "report.typ")
        pdf = typst.compile(
            str(work / "report.typ"),
            root=str(work),
            font_paths=[str(fonts.font_dir())],
            ignore_system_fonts=True,
        )
        Path(path).write_bytes(pdf)
    finally:
        shutil.rmtree(work, ignore_errors=True)
