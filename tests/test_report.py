"""Tests of the planners' report (safetynet.report) on small synthetic runs.

The synthetic run below has the shape of the run Dataset (outputs.py) with plausible Yunnan-like
numbers; it is test data, not a model result.
"""

from __future__ import annotations

import datetime as dt
import doctest
import json
import re
import warnings
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from safetynet import refdata
from safetynet.cli import main
from safetynet.errors import InputError
from safetynet.outputs import GROUPS, PROGRAMMES, empty_dataset
from safetynet.params import load_parameters
from safetynet.report import checks, fonts, formatting, load_results, tables, write_report
from safetynet.report import compare as cmpmod
from safetynet.report.compare import compare_runs, period_totals
from safetynet.report.content import build, reporting_year
from safetynet.report.excel import XCol, header, sheets
from safetynet.report.i18n import t

# ---------------------------------------------------------------------------- synthetic run

# test data only: Yunnan-like shares of the population on each caseload (persons)
_SHARE = {
    "dibao_urban_whole": 0.0080,
    "dibao_urban_single": 0.0012,
    "dibao_rural_whole": 0.0470,
    "dibao_rural_single": 0.0060,
    "dibao_gradual_exit": 0.0010,
    "tekun_dispersed": 0.0030,
    "tekun_institutional": 0.0008,
    "edge": 0.0200,
    "temporary": 0.0009,
}
_SIZE = {
    "dibao_urban_whole": 2.0,
    "dibao_urban_single": 1.0,
    "dibao_rural_whole": 2.6,
    "dibao_rural_single": 1.0,
    "dibao_gradual_exit": 2.4,
    "tekun_dispersed": 1.0,
    "tekun_institutional": 1.0,
    "edge": 2.8,
    "temporary": 2.5,
}
FLOOR_URBAN = {2019: 610.0, 2020: 640.0, 2021: 670.0, 2022: 700.0, 2023: 735.0, 2024: 770.0}
FLOOR_RURAL = {2019: 355.0, 2020: 375.0, 2021: 400.0, 2022: 430.0, 2023: 460.0, 2024: 490.0}


def _floor(table: dict[int, float], months: np.ndarray) -> np.ndarray:
    """New floors from July each year (test data)."""
    years = months.astype("datetime64[Y]").astype(int) + 1970
    mon = months.astype("datetime64[M]").astype(int) % 12 + 1
    eff = np.where(mon >= 7, years, years - 1)
    lo, hi = min(table), max(table)
    return np.array([table[int(min(max(y, lo), hi))] for y in eff])


