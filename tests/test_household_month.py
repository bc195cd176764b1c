"""The compiled household step gives the same results as the phases composed from the rules.

``SafetyNetModel(engine="compiled")`` (the default) runs the household phases as one compiled
pass per county (``safetynet.household_month``); ``engine="numpy"`` composes the same phases
from the rule functions in ``safetynet.rules`` over whole columns. Both run in lockstep on
≈20k households of every county with every branch of the step switched on; after every month
the household columns, the engine state and the money paid must be identical, and the county
aggregates equal to 1e-12 (they are sums of the same numbers in the same order). The compiled
step on 1 and on 3 threads must give identical results too (each county has its own streams).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from safetynet import household_month as hm
from safetynet import model as model_module
from safetynet import refdata
from safetynet.model import SafetyNetModel, default_threads
from safetynet.params import Branch, Override, load_parameters
from safetynet.rules import dibao
from safetynet.scenario import load_scenario
from safetynet.schema import COLUMNS
from safetynet.simulation import make_specs

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import reference_mesa as rm

ROWS = 20_000
MONTHS = 20

SCENARIO = """
[scenario]
name = "compiled_vs_numpy"
title = {{zh = "编译与数组实现对照", en = "compiled against numpy"}}
description = "every branch of the household step"

[horizon]
start = "2019-05"
months = {months}

[run]
replicates = 1
seed = 7
sample_fraction = {fraction}

[[overrides]]
path = "behaviour.gradual_exit_share_work"
from = "2019-05"
value = 0.8

[[overrides]]
path = "behaviour.discovery_rate"
from = "2019-12"
value = 0.05

[[overrides]]
path = "dibao.standard"
from = "2020-01"
relative = 0.12

[[overrides]]
path = "dibao.benefit_formula"
from = "2019-09"
value = "tiered"

[[overrides]]
path = "price_subsidy.covered_groups"
from = "2019-10"
value = {{edge = 1, dibao = 1}}

[[overrides]]
path = "price_subsidy.cpi_threshold_pct"
from = "2019-05"
value = 1.5

[[overrides]]
path = "price_subsidy.one_time_subsidy"
from = "2019-11"
value = 150

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

STATE = ("shock_left", "last_benefit", "months_since_job_gain", "temp_case")


def _inputs(tmp: Path) -> rm.ModelInputs:
    fraction = ROWS / float(refdata.counties().family_households.sum())
    path = tmp / "compiled_vs_numpy.toml"
    path.write_text(SCENARIO.format(months=MONTHS, fraction=fraction), encoding="utf-8")
    return rm.prepare(make_specs(load_scenario(path), 1)[0])


def _differences(a: SafetyNetModel, b: SafetyNetModel) -> list[str]:
    out = []
    for name in COLUMNS:
        if not np.array_equal(a.hh[name], b.hh[name]):
            out.append(f"column {name}: {int((a.hh[name] != b.hh[name]).sum())} differ")
    for name in STATE:
        if not np.array_equal(getattr(a, name), getattr(b, name)):
            out.append(f"state {name}")
    money_a, money_b = a.household_money, b.household_money
    for name in hm.MONEY_LINES:
        if not np.array_equal(np.asarray(money_a[name], np.float64), money_b[name]):
            out.append(f"money {name}")
    return out


