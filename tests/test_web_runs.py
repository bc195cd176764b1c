"""Web page runs: cached by scenario hash, errors before any work, budget-year tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from safetynet.errors import ScenarioError
from safetynet.scenario import Scenario
from safetynet.simulation import simulate
from safetynet.web import levers as lv
from safetynet.web.results import budget_year
from safetynet.web.runs import Runs

BASE = str(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml")
#: a tiny run: 0.05 % of households, 2019-05..2019-12, 8 counties of Dali
COUNTIES = ("532901", "532922", "532923", "532924", "532925", "532926", "532927", "532928")


def _small(sc: Scenario, progress: object) -> xr.Dataset:
    return simulate(sc, counties=COUNTIES, progress=progress, threads=1)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    r = Runs(workers=1, folder=tmp_path_factory.mktemp("web"), simulate=_small)
    yield r  # type: ignore[misc]
    r.shutdown()


def test_same_levers_do_not_rerun(runs: Runs) -> None:
    levers = lv.Levers(BASE, 2019, 0.0005, 2, rural_rise=0.2, rise_from="2019-06")
    first = runs.submit(levers)
    res = first.results(timeout=300)
    assert runs.simulations == 2  # the scenario and its baseline
    again = runs.submit(lv.Levers(BASE, 2019, 0.0005, 2, rural_rise=0.2, rise_from="2019-06"))
    assert again.done() and runs.simulations == 2
    assert again.results().programmes.equals(res.programmes)
    base_only = runs.submit(levers.baseline())
    assert base_only.done() and runs.simulations == 2  # the baseline run is shared too
    assert first.progress == pytest.approx(1.0)
    # a 20 % higher rural standard raises dibao spending and caseload in the year
    dibao = res.programmes.set_index("line").loc["dibao"]
    assert dibao["scenario"] > dibao["baseline"] > 0
    assert np.isfinite(dibao["p10"]) and dibao["p10"] <= dibao["scenario"] <= dibao["p90"]
    assert (res.counties["need_diff"] >= 0).all() and (res.counties["need_diff"] > 0).any()
    assert len(res.counties) == len(COUNTIES) and len(res.cpi_months) == 8


def test_refused_lever_fails_before_any_run(runs: Runs) -> None:
    before = runs.simulations
    with pytest.raises(ScenarioError, match=r"overrides\[0\]"):
        runs.submit(lv.Levers(BASE, 2019, 0.0005, 1, services_cap=7.0))
    assert runs.simulations == before


def test_budget_year_lines_add_up(runs: Runs) -> None:
    job = runs.submit(lv.Levers(BASE, 2019, 0.0005, 2, rural_rise=0.2, rise_from="2019-06"))
    ds, base = job.datasets()
    res = budget_year(ds, base, 2019)
    spend = float(ds["spending"].sum(("programme", "county", "month")).mean("replicate").sum())
    assert res.programmes["scenario"].sum() == pytest.approx(spend, rel=1e-9)
    need = res.funding.set_index("line").loc["budget_need", "scenario"]
    assert need == pytest.approx(spend, rel=1e-9)
    assert res.counties["budget_need"].sum() == pytest.approx(need, rel=1e-9)


def test_budget_year_allocation_by_source_when_present(runs: Runs) -> None:
    """Runs with issue #14's yearly allocation by source show it; runs without it do not."""
    job = runs.submit(lv.Levers(BASE, 2019, 0.0005, 2, rural_rise=0.2, rise_from="2019-06"))
    ds, base = job.datasets()
    assert "source_central" not in set(budget_year(ds, base, 2019).funding["line"])
    shape = (ds.sizes["scenario"], ds.sizes["replicate"], ds.sizes["county"], 1, 2)
    alloc = np.arange(np.prod(shape), dtype=float).reshape(shape)
    extra = xr.DataArray(
        alloc,
        dims=("scenario", "replicate", "county", "year", "source"),
        coords={"year": [2019], "source": ["central", "county"]},
    )
    with_source = ds.assign(fund_allocation=extra)
    lines = budget_year(with_source, base, 2019).funding.set_index("line")
    central = alloc[0, :, :, 0, 0].sum(axis=1).mean()
    assert lines.loc["source_central", "scenario"] == pytest.approx(central)
    assert np.isnan(lines.loc["source_central", "baseline"])  # the baseline run has none