def synthetic_run(
    n_counties: int = 6,
    n_replicates: int = 3,
    start: str = "2019-05",
    n_months: int = 32,
    seed: int = 7,
    scenario: str = "baseline",
    rural_uplift: float = 1.0,
    parameter_diff: list[dict[str, object]] | None = None,
) -> xr.Dataset:
    """A plausible run Dataset for ``n_counties`` Yunnan counties spread over prefectures."""
    rng = np.random.default_rng(seed)
    ct = refdata.counties()
    idx = np.unique(np.linspace(0, len(ct) - 1, n_counties).astype(int))
    codes = [str(c) for c in ct.code[idx]]
    m0 = np.datetime64(start, "M")
    months = np.arange(m0, m0 + n_months)
    coords = {
        "county_name_zh": ct.name_zh[idx],
        "county_name_en": ct.name_en[idx],
        "prefecture": ct.prefecture_code[idx],
        "prefecture_name_zh": ct.prefecture_name_zh[idx],
        "prefecture_name_en": ct.prefecture_name_en[idx],
    }
    ds = empty_dataset([scenario], list(range(n_replicates)), codes, months, coords)
    nc, nm, nr = len(codes), n_months, n_replicates
    pop = ct.pop_total[idx].astype(float)
    t = np.arange(nm) / 12.0
    # replicate paths: slow random drift, same per county
    drift = 1.0 + np.cumsum(rng.normal(0, 0.004, (nr, 1, nm)), axis=2)
    trend = (1.0 - 0.03 * t)[None, None, :] * drift
    persons = np.zeros((nr, nc, nm, len(GROUPS)))
    for g, name in enumerate(GROUPS):
        level = pop[None, :, None] * _SHARE[name] * rng.uniform(0.7, 1.3, (1, nc, 1))
        boost = rural_uplift if name.startswith("dibao_rural") else 1.0
        persons[..., g] = level * trend * boost * rng.normal(1.0, 0.01, (nr, nc, nm))
    households = persons / np.array([_SIZE[g] for g in GROUPS])
    ds["cases_persons"][0] = persons
    ds["cases_households"][0] = households
    ds["entries_households"][0] = households * 0.02
    ds["exits_households"][0] = households * 0.021

    premium_u = np.linspace(1.0, 1.14, nc)  # the last county is above the 10% band
    premium_r = np.linspace(1.0, 1.06, nc) * rural_uplift
    fu = _floor(FLOOR_URBAN, months)
    fr = _floor(FLOOR_RURAL, months)
    su = np.round(premium_u[:, None] * fu[None, :])
    sr = np.round(premium_r[:, None] * fr[None, :])
    tekun_mult = np.full(nc, 1.3)
    tekun_mult[1 % nc] = 1.25  # county 1 pays tekun below 1.3 × urban standard
    tk = np.ceil(tekun_mult[:, None] * su)
    for name, arr in (
        ("standard_urban", su),
        ("standard_rural", sr),
        ("tekun_standard", tk),
        ("floor_urban", np.broadcast_to(fu, (nc, nm))),
        ("floor_rural", np.broadcast_to(fr, (nc, nm))),
    ):
        ds[name][0] = np.broadcast_to(arr, (nr, nc, nm))

    # CPI path: history where the package data has it, noisy beyond
    hist = refdata.cpi()["cpi_yoy_pct"]
    cpi = np.full((nr, nm), np.nan)
    for j, m in enumerate(months):
        pos = np.searchsorted(hist.months, m)
        if pos < len(hist) and hist.months[pos] == m and np.isfinite(hist.values[pos]):
            cpi[:, j] = hist.values[pos]
    fill = 2.0 + rng.normal(0, 0.8, (nr, nm))
    cpi = np.where(np.isfinite(cpi), cpi, fill)
    food = 2.2 * cpi - 2.0 + rng.normal(0, 1.0, (nr, nm))
    cpi_thr = np.full(nm, 3.5)
    window = (months >= np.datetime64("2022-09")) & (months <= np.datetime64("2023-03"))
    cpi_thr[window] = 3.0
    food_thr = np.full(nm, 6.0)
    trig = ((cpi >= cpi_thr) | (food >= food_thr)).astype(float)
    ds["price_trigger"][0] = np.broadcast_to(trig[:, None, :], (nr, nc, nm))
    ds["price_subsidy_rate_urban"][0] = (
        trig[:, None, :] * su[None] * np.maximum(cpi, food)[:, None, :] / 100
    )

    gi = {g: i for i, g in enumerate(GROUPS)}
    urban = persons[..., [gi["dibao_urban_whole"], gi["dibao_urban_single"]]].sum(-1)
    rural = persons[..., [gi["dibao_rural_whole"], gi["dibao_rural_single"]]].sum(-1)
    rural = rural + persons[..., gi["dibao_gradual_exit"]]
    tekun = persons[..., [gi["tekun_dispersed"], gi["tekun_institutional"]]].sum(-1)
    temp_cases = households[..., gi["temporary"]]
    per_case = 1200.0 * (1.0 + 0.04 * t)[None, None, :] * np.ones((nr, nc, nm))
    per_case[:, 2 % nc, :] = 1500.0 * (1.0 - 0.05 * t)  # county 2: per case falls
    spend = np.zeros((nr, nc, nm, len(PROGRAMMES)))
    pi = {p: i for i, p in enumerate(PROGRAMMES)}
    spend[..., pi["dibao"]] = urban * 0.62 * su[None] + rural * 0.55 * sr[None]
    spend[..., pi["tekun_basic"]] = tekun * tk[None]
    spend[..., pi["tekun_care"]] = tekun * 180.0
    spend[..., pi["temporary"]] = temp_cases * per_case
    spend[..., pi["price_subsidy"]] = (urban + rural + tekun) * trig[:, None, :] * 25.0
    one_time = months == np.datetime64("2022-01")
    spend[..., pi["one_time_subsidy"]] = (urban + rural + tekun) * 200.0 * one_time
    other = spend.sum(-1)
    svc_share = np.linspace(0.02, 0.07, nc)  # the last counties exceed a 5% cap
    spend[..., pi["services"]] = other * (svc_share / (1 - svc_share))[None, :, None]
    ds["spending"][0] = spend
    need = spend.sum(-1)
    ds["budget_need"][0] = need
    ds["services_demand"][0] = spend[..., pi["services"]] * 1.1
    ds["services_cap"][0] = other * 0.05
    ds["services_unmet"][0] = spend[..., pi["services"]] * 0.1
    cover = rng.uniform(0.7, 0.95, (1, nc, 1))
    ds["transfers"][0] = need * cover
    ds["county_budget"][0] = need * 0.12
    ds["funding_gap"][0] = need - ds["transfers"][0].values - ds["county_budget"][0].values
    dib_hh = households[..., [gi[g] for g in GROUPS if g.startswith("dibao_")]].sum(-1)
    ds["eligible_households"][0] = dib_hh * 1.2
    ds["eligible_covered_households"][0] = dib_hh * 0.85
    ds["ineligible_covered_households"][0] = dib_hh * 0.15
    ds["population_persons"][0] = np.broadcast_to(pop[None, :, None], (nr, nc, nm))
    ds["population_households"][0] = np.broadcast_to(
        (pop / ct.avg_household_size[idx])[None, :, None], (nr, nc, nm)
    )
    ds["cpi_yoy_pct"] = (("scenario", "replicate", "month"), cpi[None], {"units": "percent"})
    ds["food_cpi_yoy_pct"] = (("scenario", "replicate", "month"), food[None], {"units": "percent"})
    ds["cpi_threshold_pct"] = (("scenario", "month"), cpi_thr[None], {"units": "percent"})
    ds["food_cpi_threshold_pct"] = (("scenario", "month"), food_thr[None], {"units": "percent"})
    record = {
        "code_version": "0.1.0+test",
        "scenario": {
            "name": scenario,
            "title_zh": "基准方案（测试数据）" if scenario == "baseline" else "农村低保标准提高",
            "title_en": "Baseline (test data)" if scenario == "baseline" else "Rural standard up",
            "description": "Synthetic test data, not a model result.",
            "file": f"scenarios/{scenario}.toml",
            "sha256": "0" * 64,
        },
        "parameter_diff": parameter_diff or [],
        "seeds": [seed],
        "replicates": n_replicates,
        "sample_fraction": 0.01,
        "data_version": "test",
        "wall_time_s": 1.5,
        "created": "2024-01-01T00:00:00",
    }
    ds.attrs["run_record"] = json.dumps(record, ensure_ascii=False)
    return ds