@pytest.fixture(scope="module")
def lockstep(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    inputs = _inputs(tmp_path_factory.mktemp("compiled"))
    numpy_engine = inputs.engine(engine="numpy")
    with pytest.MonkeyPatch.context() as mp:  # threads even for this small population
        mp.setattr(model_module, "HOUSEHOLDS_PER_THREAD", 1)
        compiled = inputs.engine(engine="compiled", threads=3)
    assert compiled.threads == 3 and len(compiled._groups) == 3
    single = inputs.engine(engine="compiled", threads=1)
    monthly = []
    for _ in range(MONTHS):
        for model in (numpy_engine, compiled, single):
            model.step()
        monthly.append(_differences(numpy_engine, compiled) + _differences(single, compiled))
    compiled.close()
    return {"numpy": numpy_engine, "compiled": compiled, "single": single, "monthly": monthly}


def test_households_identical_every_month(lockstep: dict[str, Any]) -> None:
    failures = [f"month {t}: {p}" for t, ps in enumerate(lockstep["monthly"]) for p in ps]
    assert failures == [], "\n".join(failures[:10])


def test_county_aggregates_identical(lockstep: dict[str, Any]) -> None:
    a = lockstep["numpy"].recorder.arrays
    b = lockstep["compiled"].recorder.arrays
    c = lockstep["single"].recorder.arrays
    assert set(a) == set(b)
    for name in a:
        np.testing.assert_allclose(b[name], a[name], rtol=1e-12, atol=1e-9, err_msg=name)
        np.testing.assert_array_equal(b[name], c[name], err_msg=name)


def test_every_branch_was_exercised(lockstep: dict[str, Any]) -> None:
    """The comparison means something only if the rare branches ran."""
    arrays = lockstep["compiled"].recorder.arrays
    groups = arrays["cases_households"].sum(axis=(0, 1))
    assert (groups > 0).all()  # every caseload group, gradual exit and temporary included
    spending = arrays["spending"].sum(axis=(0, 1))
    assert (spending > 0).all()  # every money line, services and price subsidy included
    assert (arrays["services_unmet"] > 0).any()  # the cap binds
    prog = lockstep["compiled"].hh["programme"]
    assert {0, 1, 2, 3, 4} <= set(np.unique(prog).tolist())


def test_unknown_engine_is_refused(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path)
    with pytest.raises(ValueError, match="engine: expected one of"):
        inputs.engine(engine="fortran")


def test_money_per_household_needs_keep_money(tmp_path: Path) -> None:
    model = _inputs(tmp_path).engine(keep_money=False, threads=3)
    assert model.threads == 1  # 20k households: fewer than HOUSEHOLDS_PER_THREAD per thread
    model.step()
    model.close()
    with pytest.raises(RuntimeError, match="keep_money"):
        _ = model.household_money


def test_threads_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFETYNET_THREADS", "3")
    assert default_threads() == 3
    monkeypatch.setenv("SAFETYNET_THREADS", "many")
    with pytest.raises(ValueError, match="SAFETYNET_THREADS"):
        default_threads()
    monkeypatch.delenv("SAFETYNET_THREADS")
    assert default_threads() >= 1


def test_month_vector_rounds_float32_values_and_refuses_unknown_formula() -> None:
    ps = load_parameters()
    when = dt.date(2020, 1, 1)
    month = hm.month_vector(ps, ps.at(when), when)
    assert month.m.shape == (hm.M_SIZE,)
    rate = float(ps.value("behaviour.application_rate", when))  # type: ignore[arg-type]
    assert month.m[hm.M_APPLY32] == float(np.float32(rate))
    assert month.tier_paid.shape == (month.tier_bounds.size + 1,)
    bad = ps.with_overrides([Override("dibao.benefit_formula", dt.date(2019, 1, 1), "flat")])
    with pytest.raises(ValueError, match="benefit_formula"):
        hm.month_vector(bad, bad.at(when), when)


LAYOUTS = {
    "gap": ({}, 0),
    "bands": ({"0.3": 0.8, "0.6": 0.5, "1": 0.25}, 2),
    "classes": ({"class_a": 0.9, "class_b": 0.6, "class_c": 0.3}, 1),
}


@settings(max_examples=300, deadline=None)
@given(
    layout=st.sampled_from(sorted(LAYOUTS)),
    pci=st.floats(0.0, 2000.0),
    std=st.floats(0.0, 1500.0),
    category=st.integers(0, 2),
    minimum=st.floats(0.0, 100.0),
)
def test_benefit_per_person_as_the_rule(
    layout: str, pci: float, std: float, category: int, minimum: float
) -> None:
    """The compiled per-person dibao equals ``rules.dibao.benefit_per_person`` for the gap
    formula and both layouts of ``tiered_shares`` (the class layout is reachable only from the
    parameter file, so the lockstep run above cannot switch to it)."""
    shares, code = LAYOUTS[layout]
    formula = "gap" if code == 0 else "tiered"
    p = Branch(
        "dibao",
        {"benefit_formula": formula, "tiered_shares": shares or {"1": 0.5}, "min_benefit": minimum},
    )
    expected = float(dibao.benefit_per_person(p, [pci], [std], [category])[0])
    m = np.zeros(hm.M_SIZE)
    m[hm.M_FORMULA] = code
    m[hm.M_MIN_BENEFIT] = minimum
    bands = sorted((float(k), float(v)) for k, v in shares.items()) if code == 2 else []
    bounds = np.array([b for b, _ in bands], dtype=np.float64)
    paid = np.array([v for _, v in bands] + [0.0], dtype=np.float64)
    classes = np.array([shares.get(k, 0.0) for k in dibao.TIERS], dtype=np.float64)
    got = hm._benefit_per_person(m, bounds, paid, classes, pci, std, category)
    assert got == expected


def test_cli_run_refuses_zero_threads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from safetynet.cli import main

    scenario = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
    with pytest.raises(SystemExit) as exc:
        main(["run", str(scenario), "--threads", "0", "--out", str(tmp_path / "out")])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "--threads" in err and "1..256" in err and "got 0" in err
    assert not (tmp_path / "out").exists()
