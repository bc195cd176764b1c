"""Web page runs: cached by scenario hash, errors before any work, budget-year tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from safetynet.errors import ScenarioError
from safetynet.rules.checks import CHECKS
from safetynet.scenario import Scenario
from safetynet.simulation import simulate
from safetynet.web import levers as lv
from safetynet.web.results import budget_year
from safetynet.web.runs import Runs

BASE = str(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml")
#: a tiny run: 0.05 % of households, 2019-05..2019-12, 8 counties of Dali
COUNTIES = ("532901", "532922", "532923", "532924", "532925", "532926", "532927", "532928")


def _small(sc: Scenario, progress: object, **warm: object) -> xr.Dataset:
    return simulate(sc, counties=COUNTIES, progress=progress, threads=1, **warm)  # type: ignore[arg-type]


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
    """Issue #14's yearly allocation by source is shown per source; without it, no such rows."""
    job = runs.submit(lv.Levers(BASE, 2019, 0.0005, 2, rural_rise=0.2, rise_from="2019-06"))
    ds, base = job.datasets()
    lines = budget_year(ds, base, 2019).funding.set_index("line")
    alloc = ds["fund_allocation"].sel(year=2019)
    for s in alloc["source"].values:
        want = float(alloc.sel(source=s).sum("county").mean("replicate").sum())
        assert lines.loc[f"source_{s}", "scenario"] == pytest.approx(want, rel=1e-9)
    gap = float(ds["fund_gap"].sel(year=2019).sum("county").mean("replicate").sum())
    assert lines.loc["fund_gap", "scenario"] == pytest.approx(gap, rel=1e-9)
    bare = ds.drop_vars(["fund_allocation", "fund_gap", "fund_surplus", "fund_reserve_released"])
    shown = set(budget_year(bare, base, 2019).funding["line"])
    assert not any(x.startswith(("source_", "fund_")) for x in shown)
    assert {"budget_need", "transfers", "county_budget", "funding_gap"} <= shown


def test_reform_resumes_from_its_baseline_and_is_shown_at_once(runs: Runs) -> None:
    """A lever from January of the budget year: the reform starts from the baseline's kept
    state at 2020-01 (12 of 20 months simulated); once finished, the page finds the job
    without starting anything (``Runs.finished``)."""
    import json

    levers = lv.Levers(BASE, 2020, 0.0005, 1, rural_rise=0.1)
    assert runs.finished(levers) is None
    job = runs.submit(levers)
    job.results(timeout=300)
    record = json.loads(job.datasets()[0].attrs["run_record"])
    assert record["resumed"] == {"0": ["2020-01"]}
    assert "resumed" not in json.loads(job.datasets()[1].attrs["run_record"])
    before = runs.simulations
    assert runs.finished(levers) is job and runs.simulations == before
    assert job.checked_now() is None and job.checked().checks is not None
    assert job.checked_now() is not None and len(job.checked().checks) == len(CHECKS)
