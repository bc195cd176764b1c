"""When a raised dibao standard reaches running cases: at once when
``behaviour.standard_rise_reaches_running_cases`` holds (every running case reassessed in the
rise's first month, S3 二(二)), otherwise at each case's review (assessment.dibao_benefit_held).
Both runs see the same draws, so the months before the rise are equal and the difference in the
rise month is the pass-through."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr
from safetynet.scenario import Scenario, load_scenario
from safetynet.simulation import simulate

#: two small counties, 1 % of households, one replicate; 2019-05 .. 2019-12
COUNTIES = ("530102", "530621")
HEAD = """
[scenario]
name = "{name}"
title = {{ zh = "测试", en = "test" }}
description = "standard revision test"
[horizon]
start = "2019-05"
months = 8
[run]
replicates = 1
seed = 20190501
sample_fraction = 0.01
[cpi]
mode = "historical"
"""
RISE = """
[[overrides]]
path = "dibao.standard"
keys = ["rural"]
from = "2019-10"
relative = 0.2
reference = "test"
"""
REACH = """
[[overrides]]
path = "behaviour.standard_rise_reaches_running_cases"
from = "2019-05"
value = true
reference = "test"
"""


def _run(tmp: Path, name: str, extra: str) -> xr.Dataset:
    path = tmp / f"{name}.toml"
    path.write_text(HEAD.format(name=name) + extra, encoding="utf-8")
    sc: Scenario = load_scenario(path)
    return simulate(sc, counties=COUNTIES, threads=1)


def _dibao(ds: xr.Dataset) -> np.ndarray:
    return ds["spending"].sel(programme="dibao").sum("county").values.ravel()


def test_a_rise_reaches_running_cases_at_once_only_when_the_switch_holds(tmp_path: Path) -> None:
    held0 = _dibao(_run(tmp_path, "held0", ""))
    held1 = _dibao(_run(tmp_path, "held1", RISE))
    reach0 = _dibao(_run(tmp_path, "reach0", REACH))
    reach1 = _dibao(_run(tmp_path, "reach1", REACH + RISE))
    rise = 5  # 2019-10 is the sixth month
    # before the rise each pair is the same run, draw for draw
    assert np.array_equal(held0[:rise], held1[:rise])
    assert np.array_equal(reach0[:rise], reach1[:rise])
    gain_held = held1[rise] - held0[rise]
    gain_reach = reach1[rise] - reach0[rise]
    assert gain_held > 0.0 and gain_reach > 0.0
    # at once, every running rural case gains; held, only cases decided or reviewed this
    # month (about 1/12 of them, behaviour.review_interval_months = 12) plus new ones
    assert gain_held < 0.4 * gain_reach
    # held, the gain grows month by month as reviews come round
    assert held1[rise + 2] - held0[rise + 2] > gain_held