RURAL_DIFF = [
    {
        "path": "dibao.standard",
        "label_zh": "低保标准",
        "label_en": "Dibao standard",
        "unit": "yuan/person/month",
        "start": "2020-07-01",
        "where": "530102/rural",
        "old": 375.0,
        "new": 405.0,
        "status": "scenario",
        "reference": "S4 二(二)",
    },
    {
        "path": "services.cap_share",
        "label_zh": "购买服务上限比例",
        "label_en": "Services cap share",
        "unit": "share",
        "start": "2020-01-01",
        "where": "",
        "old": 0.05,
        "new": 0.08,
        "status": "scenario",
        "reference": "S4 五(十四)",
    },
]


def save(ds: xr.Dataset, path: Path) -> Path:
    """Write a run to netCDF (as `safetynet run` would)."""
    ds.to_netcdf(path)
    return path


# ---------------------------------------------------------------------------- fixtures and tests

RTOL = 1e-9  # the report only sums and averages: equal up to float rounding


@pytest.fixture(scope="module")
def base() -> xr.Dataset:
    return synthetic_run(n_counties=6, n_replicates=3, n_months=32)


@pytest.fixture(scope="module")
def reform() -> xr.Dataset:
    return synthetic_run(
        n_counties=6,
        n_replicates=3,
        n_months=32,
        scenario="rural_plus",
        rural_uplift=1.08,
        parameter_diff=RURAL_DIFF,
    )


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory, base: xr.Dataset, reform: xr.Dataset):
    """The zh report of the reform against the baseline (written once for several tests)."""
    out = tmp_path_factory.mktemp("report_zh")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        files = write_report(reform, out, lang="zh", baseline=base, source="results.nc")
    return files, [str(w.message) for w in caught]


def one(ds: xr.Dataset) -> xr.Dataset:
    return tables.select_scenario(ds)


def expected_year_sum(ds: xr.Dataset, var: str, year: int, **sel: object) -> np.ndarray:
    """Per county: replicate mean of ``var`` summed over the months of ``year`` (numpy only)."""
    da = one(ds)[var].sel(**sel)
    months = pd.DatetimeIndex(da["month"].values)
    arr = da.transpose("replicate", "county", "month").values
    return arr[:, :, months.year == year].sum(axis=2).mean(axis=0)


# -- tables: the report's numbers are the Dataset's


