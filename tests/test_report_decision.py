"""Issue 17: page 1 (the budget year), references, noise in check 4, compare on mismatched runs,
the map and the portable files. Synthetic runs from test_report (fast)."""

from __future__ import annotations

import glob
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from safetynet.outputs import GROUPS, PROGRAMMES
from safetynet.report import budget, checks, references, tables, write_report
from safetynet.report.compare import compare_files, compare_runs
from safetynet.report.content import build
from test_report import RURAL_DIFF, main_ok, save, synthetic_run

PARAMETERS = Path(__file__).resolve().parent.parent / "model" / "safetynet" / "parameters"


@pytest.fixture(scope="module")
def base() -> xr.Dataset:
    return synthetic_run(n_counties=6, n_replicates=3, n_months=32)


@pytest.fixture(scope="module")
def reform() -> xr.Dataset:
    return synthetic_run(
        n_counties=6, n_replicates=3, n_months=32, scenario="rural_plus", rural_uplift=1.08,
        parameter_diff=RURAL_DIFF,
    )  # fmt: skip


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory, base: xr.Dataset, reform: xr.Dataset):
    out = tmp_path_factory.mktemp("decision")
    return write_report(reform, out, lang="zh", baseline=base, source="results.nc", year=2020)


# -- page 1: the budget year


def test_budget_year_headline_is_the_datasets_figure(base: xr.Dataset, reform: xr.Dataset) -> None:
    year = 2020
    data = build(reform, base, year=year)
    assert data.budget is not None and data.budget.year == year
    ds = tables.select_scenario(reform)
    months = pd.DatetimeIndex(ds["month"].values).year == year
    want = ds["budget_need"].values[:, :, months].sum(axis=(1, 2)).mean()
    need = data.budget.need.set_index("measure")
    assert need.loc["budget_need", "value"] == pytest.approx(want, rel=1e-12)
    b0 = tables.select_scenario(base)
    want_base = b0["budget_need"].values[:, :, months].sum(axis=(1, 2)).mean()
    assert need.loc["budget_need", "change"] == pytest.approx(want - want_base, rel=1e-9)
    # the programmes add up to the total
    prog = need.loc[list(PROGRAMMES), "value"].sum()
    assert prog == pytest.approx(need.loc["budget_need", "value"], rel=1e-9)
    # and page 1 prints it
    from safetynet.report import formatting as fm
    from safetynet.report.view import build_report

    first = build_report(data, "zh").sections[0]
    assert first.key == "decision"
    assert fm.money_text(want, "zh") in first.paragraphs[0]
    assert any("3 次模拟" in w for w in first.warnings)  # fewer than 5 replicates


def test_budget_year_default_and_choice(base: xr.Dataset) -> None:
    ds = tables.select_scenario(base)  # 2019-05 .. 2021-12: the year after the data is outside
    assert budget.default_year(ds) == 2021  # so: the last full year
    ds2 = ds.assign_attrs(budget_year=2020)
    assert budget.default_year(ds2) == 2020
    from safetynet.errors import InputError

    with pytest.raises(InputError, match="2019–2021"):
        budget.check_year(ds, 2030)


def test_funding_by_source_when_the_run_has_it(base: xr.Dataset) -> None:
    ds = tables.select_scenario(base)
    assert not budget.has_sources(ds)
    years = [2019, 2020, 2021]
    alloc = np.ones((ds.sizes["replicate"], ds.sizes["county"], 3, 4)) * 100.0
    ds = ds.assign(
        fund_allocation=(("replicate", "county", "year", "source"), alloc),
    ).assign_coords(year=years, source=list(budget.SOURCES))
    got = budget.funding_by_source(ds, 2020)
    assert set(budget.SOURCES) <= set(got)
    assert got["central"].mean() == pytest.approx(100.0 * ds.sizes["county"])


# -- references


def test_every_parameter_reference_resolves_to_title_and_number() -> None:
    table = references.table()
    for ref in table.values():
        assert ref.title_zh and (ref.doc_no or ref.date)
    for s in ("S0", "S1", "S2", "S3", "S4"):
        assert s in table
    assert table["S4"].doc_no == "迪办发〔2021〕26号"
    texts = []
    for f in glob.glob(str(PARAMETERS / "**" / "*.yaml"), recursive=True):
        texts += re.findall(r"reference:\s*(.+)", Path(f).read_text(encoding="utf-8"))
    assert texts
    for text in texts:
        for c in references.citations(text):  # KeyError if a code or 文号 is unknown
            printed = references.cite(c, "zh")
            assert c.ref.title_zh in printed and (c.ref.doc_no or "无文号") in printed
    got = references.basis("Scenario: rural standard +8% (within the 10% band of S4 二(二))", "zh")
    assert "迪办发〔2021〕26号" in got and "Scenario" not in got and "方案设定" in got


