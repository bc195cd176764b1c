"""The compiled household step: threads change nothing; parameters reach it by name.

``SafetyNetModel`` runs the household phases as one compiled pass per county
(``safetynet.household_month``). On ≈20k households of every county with every branch of the
step switched on, the step on 1 and on 3 threads must give identical household columns,
engine state, money and county aggregates (each county has its own streams). The agreement
with the per-household Mesa reference is tests/test_oracle.py.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from safetynet import household_month as hm
from safetynet import members, refdata
from safetynet import model as model_module
from safetynet.constants import MONEY_LINES
from safetynet.model import SafetyNetModel, default_threads
from safetynet.params import Override, load_parameters
from safetynet.rules import dibao
from safetynet.rules.compiled import plain
from safetynet.rules.dibao import tiered_layout
from safetynet.rules.parameters import (
    SOURCES,
    MonthParameters,
    RuleParams,
    month_parameters,
)
from safetynet.scenario import load_scenario
from safetynet.schema import COLUMNS
from safetynet.simulation import make_specs

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import reference_mesa as rm

ROWS = 20_000
MONTHS = 20

SCENARIO = """
[scenario]
name = "compiled_threads"
title = {{zh = "线程对照", en = "threads"}}
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
    path = tmp / "compiled_threads.toml"
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
    for name in MONEY_LINES:
        if not np.array_equal(np.asarray(money_a[name], np.float64), money_b[name]):
            out.append(f"money {name}")
    return out


@pytest.fixture(scope="module")
def lockstep(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    inputs = _inputs(tmp_path_factory.mktemp("compiled"))
    with pytest.MonkeyPatch.context() as mp:  # threads even for this small population
        mp.setattr(model_module, "HOUSEHOLDS_PER_THREAD", 1)
        compiled = inputs.engine(threads=3)
    assert compiled.threads == 3 and len(compiled._groups) == 3
    single = inputs.engine(threads=1)
    monthly = []
    for _ in range(MONTHS):
        for model in (compiled, single):
            model.step()
        monthly.append(_differences(single, compiled))
    compiled.close()
    return {"compiled": compiled, "single": single, "monthly": monthly}


def test_households_identical_every_month(lockstep: dict[str, Any]) -> None:
    failures = [f"month {t}: {p}" for t, ps in enumerate(lockstep["monthly"]) for p in ps]
    assert failures == [], "\n".join(failures[:10])


def test_county_aggregates_identical(lockstep: dict[str, Any]) -> None:
    b = lockstep["compiled"].recorder.arrays
    c = lockstep["single"].recorder.arrays
    assert set(b) == set(c)
    for name in b:
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


def test_the_numpy_engine_is_gone(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path)
    with pytest.raises(TypeError, match="engine"):
        inputs.engine(engine="numpy")


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


def test_parameters_by_name_and_per_county() -> None:
    """The month's rule parameters are read by name; a county table gives each county its
    value, a province value is copied to every county; behaviour values are float32."""
    ps = load_parameters()
    when = dt.date(2020, 1, 1)
    month = month_parameters(ps, when)
    p = ps.at(when)
    for c in (0, 57, 128):
        r = month.county(c)
        assert r.standard_urban == p.dibao.standard.urban[c]
        assert r.tekun_standard == p.tekun.basic_standard["all"][c]
        assert r.edge_multiple == float(p.dibao.edge_multiple)
        assert r.care_subsidy_unable == float(p.tekun.care_subsidy["unable"])
    assert set(SOURCES) <= set(RuleParams._fields)
    # any parameter moves to per county by its data: an array over the counties
    values = dict(month.values)
    values["edge_multiple"] = np.linspace(1.2, 2.0, len(refdata.counties()))
    varied = MonthParameters(values)
    assert varied.county(0).edge_multiple == 1.2
    assert varied.county(128).edge_multiple == 2.0
    rate = float(ps.value("behaviour.application_rate", when))  # type: ignore[arg-type]
    assert hm.behaviour_values(p)["apply32"] == float(np.float32(rate))
    bad = ps.with_overrides([Override("dibao.benefit_formula", dt.date(2019, 1, 1), "flat")])
    with pytest.raises(ValueError, match="benefit_formula"):
        month_parameters(bad, when)


LAYOUTS = {
    "gap": ("gap", {"1": 0.5}),
    "bands": ("tiered", {"0.3": 0.8, "0.6": 0.5, "1": 0.25}),
    "classes": ("tiered", {"class_a": 0.9, "class_b": 0.6, "class_c": 0.3}),
}


@settings(max_examples=300, deadline=None)
@given(
    layout=st.sampled_from(sorted(LAYOUTS)),
    pci=st.floats(0.0, 2000.0),
    std=st.floats(0.0, 1500.0),
    category=st.integers(0, 2),
    minimum=st.floats(0.0, 100.0),
)
def test_benefit_per_person_compiled_and_plain(
    layout: str, pci: float, std: float, category: int, minimum: float
) -> None:
    """The compiled per-person dibao equals its plain-Python form for the gap formula and both
    layouts of ``tiered_shares``, and follows the formula by hand."""
    formula, shares = LAYOUTS[layout]
    code, classes, bounds, paid = tiered_layout(formula, shares)
    base = month_parameters(load_parameters(), dt.date(2020, 1, 1)).county(0)
    r = base._replace(
        benefit_formula=code,
        tier_classes=classes,
        tier_bounds=bounds,
        tier_paid=paid,
        min_benefit=minimum,
    )
    got = dibao.benefit_per_person(r, pci, std, category, True)
    assert got == plain(dibao.benefit_per_person)(r, pci, std, category, True)
    if not std - pci > 0:
        assert got == 0.0
    elif formula == "gap":
        assert got == max(std - pci, minimum)
    elif layout == "classes":
        assert got == max(classes[category] * std, minimum)
    else:
        share = (
            next(
                (v for b, v in sorted((float(k), v) for k, v in shares.items()) if pci / std < b),
                0.0,
            )
            if std > 0
            else 0.0
        )
        assert got == max(share * std, minimum)


def test_cli_run_refuses_zero_threads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from safetynet.cli import main

    scenario = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
    with pytest.raises(SystemExit) as exc:
        main(["run", str(scenario), "--threads", "0", "--out", str(tmp_path / "out")])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "--threads" in err and "1..256" in err and "got 0" in err
    assert not (tmp_path / "out").exists()


def test_parameter_records_read_like_the_named_tuples() -> None:
    """The kernel's per-county records (``MonthParameters.table``) give back, field by field,
    the ``RuleParams`` every other caller gets from ``MonthParameters.county``."""
    from safetynet.rules.parameters import month_parameters, record_params, rule_params_of

    month = month_parameters(load_parameters(), dt.date(2022, 8, 1))
    positions = [0, 5, 128]
    table = month.table(positions).view(np.recarray)
    compiled = numba.njit(lambda r: rule_params_of(r))
    for k, c in enumerate(positions):
        want = month.county(c)
        for got in (record_params(table[k]), compiled(month.table(positions)[k])):
            assert type(got) is RuleParams
            for name in want._fields:
                a, b = getattr(got, name), getattr(want, name)
                assert np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float)), name