def test_money_table_equals_dataset(base: xr.Dataset) -> None:
    ds1 = one(base)
    for level in tables.LEVELS:
        m = tables.money(ds1, level)
        assert list(m.columns[:5]) == list(tables.ID_COLUMNS)
    county = tables.money(ds1, "county").set_index(["area", "year"])
    codes = [str(c) for c in ds1["county"].values]
    for year in (2019, 2020, 2021):
        for p in ("dibao", "temporary", "services"):
            want = expected_year_sum(base, "spending", year, programme=p)
            got = county.loc[[(c, year) for c in codes], p].to_numpy()
            np.testing.assert_allclose(got, want, rtol=RTOL)
        want_gap = expected_year_sum(base, "funding_gap", year)
        got_gap = county.loc[[(c, year) for c in codes], "funding_gap"].to_numpy()
        np.testing.assert_allclose(got_gap, want_gap, rtol=RTOL)
    province = tables.money(ds1, "province").set_index("year")
    np.testing.assert_allclose(
        province.loc[2020, "budget_need"],
        expected_year_sum(base, "budget_need", 2020).sum(),
        rtol=RTOL,
    )
    assert province.loc[2019, "months"] == 8 and province.loc[2020, "months"] == 12


def test_levels_add_up(base: xr.Dataset) -> None:
    ds1 = one(base)
    cols = ["dibao", "budget_need", "funding_gap"]
    per_level = {lv: tables.money(ds1, lv).groupby("year")[cols].sum() for lv in tables.LEVELS}
    np.testing.assert_allclose(per_level["county"], per_level["prefecture"], rtol=RTOL)
    np.testing.assert_allclose(per_level["county"], per_level["province"], rtol=RTOL)
    pref = tables.money(ds1, "prefecture")
    assert set(pref["area"]) == {str(p) for p in ds1["prefecture"].values}


def test_caseloads_stock_at_year_end_flow_summed(base: xr.Dataset) -> None:
    ds1 = one(base)
    c = tables.caseloads(ds1, "county").set_index(["area", "year"])
    code = str(ds1["county"].values[0])
    persons = ds1["cases_persons"].sel(county=code).mean("replicate")
    dec_2020 = persons.sel(month="2020-12-01")
    assert c.loc[(code, 2020), "dibao_rural_whole"] == pytest.approx(
        float(dec_2020.sel(group="dibao_rural_whole")), rel=RTOL
    )
    dibao = [g for g in GROUPS if g.startswith("dibao_")]
    assert c.loc[(code, 2020), "dibao_total"] == pytest.approx(
        float(dec_2020.sel(group=dibao).sum()), rel=RTOL
    )
    temp_2020 = persons.sel(group="temporary", month=slice("2020-01-01", "2020-12-01")).sum()
    assert c.loc[(code, 2020), "temporary"] == pytest.approx(float(temp_2020), rel=RTOL)
    # the last year of the run ends in its last month (2021-12 for 32 months from 2019-05)
    last = persons.isel(month=-1).sel(group="edge")
    assert c.loc[(code, 2021), "edge"] == pytest.approx(float(last), rel=RTOL)


def test_bands_are_quantiles_over_replicates(base: xr.Dataset) -> None:
    ds1 = one(base)
    b = tables.bands(ds1, "province").set_index("year")
    per_rep = (
        ds1["budget_need"].sel(month=slice("2020-01-01", "2020-12-01")).sum(("county", "month"))
    )
    lo, mid, hi = np.quantile(per_rep.values, [0.1, 0.5, 0.9])
    assert b.loc[2020, "budget_need_p10"] == pytest.approx(lo, rel=RTOL)
    assert b.loc[2020, "budget_need_p50"] == pytest.approx(mid, rel=RTOL)
    assert b.loc[2020, "budget_need_p90"] == pytest.approx(hi, rel=RTOL)
    assert b.loc[2020, "budget_need_p10"] <= b.loc[2020, "budget_need_p90"]
    assert int(b["replicates"].iloc[0]) == 3
    assert tables.has_bands(ds1)
    assert not tables.has_bands(ds1.isel(replicate=[0]))


def test_headline_against_baseline(base: xr.Dataset, reform: xr.Dataset) -> None:
    h = tables.headline(one(reform), one(base)).set_index("metric")
    total = float(one(reform)["budget_need"].mean("replicate").sum())
    base_total = float(one(base)["budget_need"].mean("replicate").sum())
    assert h.loc["budget_need_total", "value"] == pytest.approx(total, rel=RTOL)
    assert h.loc["budget_need_total", "change"] == pytest.approx(total - base_total, rel=RTOL)
    assert h.loc["budget_need_total", "change_pct"] == pytest.approx(
        (total - base_total) / base_total * 100, rel=1e-9
    )
    # 32 months: the yearly average is 12/32 of the total
    assert h.loc["budget_need_per_year", "value"] == pytest.approx(total * 12 / 32, rel=RTOL)
    assert h.loc["dibao_persons_end", "change"] > 0  # rural uplift raises the dibao caseload
    assert h.loc["tekun_persons_end", "change"] == pytest.approx(0.0, abs=1e-6)


