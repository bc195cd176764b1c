"""The planners' report (HTML, PDF, Excel) and the comparison of two runs.

``write_report(ds, out_dir)`` writes ``report.html``, ``report.pdf`` and ``report.xlsx``;
``load_results(path)`` reads a run's results file with clear errors; ``compare_runs`` gives the
differences between two runs. See docs/report.md.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import xarray as xr

from safetynet.errors import InputError
from safetynet.files import written_atomically
from safetynet.report.compare import Comparison, compare_runs
from safetynet.report.content import ReportData, build
from safetynet.report.i18n import check_lang
from safetynet.report.results import load_results, validate_dataset

__all__ = [
    "REPORT_FILES",
    "Comparison",
    "ReportData",
    "build",
    "compare_runs",
    "load_results",
    "validate_dataset",
    "write_report",
]

REPORT_FILES: dict[str, str] = {"html": "report.html", "pdf": "report.pdf", "xlsx": "report.xlsx"}


def _out_dir(out_dir: Path) -> Path:
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(out_dir, "--out", "a folder for the report", "it is a file")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(out_dir, "--out", "a folder that can be created", str(exc)) from None
    return out_dir


def write_report(
    ds: xr.Dataset,
    out_dir: Path,
    lang: str = "zh",
    baseline: xr.Dataset | None = None,
    *,
    source: str = "",
    year: int | None = None,
) -> dict[str, Path]:
    """Write report.html, report.pdf and report.xlsx for the run ``ds`` into ``out_dir``.

    ``baseline``: a run to compare with (parameter table, changes, comparison sheets); with
    several scenarios in ``ds`` and no baseline, the first scenario is the baseline and the last
    is reported. ``source``: the results file name shown in the run record. ``year``: the budget
    year of page 1 (default: the first year after the last data year). All files are written to
    temporary names first and renamed at the end: on error nothing is left behind.
    Returns {"html": path, "pdf": path, "xlsx": path, "map_<measure>": path, ...}.
    """
    from safetynet.report.excel import write_excel
    from safetynet.report.html import chart_pngs, render_html
    from safetynet.report.pdf import write_pdf
    from safetynet.report.view import MAP_KEYS, build_report

    lang = check_lang(lang)
    validate_dataset(ds, source or "<dataset>")
    if baseline is not None:
        validate_dataset(baseline, "<baseline>")
    data = build(ds, baseline, year=year)
    report = build_report(data, lang, source)
    pngs = chart_pngs(report)
    out = _out_dir(Path(out_dir))
    targets = {k: out / name for k, name in REPORT_FILES.items()}
    for key in MAP_KEYS:
        targets[key] = out / f"{key}.png"
    with written_atomically(targets) as temps:
        # Typst typesets outside the GIL (one thread), meanwhile the HTML and the workbook are
        # written here: the PDF costs no extra wall time on a machine with a free core
        with ThreadPoolExecutor(max_workers=1) as pool:
            pdf = pool.submit(write_pdf, report, temps["pdf"], pngs)
            temps["html"].write_text(render_html(report, pngs), encoding="utf-8")
            write_excel(data, lang, temps["xlsx"], source)
            pdf.result()
        for key in MAP_KEYS:
            temps[key].write_bytes(pngs[key])
    return targets
