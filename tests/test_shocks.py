"""Shocks that end (behaviour.shocks): temporary assistance in the month a shock hits, not in
every month it lasts; dibao cases the shock made eligible leave at the review due when it ends.

One rural county (罗平县 530324), 1% sample, fixed seed; a shock run and a run
without it share every random stream except the shock draws (common random numbers), so the
differences below are the shock's doing. Tolerances are stated per test.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from safetynet.behaviour import shocks
from safetynet.constants import DIBAO, TEKUN_DISPERSED
from safetynet.scenario import load_scenario
from safetynet.simulation import make_specs, simulate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import reference_mesa as rm

COUNTY = "530324"
BASE = """
[scenario]
name = "{name}"
title = {{zh = "测试", en = "test"}}
description = "shock test"

[horizon]
start = "2019-05"
months = 20

[run]
replicates = 1
seed = 11
sample_fraction = 0.01
{extra}
"""
# exact assessment (no noise, nothing undetected): the assessed and the true income agree, so a
# dibao household the shock made eligible is one the review at its end finds ineligible
EXACT = (
    "".join(
        f"""
[[overrides]]
path = "calibrated.{name}_{area}"
from = "2019-05"
value = 0.0
"""
        for name in ("assessment_noise", "undetected_income_share")
        for area in ("rural", "urban")
    )
    + """