def test_parameter_diff_table() -> None:
    df = tables.parameter_diff({"parameter_diff": RURAL_DIFF})
    assert list(df.columns) == [*tables.DIFF_COLUMNS, "old_value", "new_value"]
    assert df.loc[1, "new_value"] == pytest.approx(0.08)  # numbers stay numbers for Excel
    noisy = tables.parameter_diff({"parameter_diff": [{**RURAL_DIFF[0], "new": 523.8000000000001}]})
    assert noisy.loc[0, "new"] == "523.8"
    assert df.loc[1, "path"] == "services.cap_share"
    assert (df.loc[1, "old"], df.loc[1, "new"]) == ("0.05", "0.08")
    assert df.loc[0, "reference"] == "S4 二(二)"
    with pytest.raises(InputError, match="parameter_diff"):
        tables.parameter_diff({"parameter_diff": "x"})
    assert tables.parameter_diff({}).empty


def test_reporting_year_is_last_full_year(base: xr.Dataset) -> None:
    assert reporting_year(one(base)) == 2021
    # 2019-05..2020-02 has no full year: the last year is reported
    assert reporting_year(one(base).isel(month=slice(0, 10))) == 2020


# -- checks, with hand-computed expectations from the synthetic construction


LIMITS = checks.Limits(
    {
        "tekun_multiple": {2019: 1.3, 2020: 1.3, 2021: 1.3},
        "services_cap_share": {2019: 0.05, 2020: 0.05, 2021: 0.05},
        "standard_rise_band": {2019: 0.10, 2020: 0.10, 2021: 0.10},
    }
)


def test_checks_pass_and_fail_as_built(base: xr.Dataset) -> None:
    c = checks.checks(one(base), LIMITS).set_index(["area", "year"])
    codes = [str(x) for x in base["county"].values]
    n = len(codes)
    # every county's standard is floor × premium (≥ 1): the floor check passes everywhere
    assert (c["floor_status"] == "pass").all()
    # county 1 pays tekun at 1.25 × urban standard: fails; county 0 at 1.3 (rounded up) passes
    assert (c.loc[codes[1], "tekun_status"] == "fail").all()
    assert (c.loc[codes[0], "tekun_status"] == "pass").all()
    # services share is built as linspace(0.02, 0.07): above 5% fails
    shares = np.linspace(0.02, 0.07, n)
    for k, code in enumerate(codes):
        got = c.loc[(code, 2020), "services_share"]
        assert got == pytest.approx(shares[k], rel=1e-9)
        want = "fail" if shares[k] > 0.05 + 1e-12 else "pass"
        assert c.loc[(code, 2020), "services_status"] == want
    # temporary per case: n/a in the first year, county 2 falls (fail), county 0 rises (pass)
    assert (c.xs(2019, level="year")["temporary_status"] == "n/a").all()
    assert c.loc[(codes[2], 2020), "temporary_status"] == "fail"
    assert c.loc[(codes[0], 2020), "temporary_status"] == "pass"
    assert c.loc[(codes[0], 2020), "temporary_per_case_last_year"] == pytest.approx(
        c.loc[(codes[0], 2019), "temporary_per_case"]
    )
    # urban premium linspace(1.0, 1.14): the last county is above the 10% band
    assert (c.loc[codes[-1], "band_status"] == "fail").all()
    assert (c.loc[codes[0], "band_status"] == "pass").all()
    su = c.loc[(codes[-1], 2021), "standard_urban"]
    fu = c.loc[(codes[-1], 2021), "floor_urban"]
    assert c.loc[(codes[-1], 2021), "rise_urban"] == pytest.approx(su / fu - 1)
    assert (c["failed"] >= 0).all()
    summary = checks.summary(c.reset_index()).set_index("year")
    assert summary.loc[2020, "tekun_fail"] == 1
    assert summary.loc[2019, "temporary_na"] == n


def test_floor_check_fails_below_floor(base: xr.Dataset) -> None:
    ds1 = one(base).copy(deep=True)
    code = str(ds1["county"].values[3])
    month = np.datetime64("2020-03-01", "ns")
    ds1["standard_rural"].loc[{"county": code, "month": month}] = (
        ds1["floor_rural"].sel(county=code, month=month) - 1.0
    )
    c = checks.checks(ds1, LIMITS).set_index(["area", "year"])
    assert c.loc[(code, 2020), "floor_status"] == "fail"
    assert c.loc[(code, 2021), "floor_status"] == "pass"