def test_printed_report_has_no_internal_codes_and_no_english_basis(written) -> None:
    html = written["html"].read_text(encoding="utf-8")
    body = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", body)
    assert references.printed_codes(text) == []
    assert "迪办发〔2021〕26号" in text and "关于改革完善社会救助制度的实施方案" in text
    assert "Synthetic test data" not in text  # English-only description kept out of zh
    assert "from memory" not in text and "Scenario:" not in text


# -- noise in check 4


def _noisy_run(n_counties: int, n_rep: int, fraction: float, drop: float = 0.0) -> xr.Dataset:
    """Temporary assistance per case flat under current policy, per replicate noisy as a
    sample mean of ``cases × fraction`` cases with CV 1 would be; county 0 falls by ``drop``."""
    ds = tables.select_scenario(synthetic_run(n_counties=n_counties, n_replicates=n_rep,
                                              n_months=36, seed=3))  # fmt: skip
    rng = np.random.default_rng(11)
    gi, pi = GROUPS.index("temporary"), PROGRAMMES.index("temporary")
    cases = ds["cases_households"].values[..., gi]  # replicate, county, month
    years = pd.DatetimeIndex(ds["month"].values).year.to_numpy()
    per_case = np.empty_like(cases)
    for y in np.unique(years):
        m = years == y
        n = np.maximum(cases[:, :, m].sum(axis=2) * fraction, 1.0)
        level = 1200.0 * (1.0 - drop * (y - years[0]) * (np.arange(cases.shape[1]) == 0))
        noise = rng.normal(0.0, 1.0 / np.sqrt(n))
        per_case[:, :, m] = (level * (1.0 + noise))[:, :, None]
    spend = ds["spending"].values.copy()
    spend[..., pi] = cases * per_case
    return ds.assign(spending=(ds["spending"].dims, spend))


def test_per_case_check_does_not_fail_on_noise_at_the_default_run_size() -> None:
    """Default run: 2% sample, 5 replicates (scenarios/baseline.toml)."""
    ds = _noisy_run(60, 5, 0.02)
    record = {"sample_fraction": 0.02}
    got = checks.check_temporary(ds, record["sample_fraction"])
    status = got["temporary_status"].values
    assert (status == checks.FAIL).sum() == 0
    assert (status == checks.NOISE).sum() > 0  # some falls, all within noise
    # without the noise rule, about half of the falls would have been read as failures
    naive = got["temporary_per_case"] < got["temporary_per_case_last_year"]
    assert int(naive.sum()) > 20


def test_per_case_check_still_fails_a_real_fall() -> None:
    ds = _noisy_run(60, 5, 0.02, drop=0.4)
    got = checks.check_temporary(ds, 0.02)["temporary_status"]
    assert (got.isel(county=0).values[1:] == checks.FAIL).all()


# -- compare


def test_compare_warns_on_mismatched_runs_and_gives_bands(
    tmp_path: Path, base: xr.Dataset, reform: xr.Dataset, capsys: pytest.CaptureFixture[str]
) -> None:
    rec = json.loads(reform.attrs["run_record"])
    other = reform.copy()
    other.attrs["run_record"] = json.dumps(dict(rec, sample_fraction=0.02, replicates=5))
    cmp = compare_runs(tables.select_scenario(base), tables.select_scenario(other))
    assert set(cmp.mismatch) >= {"sample_fraction", "replicates"} and cmp.warnings
    prov = cmp.by_level["province"]
    assert {"diff_p10", "diff_p90"} <= set(prov.columns)
    assert (prov["diff_p10"] <= prov["diff_p90"] + 1e-9).all()
    same = compare_runs(tables.select_scenario(base), tables.select_scenario(reform))
    assert same.mismatch == () and same.warnings == ()
    a, b = save(base, tmp_path / "a.nc"), save(other, tmp_path / "b.nc")
    main_ok(["compare", str(a), str(b), "--out", str(tmp_path / "cmp")])
    captured = capsys.readouterr()
    assert "警告" in captured.err and "sample_fraction" in captured.err
    assert "P10" in captured.out
    assert compare_files(a, b).warnings


# -- the files


def test_map_pdf_html_and_excel(written) -> None:
    assert written["map_counties"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = written["pdf"].read_bytes()
    assert pdf.startswith(b"%PDF") and b"NotoSansCJK" in pdf  # Typst embedded the pip font
    html = written["html"].read_text(encoding="utf-8")
    assert "data:font/woff2;base64," in html
    import openpyxl

    wb = openpyxl.load_workbook(written["xlsx"])
    from safetynet.report.i18n import t

    ws = wb[t("sheet_money_county", "zh")]
    assert ws.tables, "county sheet is an Excel table"
    heads = [c.value for c in ws[1]]
    assert "州（市）" in heads and "最低生活保障金（万元）" in heads
    for sheet in wb.worksheets:
        for row in sheet.iter_rows(min_row=1, max_row=1, values_only=True):
            assert not any(isinstance(v, str) and "（%）（%）" in v for v in row)
