"""Integration tests of the monthly model: identities, invariants, reproducibility, dask."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from safetynet import outputs, refdata
from safetynet.scenario import load_scenario
from safetynet.simulation import (
    make_specs,
    quantiles,
    run_replicate,
    save,
    simulate,
)

# Small but real: three counties of different kinds (urban district, rural county, Dali city).
COUNTIES = ["530102", "530324", "532901"]
BASE = """
[scenario]
name = "{name}"
title = {{zh = "测试", en = "test"}}
description = "small test scenario"

[horizon]
start = "2019-05"
months = {months}

[run]
replicates = 2
seed = 11
sample_fraction = 0.004
"""


def _scenario(tmp_path: Path, name: str = "t", months: int = 24, extra: str = "") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(BASE.format(name=name, months=months) + extra, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> xr.Dataset:
    tmp = tmp_path_factory.mktemp("sim")
    return simulate(_scenario(tmp), counties=COUNTIES)


def test_dataset_has_declared_variables_with_units(run: xr.Dataset) -> None:
    for v in (*outputs.VARIABLES, *outputs.COUNTY_OUTPUTS):
        assert v.name in run, v.name
        assert run[v.name].dims == v.dims
        assert run[v.name].attrs["units"] == v.unit
    assert list(run.county.values) == COUNTIES
    assert run.sizes["month"] == 24
    assert "county_name_zh" in run.coords
    record = json.loads(run.attrs["run_record"])
    assert record["seeds"]["seed"] == 11
    assert record["scenario"]["sha256"]


def test_no_nan_and_non_negative_money(run: xr.Dataset) -> None:
    for name in run.data_vars:
        if np.issubdtype(run[name].dtype, np.floating):
            assert not np.isnan(run[name].values).any(), name
    assert (run["spending"] >= 0).all()
    assert (run["cases_households"] >= 0).all()
    # county outputs: every willing tekun person has a place (share 1); township cases and
    # case-by-case cases are among the temporary cases
    institutional = run["cases_persons"].sel(group="tekun_institutional", drop=True)
    assert np.allclose(run["tekun_institution_places"], institutional)
    temporary = run["cases_households"].sel(group="temporary", drop=True)
    assert (run["temporary_township_cases"] <= temporary + 1e-9).all()
    assert (run["temporary_case_by_case_cases"] <= temporary + 1e-9).all()


def test_stock_flow_identity(run: xr.Dataset) -> None:
    """stock(t) = stock(t-1) + entries(t) - exits(t) per group and county."""
    stock = run["cases_households"]
    lhs = stock.isel(month=slice(1, None)).values
    rhs = (
        stock.isel(month=slice(None, -1)).values
        + run["entries_households"].isel(month=slice(1, None)).values
        - run["exits_households"].isel(month=slice(1, None)).values
    )
    np.testing.assert_allclose(lhs, rhs, rtol=1e-9, atol=1e-6)


def test_urban_dibao_is_part_of_the_dibao_line(run: xr.Dataset) -> None:
    urban = run["dibao_spending_urban"]
    assert (urban >= 0).all()
    assert (urban <= run["spending"].sel(programme="dibao") * (1 + 1e-9)).all()


def test_budget_need_is_sum_of_programmes_and_gap_identity(run: xr.Dataset) -> None:
    np.testing.assert_allclose(run["budget_need"], run["spending"].sum("programme"), rtol=1e-12)
    gap = run["budget_need"] - run["transfers"] - run["county_budget"]
    np.testing.assert_allclose(run["funding_gap"], gap, rtol=1e-9, atol=1e-6)


def test_services_never_exceed_the_cap(run: xr.Dataset) -> None:
    """Year-to-date services ≤ cap share × YTD assistance spending (incl. services), per county."""
    from safetynet.params import load_parameters

    ps = load_parameters()
    spend = run["spending"]
    services = spend.sel(programme="services")
    total = spend.sum("programme")
    years = run["month"].dt.year
    for _year, idx in run.groupby(years).groups.items():
        s = services.isel(month=idx).cumsum("month")
        tot = total.isel(month=idx).cumsum("month")
        when = run.month.values[idx][0].astype("datetime64[D]").item()
        share = float(ps.value("services.cap_share", when))
        assert (s <= share * tot + 1e-6).all()


def test_province_totals_equal_sum_of_households(tmp_path: Path) -> None:
    """Recorded county aggregates add up to what the households themselves hold."""
    from safetynet.constants import DIBAO as DIBAO_WHOLE
    from safetynet.constants import DIBAO_SINGLE

    sc = load_scenario(_scenario(tmp_path, months=6))
    spec = make_specs(sc, 1, counties=COUNTIES)[0]
    captured: dict[str, object] = {}

    import safetynet.simulation as sim

    original = sim.SafetyNetModel.run
    original_init = sim.SafetyNetModel.__init__

    def spy(self: sim.SafetyNetModel, progress: object = None) -> None:
        original(self, None)
        captured["model"] = self

    def keeping_money(self: sim.SafetyNetModel, *args: object, **kwargs: object) -> None:
        original_init(self, *args, **{**kwargs, "keep_money": True})  # type: ignore[arg-type]

    sim.SafetyNetModel.run = spy  # type: ignore[method-assign]
    sim.SafetyNetModel.__init__ = keeping_money  # type: ignore[method-assign]
    try:
        arrays = run_replicate(spec)
    finally:
        sim.SafetyNetModel.run = original  # type: ignore[method-assign]
        sim.SafetyNetModel.__init__ = original_init  # type: ignore[method-assign]
    model = captured["model"]
    hh = model.hh  # type: ignore[attr-defined]
    w = hh["weight"].astype(np.float64)
    on_dibao = (hh["programme"] == DIBAO_WHOLE) | (hh["programme"] == DIBAO_SINGLE)
    groups = list(outputs.GROUPS)
    dibao_groups = [groups.index(g) for g in groups if g.startswith("dibao")]
    recorded = arrays["cases_households"][:, -1, dibao_groups].sum()
    assert recorded == pytest.approx((w * on_dibao).sum(), rel=1e-9)
    paid = arrays["spending"][:, -1, outputs.PROGRAMMES.index("dibao")].sum()
    assert paid == pytest.approx((w * model.household_money["dibao"]).sum(), rel=1e-9)  # type: ignore[attr-defined]
    # the urban part of the dibao line: what urban households were paid (the rest is rural)
    urban = hh["urban"].astype(bool)
    urban_paid = (w * model.household_money["dibao"] * urban).sum()  # type: ignore[attr-defined]
    assert arrays["dibao_spending_urban"][:, -1].sum() == pytest.approx(urban_paid, rel=1e-9)
    assert 0 < urban_paid < paid
    assert arrays["population_persons"][:, -1].sum() == pytest.approx((w * hh["size"]).sum())


def test_same_seed_same_dataset(tmp_path: Path) -> None:
    path = _scenario(tmp_path, months=6)
    a = simulate(path, counties=COUNTIES[:1], replicates=1)
    b = simulate(path, counties=COUNTIES[:1], replicates=1)
    xr.testing.assert_identical(a.drop_attrs(), b.drop_attrs())


def test_counties_do_not_depend_on_grouping(tmp_path: Path) -> None:
    """A county's results are the same alone or with others (streams keyed by county)."""
    path = _scenario(tmp_path, months=6)
    together = simulate(path, counties=COUNTIES, replicates=1)
    alone = simulate(path, counties=COUNTIES[1:2], replicates=1)
    keep = [v for v in alone.data_vars if "county" in alone[v].dims and v != "transfers"]
    keep = [v for v in keep if v not in ("county_budget", "funding_gap")]
    # the factor method shares a provincial pool: allocations depend on the other counties
    keep = [v for v in keep if not v.startswith("fund_") or v in ("fund_need", "fund_own_budget")]
    xr.testing.assert_equal(
        together[keep].sel(county=COUNTIES[1:2]), alone[keep].sel(county=COUNTIES[1:2])
    )


