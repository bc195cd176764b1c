"""Oracle: the vectorised engine agrees with the per-household Mesa reference, household by
household.

``benchmarks/reference_mesa.py`` runs the same monthly step with one ``mesa.Agent`` per
household in plain Python, fed the same population and the same random draws. Both run in
lockstep on ≈10k households of every county for 24 months; after every month the household
state must agree and at the end the recorded county × month aggregates must agree.

Tolerances: integer and flag state (programme, size and member counts, workers, pending
months, gradual-exit months, shock months, months since a job gain, edge, temporary case)
exactly; money (float32 columns, float64 payments per household) within 1e-6 yuan + 1e-5 × the
value; county aggregates within 1e-6 + 1e-9 × the value. (Observed: bit for bit.)
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from safetynet import outputs, refdata
from safetynet.rules.parameters import MonthParameters
from safetynet.scenario import load_scenario
from safetynet.schema import COLUMNS
from safetynet.simulation import make_specs, run_replicate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import reference_mesa as rm

STATE_RTOL, STATE_ATOL = 1e-5, 1e-6
AGG_RTOL, AGG_ATOL = 1e-9, 1e-6
ROWS = 10_000
MONTHS = 24

HEADER = """
[scenario]
name = "{name}"
title = {{zh = "对照检验", en = "oracle"}}
description = "engine against the per-household Mesa reference"

[horizon]
start = "{start}"
months = {months}

[run]
replicates = 1
seed = 20190501
sample_fraction = {fraction}
"""

# Switch on what the baseline leaves idle so that every branch of the step runs: gradual exit
# after a job gain, active discovery, a standard raise (take-up responds), the tiered formula,
# price subsidy for edge families, a binding services cap, overlapping shocks; applications at
# the pre-path-fit rate (0.25/month, issue 16) so that the small sample has entries everywhere.
EXERCISE = """
[[overrides]]
path = "behaviour.application_rate"
from = "2019-05"
value = 0.25

[[overrides]]
path = "behaviour.gradual_exit_share_work"
from = "2019-05"
value = 0.8

[[overrides]]
path = "behaviour.discovery_rate"
from = "2020-01"
value = 0.05

[[overrides]]
path = "dibao.standard"
from = "2020-01"
relative = 0.12

[[overrides]]
path = "dibao.benefit_formula"
from = "2020-07"
value = "tiered"

[[overrides]]
path = "price_subsidy.covered_groups"
from = "2019-10"
value = { edge = 1 }

[[overrides]]
path = "services.cap_share"
from = "2019-05"
value = 0.02

[[shocks]]
kind = "disaster"
counties = ["532922", "532927"]
from = "2019-08"
months = 3
severity = 0.3

[[shocks]]
kind = "disaster"
counties = ["532927"]
from = "2019-08"
months = 5
severity = 0.5

[[shocks]]
kind = "epidemic"
counties = ["530100"]
from = "2020-02"
months = 2
severity = 0.2
"""


def _spec(tmp: Path, name: str, start: str, months: int, rows: int, extra: str = "") -> Any:
    fraction = rows / float(refdata.counties().family_households.sum())
    path = tmp / f"{name}.toml"
    text = HEADER.format(name=name, start=start, months=months, fraction=fraction) + extra
    path.write_text(text, encoding="utf-8")
    return make_specs(load_scenario(path), 1)[0]


class Lockstep:
    """Engine and reference run month by month; differences collected per month."""

    def __init__(self, spec: Any) -> None:
        self.spec = spec
        self.inputs = rm.prepare(spec)
        self.engine = self.inputs.engine()
        self.reference = self.inputs.reference()
        self.monthly: list[list[str]] = []
        self.states: list[dict[str, np.ndarray]] = []
        columns = {name: self.engine.hh[name] for name in COLUMNS}
        start = {k: v for k, v in self.reference.state().items() if k in columns}
        self.start_problems = rm.compare(columns, start, 0.0, 0.0)
        for _ in range(spec.months):
            self.engine.step()
            self.reference.step()
            ref_state = self.reference.state()
            self.states.append(ref_state)
            self.monthly.append(
                rm.compare(rm.engine_state(self.engine), ref_state, STATE_RTOL, STATE_ATOL)
            )


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("oracle")


@pytest.fixture(scope="module")
def main_run(tmp: Path) -> Lockstep:
    """≈10k households of all 129 counties, 2019-05 .. 2021-04, every branch switched on."""
    return Lockstep(_spec(tmp, "oracle", "2019-05", MONTHS, ROWS, EXERCISE))


@pytest.fixture(scope="module")
def late_run(tmp: Path) -> Lockstep:
    """Baseline 2021-07 .. 2022-12: the one-time subsidy (2022-07) and the temporary 2022 price
    regime (3.0% trigger, edge families covered, payments 2022-09 .. 2023-03); from 2022-01 a
    changed standard reaches every running case at once (the 2022-07 rise, S3 二(二))."""
    reach = """