def test_missing_limit_gives_na(base: xr.Dataset) -> None:
    lim = checks.Limits({"tekun_multiple": {}, "services_cap_share": {}, "standard_rise_band": {}})
    c = checks.checks(one(base), lim)
    assert (c["tekun_status"] == "n/a").all()
    assert (c["services_status"] == "n/a").all()
    assert (c["floor_status"] == "pass").all()


def test_limits_follow_parameters_and_scenario_overrides() -> None:
    ps = load_parameters()
    ends = {2019: dt.date(2019, 12, 1), 2020: dt.date(2020, 12, 1)}
    lim = checks.limits_from_parameters(ends, {"parameter_diff": RURAL_DIFF})
    assert lim.values["services_cap_share"][2019] == pytest.approx(
        float(ps.value("services.cap_share", ends[2019]))  # type: ignore[arg-type]
    )
    assert lim.values["services_cap_share"][2020] == pytest.approx(0.08)  # the override
    assert lim.values["tekun_multiple"][2020] == pytest.approx(
        float(ps.value("tekun.standard_multiple", ends[2020]))  # type: ignore[arg-type]
    )


# -- the three files


def test_report_writes_three_files(written) -> None:
    files, messages = written
    assert {"html", "pdf", "xlsx", "map_counties"} <= set(files)
    for path in files.values():
        assert path.is_file() and path.stat().st_size > 1000
    assert not [m for m in messages if "missing from font" in m]  # no tofu: every glyph found
    leftovers = [p.name for p in files["html"].parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_pdf_is_typeset_with_the_pip_cjk_font(written) -> None:
    files, _ = written
    data = files["pdf"].read_bytes()
    assert data.startswith(b"%PDF")
    assert b"NotoSansCJK" in data  # the subset Typst embedded from noto-cjk-sans-otc
    assert b"/FontFile3" in data  # CFF outlines embedded as CFF (no mislabelled font)


def test_html_is_self_contained_and_bilingual_names(written, reform: xr.Dataset) -> None:
    files, _ = written
    text = files["html"].read_text(encoding="utf-8")
    assert text.count("data:image/png;base64,") == 7  # 6 + the validation path (校核)
    # nothing loaded from outside (the sources of the validation table are shown as text)
    assert "<script" not in text and not re.search(r"(?:src|href)=\"https?://", text)
    for name in reform["county_name_zh"].values:
        assert str(name) in text
    assert t("sec_checks", "zh") in text and "S4 五(十四)" not in text  # codes expanded
    assert "《关于改革完善社会救助制度的实施方案》（迪办发〔2021〕26号） 五(十四)" in text


def test_excel_reads_back_the_same_values(written, reform: xr.Dataset) -> None:
    files, _ = written
    wb = openpyxl.load_workbook(files["xlsx"])
    ws = wb[t("sheet_money_county", "zh")]
    assert ws.freeze_panes == "E2"  # code, name, prefecture, year
    heads = [c.value for c in ws[1]]
    assert heads[heads.index(header_of("dibao", "yuan"))] == "最低生活保障金（万元）"
    frame = pd.read_excel(files["xlsx"], sheet_name=t("sheet_money_county", "zh"))
    frame = frame.set_index([t("area", "zh"), t("year", "zh")])
    want = tables.money(one(reform), "county").set_index(["area", "year"])
    for col in ("dibao", "services", "budget_need", "funding_gap"):
        got = frame[header_of(col, "yuan")]
        got.index = pd.MultiIndex.from_tuples([(str(a), int(y)) for a, y in got.index])
        np.testing.assert_allclose(
            got.loc[want.index].to_numpy(), want[col].to_numpy() / 1e4, rtol=RTOL
        )  # 万元, as in the PDF
    cell = ws.cell(row=2, column=heads.index(header_of("dibao", "yuan")) + 1)
    assert isinstance(cell.value, float) and cell.number_format == "#,##0.0"
    names = wb.sheetnames
    for key in ("sheet_parameters", "sheet_checks", "sheet_headline", "sheet_compare_county"):
        assert t(key, "zh") in names
    params = pd.read_excel(files["xlsx"], sheet_name=t("sheet_parameters", "zh"))
    assert "services.cap_share" in set(params.iloc[:, 0])
    chk = pd.read_excel(files["xlsx"], sheet_name=t("sheet_checks", "zh"))
    assert set(chk[t("tekun_status", "zh")]) <= {"通过", "不通过", "不适用", "在误差范围内"}


def header_of(key: str, unit: str, lang: str = "zh") -> str:
    return header(XCol(key, unit), lang)


def test_several_scenarios_in_one_dataset(base: xr.Dataset, reform: xr.Dataset) -> None:
    both = xr.concat([base, reform], dim="scenario")
    data = build(both)
    assert data.scenario == "baseline"  # the run record of the merged dataset is the first's
    assert data.base1 is not None and data.comparison is not None
    assert str(data.ds1["scenario"].values) == "rural_plus"


# -- errors


def test_load_results_errors(tmp_path: Path, base: xr.Dataset) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_results(tmp_path / "nope.nc")
    bad = tmp_path / "bad.nc"
    bad.write_text("not a netCDF file", encoding="utf-8")
    with pytest.raises(InputError, match="cannot read"):
        load_results(bad)
    lacking = save(base.drop_vars("funding_gap"), tmp_path / "lacking.nc")
    with pytest.raises(InputError, match="funding_gap"):
        load_results(lacking)
    empty_dir = tmp_path / "run"
    empty_dir.mkdir()
    with pytest.raises(InputError, match=r"results\.nc"):
        load_results(empty_dir)
    good = save(base, empty_dir / "results.nc")
    back = load_results(empty_dir)
    np.testing.assert_allclose(back["spending"].values, base["spending"].values)
    assert back.attrs["run_record"] == base.attrs["run_record"]
    assert good.exists()


def test_bad_dataset_and_language(tmp_path: Path, base: xr.Dataset) -> None:
    with pytest.raises(InputError, match="lang"):
        write_report(base, tmp_path, lang="fr")
    broken = base.copy()
    broken.attrs["run_record"] = "{not json"
    with pytest.raises(InputError, match="run_record"):
        write_report(broken, tmp_path)
    with pytest.raises(InputError, match="month"):
        write_report(base.rename(month="time"), tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_failure_leaves_no_partial_output(
    tmp_path: Path, base: xr.Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safetynet.report import excel

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(excel, "write_excel", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        write_report(base.isel(county=[0, 1], replicate=[0]), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_cli_report_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["report", str(tmp_path / "missing.nc")])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "missing.nc" in err and "\n" not in err
    with pytest.raises(SystemExit) as exc:
        main(["report", str(tmp_path / "missing.nc"), "--lang", "de"])
    assert exc.value.code == 2


# -- compare


def test_compare_runs(base: xr.Dataset, reform: xr.Dataset) -> None:
    same = compare_runs(one(base), one(base))
    for df in same.by_level.values():
        assert np.allclose(df["diff"], 0.0)
    cmp = compare_runs(one(base), one(reform), "baseline", "rural_plus")
    assert not cmp.aligned
    prov = cmp.by_level["province"].set_index(["year", "measure"])
    county = cmp.by_level["county"].groupby(["year", "measure"])["diff"].sum()
    np.testing.assert_allclose(
        prov["diff"].sort_index().to_numpy(), county.sort_index().to_numpy(), rtol=1e-9, atol=1e-6
    )
    assert prov.loc[(2021, "dibao_rural_whole"), "diff"] > 0
    assert prov.loc[(2021, "tekun_total"), "diff"] == pytest.approx(0.0, abs=1e-6)
    need = one(reform)["budget_need"].mean("replicate")
    want = float(need.sel(month=slice("2020-01-01", "2020-12-01")).sum())
    assert prov.loc[(2020, "budget_need"), "b"] == pytest.approx(want, rel=RTOL)
    totals = period_totals(cmp.by_level["province"]).set_index("measure")
    assert totals.loc["budget_need", "diff"] == pytest.approx(
        prov.xs("budget_need", level="measure")["diff"].sum(), rel=1e-9
    )
    assert totals.loc["dibao_total", "a"] == pytest.approx(prov.loc[(2021, "dibao_total"), "a"])


def test_compare_aligns_common_months(base: xr.Dataset, reform: xr.Dataset) -> None:
    cmp = compare_runs(one(base), one(reform).isel(month=slice(0, 20)))
    assert cmp.aligned
    assert cmp.by_level["province"]["year"].max() == 2020
    with pytest.raises(InputError, match="common"):
        compare_runs(one(base).isel(month=slice(0, 5)), one(reform).isel(month=slice(10, 15)))


def test_compare_cli_prints_and_writes(
    tmp_path: Path, base: xr.Dataset, reform: xr.Dataset, capsys: pytest.CaptureFixture[str]
) -> None:
    a = save(base, tmp_path / "a.nc")
    b = save(reform, tmp_path / "b.nc")
    out = tmp_path / "cmp"
    main_ok(["compare", str(a), str(b), "--out", str(out)])
    printed = capsys.readouterr().out
    assert "rural_plus" in printed and t("tab_compare_province", "zh") in printed
    assert t("budget_need", "zh") in printed
    csv = pd.read_csv(out / "compare.csv")
    assert set(csv["level"]) == set(tables.LEVELS)
    assert {"a", "b", "diff", "diff_pct"} <= set(csv.columns)
    wb = openpyxl.load_workbook(out / "compare.xlsx", read_only=True)
    assert t("sheet_compare_county", "zh") in wb.sheetnames
    with pytest.raises(InputError, match="no such file"):
        cmpmod.compare_files(tmp_path / "none.nc", b)


def main_ok(argv: list[str]) -> None:
    try:
        main(argv)
    except SystemExit as exc:  # typer may exit 0 explicitly
        assert exc.code in (0, None)


def test_cli_english_report_next_to_results(
    tmp_path: Path, base: xr.Dataset, capsys: pytest.CaptureFixture[str]
) -> None:
    """`safetynet report RUN_DIR --lang en` on a one-replicate run: English, no bands."""
    small = base.isel(county=[0, 3], replicate=[0], month=slice(0, 20))
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    save(small, run_dir / "results.nc")
    main_ok(["report", str(run_dir), "--lang", "en"])
    assert "report.pdf" in capsys.readouterr().out
    assert {"report.html", "report.pdf", "report.xlsx"} <= {p.name for p in run_dir.iterdir()}
    text = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "Budget need" in text and str(small["county_name_en"].values[0]) in text
    assert t("no_bands", "en") in text  # a single replicate has no bands
    wb = openpyxl.load_workbook(run_dir / "report.xlsx", read_only=True)
    assert "Money county" in wb.sheetnames and "Compare county" not in wb.sheetnames
    assert "Bands county" not in wb.sheetnames
    assert b"%PDF" in (run_dir / "report.pdf").read_bytes()[:8]


# -- invariants


@settings(max_examples=25, deadline=None)
@given(
    values=st.lists(st.floats(0, 1e7, allow_nan=False), min_size=4 * 15, max_size=4 * 15),
    start=st.integers(0, 11),
)
def test_yearly_totals_keep_the_sum(values: list[float], start: int) -> None:
    """Whatever the numbers and start month, yearly sums at every level add up to the total."""
    months = np.arange(np.datetime64("2020-01") + start, np.datetime64("2020-01") + start + 15)
    ds = empty_dataset(
        ["s"],
        [0],
        ["a", "b", "c", "d"],
        months,
        {
            "prefecture": np.array(["p1", "p1", "p2", "p2"]),
            "county_name_zh": np.array(["甲", "乙", "丙", "丁"]),
            "county_name_en": np.array(["A", "B", "C", "D"]),
        },
    )
    ds["budget_need"][0, 0] = np.asarray(values).reshape(4, 15)
    ds1 = one(ds)
    total = float(np.sum(values))
    for level in tables.LEVELS:
        got = tables.money(ds1, level)["budget_need"].sum()
        assert got == pytest.approx(total, rel=1e-9, abs=1e-6)
    per_year = tables.money(ds1, "province").set_index("year")["months"]
    assert int(per_year.sum()) == 15


def test_web_font_has_exactly_the_page_glyphs() -> None:
    import base64
    import io

    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(base64.b64decode(fonts.woff2_base64(["低保特困"]))))
    assert font.flavor == "woff2"
    cmap = font.getBestCmap()
    for ch in "低保特困0123456789,.":
        assert ord(ch) in cmap
    assert ord("鬱") not in cmap  # only what the page uses
    assert fonts.woff2_base64(["低保特困"]) == fonts.woff2_base64(["特困低保"])  # cached


def test_doctests() -> None:
    for module in (formatting, tables):
        assert doctest.testmod(module).failed == 0


def test_sheets_have_units_in_money_headers(base: xr.Dataset) -> None:
    data = build(base)
    money = [s for s in sheets(data, "en") if s.key.startswith("sheet_money_")]
    assert len(money) == 3
    for sheet in money:
        heads = [header(col, "en") for col in sheet.cols if col.key in PROGRAMMES]
        assert len(heads) == len(PROGRAMMES)
        assert all(h.endswith("(10k yuan)") for h in heads)


def test_baseline_run_under_other_conditions_is_flagged() -> None:
    from safetynet.report.view import baseline_mismatch

    run = {"code_version": "0.1.0+a", "data_version": "d1", "sample_fraction": 0.02,
           "replicates": 5, "start": "2019-05-01", "seeds": {"seed": 1}}  # fmt: skip
    assert baseline_mismatch(run, None) == []
    assert baseline_mismatch(run, dict(run)) == []
    other = dict(run, sample_fraction=0.005, replicates=2, seeds={"seed": 2})
    assert baseline_mismatch(run, other) == ["sample_fraction", "replicates", "seed"]
