"""Warm starts (safetynet.resume): a reform resumed from its baseline's kept state equals the
full run of the reform, value for value; a run that differs before a kept month never resumes
from it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from safetynet.params import load_parameters
from safetynet.resume import Snapshots, first_difference
from safetynet.scenario import Scenario, load_scenario
from safetynet.simulation import simulate

#: three small counties (Wuhua, Dali city, Qiaojia), 0.2 % of households, 2 replicates
COUNTIES = ("530102", "532901", "530621")
HEAD = """
[scenario]
name = "{name}"
title = {{ zh = "测试", en = "test" }}
description = "warm-start test"
[horizon]
start = "2019-05"
months = 92
[run]
replicates = 2
seed = 20190501
sample_fraction = 0.002
[cpi]
mode = "historical"
"""
RISE = """
[[overrides]]
path = "dibao.standard"
keys = ["rural"]
from = "{when}"
relative = 0.1
reference = "test"
"""
SHOCK = """
[[shocks]]
kind = "disaster"
counties = ["532901"]
from = "{when}"
months = 3
severity = 0.3
"""


def _scenario(tmp: Path, name: str, extra: str = "") -> Scenario:
    path = tmp / f"{name}.toml"
    path.write_text(HEAD.format(name=name) + extra, encoding="utf-8")
    return load_scenario(path)


def _run(sc: Scenario, **kw: object) -> xr.Dataset:
    return simulate(sc, counties=COUNTIES, threads=1, **kw)  # type: ignore[arg-type]


def _record(ds: xr.Dataset) -> dict[str, object]:
    r = json.loads(ds.attrs["run_record"])
    for k in ("wall_time_s", "created", "resumed"):
        r.pop(k, None)
    return r  # type: ignore[no-any-return]


def _assert_same(a: xr.Dataset, b: xr.Dataset) -> None:
    assert set(a.data_vars) == set(b.data_vars)
    for v in a.data_vars:
        x, y = a[v].values, b[v].values
        if x.dtype.kind in "fiub":
            assert np.array_equal(x, y, equal_nan=True), v
        else:
            assert (x == y).all(), v
        assert a[v].attrs.keys() == b[v].attrs.keys(), v
    for c in a.coords:
        xr.testing.assert_identical(a[c], b[c])
    assert {k: v for k, v in a.attrs.items() if k != "run_record"} == {
        k: v for k, v in b.attrs.items() if k != "run_record"
    }
    assert _record(a) == _record(b)


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Snapshots, xr.Dataset]:
    tmp = tmp_path_factory.mktemp("resume")
    keep = Snapshots([dt.date(2025, 1, 1), dt.date(2026, 1, 1)])
    base = _run(_scenario(tmp, "base"), keep=keep)
    return tmp, keep, base


def test_reform_resumed_from_baseline_equals_full_run(
    kept: tuple[Path, Snapshots, xr.Dataset],
) -> None:
    tmp, keep, base = kept
    reform = _scenario(tmp, "rise_2026", RISE.format(when="2026-01"))
    full = _run(reform)
    warm = _run(reform, start_from=keep)
    assert json.loads(warm.attrs["run_record"])["resumed"] == {"0": ["2026-01"], "1": ["2026-01"]}
    _assert_same(warm, full)
    # the lever did change the budget year (and nothing before it)
    need, need0 = full["budget_need"].values, base["budget_need"].values
    t = list(full["month"].values.astype("datetime64[M]").astype(str)).index("2026-01")
    assert np.array_equal(need[..., :t], need0[..., :t])
    assert need[..., t:].sum() > need0[..., t:].sum()
    # a second warm start from the same kept state gives the same again (the state is copied)
    _assert_same(_run(reform, start_from=keep), full)


def test_change_in_mid_year_resumes_from_the_january_before(
    kept: tuple[Path, Snapshots, xr.Dataset],
) -> None:
    tmp, keep, _ = kept
    reform = _scenario(tmp, "shock_2025", SHOCK.format(when="2025-07"))
    warm = _run(reform, start_from=keep)
    assert json.loads(warm.attrs["run_record"])["resumed"]["0"] == ["2025-01"]
    _assert_same(warm, _run(reform))


def test_change_before_every_kept_month_runs_in_full(
    kept: tuple[Path, Snapshots, xr.Dataset],
) -> None:
    tmp, keep, _ = kept
    reform = _scenario(tmp, "rise_2020", RISE.format(when="2020-01"))
    warm = _run(reform, start_from=keep)
    assert json.loads(warm.attrs["run_record"])["resumed"]["0"] == [""]


def test_first_difference_is_the_first_date_a_value_changes(tmp_path: Path) -> None:
    base = _scenario(tmp_path, "b").parameters(load_parameters())
    assert first_difference(base, base) is None
    assert first_difference(base, _scenario(tmp_path, "b2").parameters(load_parameters())) is None
    rise = _scenario(tmp_path, "r", RISE.format(when="2026-01")).parameters(load_parameters())
    assert first_difference(base, rise) == dt.date(2026, 1, 1)
    assert first_difference(rise, base) == dt.date(2026, 1, 1)


def test_resumed_reform_equals_full_run_when_a_rise_reaches_running_cases(
    tmp_path: Path,
) -> None:
    # behaviour.standard_rise_reaches_running_cases compares the month's standards with the
    # month before: a warm start must carry the month before from the baseline's kept state
    reach = """
[[overrides]]
path = "behaviour.standard_rise_reaches_running_cases"
from = "2019-05"
value = true
reference = "test"
"""
    keep = Snapshots([dt.date(2026, 1, 1)])
    _run(_scenario(tmp_path, "base_reach", reach), keep=keep)
    reform = _scenario(tmp_path, "rise_reach", reach + RISE.format(when="2026-01"))
    warm = _run(reform, start_from=keep)
    assert json.loads(warm.attrs["run_record"])["resumed"]["0"] == ["2026-01"]
    _assert_same(warm, _run(reform))