def test_raising_the_standard_never_lowers_the_caseload(tmp_path: Path) -> None:
    base = simulate(_scenario(tmp_path, "base", months=12), counties=COUNTIES, replicates=1)
    extra = """
[[overrides]]
path = "dibao.standard"
keys = ["urban", "rural"]
from = "2019-05"
relative = 0.15
"""
    reform = simulate(
        _scenario(tmp_path, "raise", months=12, extra=extra), counties=COUNTIES, replicates=1
    )
    dibao = [g for g in outputs.GROUPS if g.startswith("dibao")]
    b = base["cases_households"].sel(group=dibao).sum("group")
    r = reform["cases_households"].sel(group=dibao).sum("group")
    assert (r.values >= b.values - 1e-6).all()
    assert float(r.sum()) > float(b.sum())
    assert float(reform["spending"].sum()) > float(base["spending"].sum())


def test_ten_years_no_nan_no_drift(tmp_path: Path) -> None:
    ds = simulate(_scenario(tmp_path, months=120), counties=COUNTIES[:1], replicates=1)
    for name in ds.data_vars:
        if np.issubdtype(ds[name].dtype, np.floating):
            assert np.isfinite(ds[name].values).all(), name
    pop = ds["population_persons"].sum("county").values.ravel()
    # demography only: births and deaths move the total by well under 1% a year here
    assert abs(pop[-1] / pop[0] - 1) < 0.10