[[overrides]]
path = "behaviour.history_shock_share"
from = "2019-05"
value = 0.0
"""
)  # no 2020 epidemic here: the test's own shock only
SHOCK = """
[[shocks]]
kind = "disaster"
counties = ["530324"]
from = "2020-01"
months = 3
severity = 0.3
"""
HIT, FIRST_AFTER = 8, 11  # month positions: 2020-01 (hit) and 2020-04 (the shock has ended)


def _run(tmp: Path, name: str, extra: str) -> xr.Dataset:
    path = tmp / f"{name}.toml"
    path.write_text(BASE.format(name=name, extra=extra), encoding="utf-8")
    ds = simulate(path, counties=[COUNTY])
    return ds.sel(county=COUNTY).isel(scenario=0, replicate=0)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, xr.Dataset]:
    tmp = tmp_path_factory.mktemp("shocks")
    return {
        "base": _run(tmp, "base", EXACT),
        "shock": _run(tmp, "shock", EXACT + SHOCK),
    }


def test_temporary_assistance_in_the_month_the_shock_hits_only(
    runs: dict[str, xr.Dataset],
) -> None:
    base = runs["base"]["cases_households"].sel(group="temporary").values
    shock = runs["shock"]["cases_households"].sel(group="temporary").values
    # the hit month: thousands of urgent cases (30% of households hit, the poor among them)
    assert shock[HIT] > base[HIT] + 2000
    # the two later months of the shock: as without it (same draws; tolerance 3 sampled
    # households of weight 100 each, for households whose low-income status the shock changed)
    for t in (HIT + 1, HIT + 2):
        assert abs(shock[t] - base[t]) <= 300, (t, shock[t], base[t])


def test_shock_made_dibao_cases_leave_when_it_ends(runs: dict[str, xr.Dataset]) -> None:
    """With exact assessment, a dibao household is found ineligible on its true income only
    between its reviews (income rose) or never; the shock brings in thousands while it lasts.
    In the month it ends (the review due then) and the month after, the ineligible covered are
    back to at most the no-shock level plus 3 sampled households (weight 100; on main they stay
    at ten times the no-shock level for years). The review at the shock's end also finds some
    who were ineligible before it, so fewer is fine. Later months are not compared: the shock
    also brought in households that were eligible before it (the urgent route), and a larger
    caseload has more whose income rises between reviews."""
    base = runs["base"]["ineligible_covered_households"].values
    shock = runs["shock"]["ineligible_covered_households"].values
    dibao = ["dibao_rural_whole", "dibao_rural_single", "dibao_urban_whole", "dibao_urban_single"]
    during = runs["shock"]["cases_households"].sel(group=dibao).sum("group").values
    before = runs["base"]["cases_households"].sel(group=dibao).sum("group").values
    assert during[HIT + 1] > before[HIT + 1] + 2000  # the shock made many eligible
    for t in (FIRST_AFTER, FIRST_AFTER + 1):
        assert shock[t] <= base[t] + 300, (t, shock[t], base[t])


def test_advance_counts_down_marks_hits_and_ends() -> None:
    left = np.array([0, 1, 2, 3, 0], dtype=np.int8)
    event = np.full(5, 9, dtype=np.int8)
    d = dt.date(2020, 2, 1)
    ev = shocks.ShockEvent((4,), d, 2, 1.0)  # hits every household of county 4
    # programmes at the start of the month: none, whole dibao, whole dibao in a gradual exit,
    # single-person dibao, tekun (dispersed)
    prog = np.array([0, 1, 1, 2, 3], dtype=np.int8)
    exit_left = np.array([0, 0, 4, 0, 0], dtype=np.int8)
    rng = np.random.default_rng(1)
    shocks.advance(left, event, [ev], d, 3, rng, prog, exit_left)  # county 3: no hit
    assert left.tolist() == [0, 0, 1, 2, 0]
    assert event.tolist() == [0, shocks.ENDED, 0, 0, 0]
    shocks.advance(left, event, [ev], d, 4, rng, prog, exit_left)  # county 4: all hit
    assert left.tolist() == [2, 2, 2, 2, 2]
    # whole-household dibao (not exiting) and tekun are covered: hit, but no urgent case
    hit, cov = shocks.HIT, shocks.HIT_COVERED
    assert event.tolist() == [hit, cov, hit, hit, cov]


def test_urgent_route_skips_households_already_covered(tmp_path: Path) -> None:
    """S4 四(九): temporary assistance goes to households whose basic living is still in severe
    difficulty *after* the other programmes cover them. In the month the shock hits, a hit
    household on whole-household dibao (not in a gradual exit: the benefit is recomputed on the
    month's assessed income, so it absorbs the loss, assessment.dibao_benefit) or on tekun
    (basic living paid whatever the income) is covered: no urgent case, only the ordinary
    crisis incidence (behaviour.temporary_incidence, 0.175% a month). Before the fix every one
    of them was an urgent case (their programme made them ``low``). Hit households not covered
    keep the urgent route (the surge of the first test)."""
    path = tmp_path / "covered.toml"
    path.write_text(BASE.format(name="covered", extra=EXACT + SHOCK), encoding="utf-8")
    spec = make_specs(load_scenario(path), 1, counties=[COUNTY])[0]
    engine = rm.prepare(spec).engine()
    try:
        for _ in range(HIT):
            engine.step()
        programme = engine.hh["programme"].copy()  # at the start of the hit month
        exit_left = engine.hh["exit_months_left"].copy()
        engine.step()
        hit = engine.shock_event != shocks.NO_EVENT
        assert int(hit.sum()) == int((engine.shock_left == 3).sum())  # all hit this month
        covered = ((programme == DIBAO) & (exit_left == 0)) | (programme >= TEKUN_DISPERSED)
        assert np.array_equal(shocks.covered(programme, exit_left), covered)
        n_covered = int((hit & covered).sum())
        assert n_covered >= 20  # sampled households (31 at seed 11)
        assert (engine.shock_event[hit & covered] == shocks.HIT_COVERED).all()
        assert (engine.shock_event[hit & ~covered] == shocks.HIT).all()
        # ordinary incidence only: 0.175% a month; at most 2 of them (binomial, n = 31:
        # P(>2) < 1e-4 at that rate); before the fix: all 31 of them
        assert int(engine.temp_case[hit & covered].sum()) <= 2
        # the urgent route still serves the hit households not covered (218 sampled cases)
        assert int(engine.temp_case[hit & ~covered].sum()) >= 10
    finally:
        engine.close()