[[overrides]]
path = "behaviour.standard_rise_reaches_running_cases"
from = "2022-01"
value = true
"""
    return Lockstep(_spec(tmp, "oracle_late", "2021-07", 18, 3_000, reach))


def _first_failures(run: Lockstep) -> Iterator[str]:
    for t, problems in enumerate(run.monthly):
        for p in problems:
            yield f"month {t} ({run.inputs.months[t]}): {p}"


def test_same_population_and_start(main_run: Lockstep) -> None:
    assert main_run.inputs.households.n == pytest.approx(ROWS, rel=0.01)
    assert len(set(main_run.inputs.households["county"].tolist())) == len(refdata.counties())
    assert main_run.start_problems == []


def test_households_agree_every_month(main_run: Lockstep) -> None:
    failures = list(_first_failures(main_run))
    assert failures == [], "\n".join(failures[:10])


def test_county_aggregates_agree(main_run: Lockstep) -> None:
    problems = rm.compare(
        main_run.engine.recorder.arrays, main_run.reference.arrays, AGG_RTOL, AGG_ATOL
    )
    assert problems == []
    assert set(main_run.reference.arrays) == set(main_run.engine.recorder.arrays)


def test_late_period_agrees(late_run: Lockstep) -> None:
    failures = list(_first_failures(late_run))
    assert failures == [], "\n".join(failures[:10])
    problems = rm.compare(
        late_run.engine.recorder.arrays, late_run.reference.arrays, AGG_RTOL, AGG_ATOL
    )
    assert problems == []
    spend = late_run.reference.arrays["spending"].sum(axis=0)  # month × programme
    one_time = spend[:, outputs.PROGRAMMES.index("one_time_subsidy")]
    july_2022 = [t for t, m in enumerate(late_run.inputs.months) if (m.year, m.month) == (2022, 7)]
    assert one_time[july_2022[0]] > 0
    assert np.count_nonzero(one_time) == 1


def test_every_branch_was_exercised(main_run: Lockstep) -> None:
    """The comparison means something only if the rare paths actually ran."""
    a = main_run.reference.arrays
    g = outputs.GROUPS.index
    cases = a["cases_households"].sum(axis=0)  # month × group
    entries = a["entries_households"][:, 1:].sum(axis=(0, 1))
    exits = a["exits_households"][:, 1:].sum(axis=(0, 1))
    for name in ("dibao_urban_whole", "dibao_rural_whole", "dibao_rural_single", "edge"):
        assert entries[g(name)] > 0 and exits[g(name)] > 0, name
    assert cases[:, g("dibao_gradual_exit")].max() > 0  # gradual exit after a job gain
    assert cases[:, g("tekun_institutional")].min() > 0
    assert entries[g("tekun_dispersed")] > 0
    trig = a["price_trigger"].max(axis=0)
    assert 0 < trig.sum() < MONTHS  # the trigger switches on and off
    assert a["services_unmet"].sum() > 0  # the 2% cap binds somewhere
    states = main_run.states
    assert max(int((s["shock_left"] > 0).sum()) for s in states) > 0
    assert max(int((s["size"] == 0).sum()) for s in states) > 0  # whole households died
    assert max(int((s["pending_months"] > 0).sum()) for s in states) > 0
    # edge families paid the price subsidy while not on a programme
    assert any(((s["programme"] == 0) & (s["money_price_subsidy"] > 0)).any() for s in states)


def test_prepare_matches_run_replicate(tmp: Path) -> None:
    """The benchmark's setup is the simulation's (same arrays from both routes)."""
    spec = _spec(tmp, "oracle_setup", "2019-05", 3, 2_000)
    model = rm.prepare(spec).engine()
    model.run()
    direct = run_replicate(spec)
    assert rm.compare(direct, model.recorder.arrays, 0.0, 0.0) == []


def test_oracle_detects_a_changed_rule(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A one-yuan change to the minimum dibao payment in the reference alone is caught."""
    spec = _spec(tmp, "oracle_mutant", "2019-05", 2, 2_000)
    inputs = rm.prepare(spec)
    original = rm.month_rules

    def mutant(params: Any, date: Any) -> rm.MonthRules:
        import dataclasses

        m = original(params, date)
        values = dict(m.rules.values)
        values["min_benefit"] = values["min_benefit"] + 1.0
        return dataclasses.replace(m, rules=MonthParameters(values))

    monkeypatch.setattr(rm, "month_rules", mutant)
    engine, reference = inputs.engine(), inputs.reference()
    engine.step()
    reference.step()
    problems = rm.compare(rm.engine_state(engine), reference.state(), STATE_RTOL, STATE_ATOL)
    assert any(p.startswith("money_dibao") for p in problems)