def test_member_tests_follow_monthly_ageing() -> None:
    """A 59-year-old turns 60 (the tekun elderly age) in their birth month: from then on the
    household has no able-bodied member (the kept member tests are redone)."""
    ps = load_parameters()
    sc = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml")
    spec = make_specs(sc, 1, sample_fraction=0.0002, months=3)[0]
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import reference_mesa as rm

    inputs = rm.prepare(spec, sc.parameters(ps))
    hh = inputs.households
    i = 0
    f = int(hh["first_member"][i])
    size = int(hh["size"][i])
    persons = hh.persons
    persons["age"][f : f + size] = 70
    persons["disability"][f : f + size] = 0
    persons["disability_grade"][f : f + size] = 0
    persons["works"][f : f + size] = False
    persons["age"][f] = 59
    month = inputs.months[1].month
    persons["birth_month"][f] = month
    members.derive_counts(hh)
    model = inputs.engine(copy=False)
    model.step()  # first month: still 59, one able-bodied member
    assert int(model.tests_able[i]) == 1 and int(hh.persons["age"][f]) == 59
    model.step()  # the birth month: 60
    assert int(hh.persons["age"][f]) == 60
    assert int(hh["n_18_59"][i]) == 0 and int(hh["n_60p"][i]) == size
    assert int(model.tests_able[i]) == 0


def test_the_kernel_runs_as_plain_python_with_the_same_results() -> None:
    """``NUMBA_DISABLE_JIT=1`` (the debugging switch) runs the monthly kernel as Python, its
    prefetch hints as no-ops (safetynet.prefetch): the results are those of the compiled run,
    to the last bit (one county, 0.1 % of its households, 2 months)."""
    import os
    import subprocess

    baseline = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
    code = (
        "import hashlib, numpy as np;"
        "from safetynet.scenario import load_scenario;"
        "from safetynet.simulation import make_specs, run_replicate;"
        f"sc = load_scenario({str(baseline)!r});"
        "spec = make_specs(sc, 1, sample_fraction=0.001, months=2, counties=['530102'])[0];"
        "r = run_replicate(spec, threads=1);"
        "h = hashlib.sha256();"
        "[h.update(k.encode() + np.ascontiguousarray(r[k]).tobytes()) for k in sorted(r)];"
        "print('DIGEST', h.hexdigest())"
    )  # fmt: skip
    digests = []
    for plain_python in (False, True):
        env = {**os.environ}
        env.pop("NUMBA_DISABLE_JIT", None)
        if plain_python:
            env["NUMBA_DISABLE_JIT"] = "1"
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stderr[-2000:]
        digests.append([x for x in done.stdout.split() if len(x) == 64])
    assert digests[0] and digests[0] == digests[1]