def test_quantiles_and_save(run: xr.Dataset, tmp_path: Path) -> None:
    q = quantiles(run)
    assert list(q["quantile"].values) == [0.1, 0.5, 0.9]
    lo = q["budget_need"].sel(quantile=0.1)
    hi = q["budget_need"].sel(quantile=0.9)
    assert (lo <= hi).all()
    path = save(run, tmp_path / "out" / "results.nc")
    back = xr.load_dataset(path)
    np.testing.assert_allclose(back["spending"].values, run["spending"].values)
    assert back.attrs["run_record"] == run.attrs["run_record"]
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["results.nc"]  # no temporaries


@pytest.mark.slow
def test_dask_two_workers_equal_in_process(tmp_path: Path) -> None:
    from safetynet.sweep import sweep

    path = _scenario(tmp_path, months=6)
    local = simulate(path, counties=COUNTIES[:2], replicates=2)
    swept = sweep([path], tmp_path / "sweep", counties=COUNTIES[:2], replicates=2, workers=2)
    xr.testing.assert_equal(local.drop_attrs(), swept.drop_attrs())
    # resume: nothing left to do, same result, parts untouched
    parts = sorted((tmp_path / "sweep" / "parts").glob("*.nc"))
    stamps = [p.stat().st_mtime_ns for p in parts]
    again = sweep([path], tmp_path / "sweep", counties=COUNTIES[:2], replicates=2, workers=2)
    assert [p.stat().st_mtime_ns for p in parts] == stamps
    xr.testing.assert_equal(swept.drop_attrs(), again.drop_attrs())


def test_county_batches_give_the_same_results(tmp_path: Path) -> None:
    """Stepping counties in small batches (less memory) changes nothing."""
    from safetynet.simulation import county_batches

    sc = load_scenario(_scenario(tmp_path, months=6))
    spec = make_specs(sc, 1, counties=COUNTIES)[0]
    whole = run_replicate(spec)
    split = run_replicate(spec, batch_households=1)  # one county per batch
    for name, arr in whole.items():
        np.testing.assert_array_equal(arr, split[name], err_msg=name)
    sizes = np.array([5.0, 5.0, 5.0, 20.0])
    assert [b.tolist() for b in county_batches([3, 0, 1, 2], sizes, 10)] == [[3], [0, 1], [2]]
    # two threads: shares of at most 20 / 2, the fullest two to a batch
    assert [b.tolist() for b in county_batches([3, 0, 1, 2], sizes, 20, 2)] == [[0, 1, 3], [2]]


def test_county_batches_keep_every_county_once_and_balance_the_threads() -> None:
    """Every county is in one batch; on the census counties the two threads of the full
    province's batches carry at least 95% of what perfectly even threads would."""
    from safetynet.model import balanced_groups
    from safetynet.simulation import BATCH_HOUSEHOLDS, county_batches

    sizes = refdata.counties().family_households.astype(float)
    batches = county_batches(range(sizes.size), sizes, BATCH_HOUSEHOLDS, 2)
    assert sorted(int(c) for b in batches for c in b) == list(range(sizes.size))

    class County:
        def __init__(self, n: float) -> None:
            self.n = n

    slowest = 0.0
    for b in batches:
        groups = balanced_groups([County(sizes[c]) for c in b], 2)
        slowest += max(sum(c.n for c in g) for g in groups)
    assert sizes.sum() / (2 * slowest) >= 0.95