def test_compare_reports_integer_and_money_differences() -> None:
    ref = {"size": np.array([1, 2, 3], np.int8), "money": np.array([100.0, 200.0])}
    same = {"size": np.array([1, 2, 3], np.int8), "money": np.array([100.0, 200.0 + 1e-4])}
    assert rm.compare(same, ref, 1e-5, 1e-6) == []  # 1e-4 yuan on 200 is within 1e-5 relative
    off = {"size": np.array([1, 3, 3], np.int8), "money": np.array([100.01, 200.0])}
    problems = rm.compare(off, ref, 1e-5, 1e-6)
    assert [p.split(":")[0] for p in problems] == ["size", "money"]
    assert "first at (1,)" in problems[0]


@given(st.floats(allow_nan=False, min_value=-3e38, max_value=3e38))
def test_f32_rounds_like_numpy(x: float) -> None:
    assert rm.f32(x) == float(np.float32(x))


def test_benchmark_projection_and_table() -> None:
    """benchmarks/run.py: extrapolation rule and pass/fail verdicts on made-up measurements."""
    import run as bench

    assert bench._project([3.0, 1.0, 1.0], 60) == pytest.approx(3.0 + 59 * 1.0)
    assert bench._project([2.0, 1.0], 2) == pytest.approx(3.0)
    engine = {
        "rows": 100_000,
        "months": 60,
        "months_run": 60,
        "generate_s": 0.2,
        "initial_s": 0.1,
        "setup_s": 0.0,
        "run_s": 2.0,
        "projected_run_s": 2.0,
        "rate": 3_000_000.0,
        "peak_rss_mb": 200.0,
        "bytes_per_household": 150.0,
        "storage_bytes_per_household": 65.0,
        "user_cpu_s": 2.0,
        "system_cpu_s": 0.1,
        "phase_s": {"households": 1.0},
        "threads": 2,
    }
    mesa = {**engine, "rate": 20_000.0, "months_run": 12}
    single = {**engine, "rate": 2_500_000.0, "threads": 1}
    full = {**engine, "rows": 15_146_831, "months_run": 12, "projected_run_s": 50.0}
    results = {
        "quick": False,
        "engine": {"100000": engine, "full": full},
        "single": {"100000": single},
        "mesa": {"100000": mesa},
        "dask": {"error": "not run"},
    }
    info = dict.fromkeys(
        ("cpu", "cores", "memory", "os", "python", "numpy", "mesa", "dask", "commit", "date"), "x"
    )
    text = bench.render(results, {**info, "dirty": ""}, 60.0)
    targets = text.split("## Targets")[1].split("##")[0]
    assert (
        "150.0× (3,000,000 vs 20,000 household-months/s, 2 threads; on 1 thread 125.0× "
        "(2,500,000)) | pass" in targets
    )
    assert "| 100,000 | compiled, 1 thread |" in text
    wall = "50 s (generate 0 + start state 0 + setup 0 + 60 months 50, 12 months run) | pass"
    assert wall in targets
    assert "≤ 200 bytes per household | 150 bytes (columns alone: 65) | pass" in targets
    assert "(extrapolated)" in text
    assert "**fail**" not in targets
    slow = {**results, "mesa": {"100000": {**mesa, "rate": 60_000.0}}}
    verdict = "50.0× (3,000,000 vs 60,000 household-months/s, 2 threads; on 1 thread 41.7× "
    assert verdict + "(2,500,000)) | **fail**" in bench.render(slow, {**info, "dirty": ""}, 60.0)
