"""The monitored population outputs (safetynet.monitoring): 脱贫 households at risk of returning
to poverty and the monitored total with the edge families, per county and month."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from safetynet import outputs
from safetynet.monitoring import NAMES
from safetynet.simulation import simulate

COUNTIES = ["530324", "532901"]  # a rural county and Dali city (both have 脱贫 households)
BASE = """
[scenario]
name = "{name}"
title = {{zh = "测试", en = "test"}}
description = "monitoring test"

[horizon]
start = "2020-11"
months = 4

[run]
replicates = 1
seed = 5
sample_fraction = 0.004
{extra}
"""


def _line(value: float) -> str:
    return f"""
[[overrides]]
path = "monitoring.tuopin_risk_line"
from = "2020-11"
value = {value}
"""


def _run(tmp: Path, name: str, extra: str = "") -> xr.Dataset:
    path = tmp / f"{name}.toml"
    path.write_text(BASE.format(name=name, extra=extra), encoding="utf-8")
    return simulate(path, counties=COUNTIES).isel(scenario=0, replicate=0)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, xr.Dataset]:
    tmp = tmp_path_factory.mktemp("monitoring")
    return {
        "base": _run(tmp, "base"),
        "zero": _run(tmp, "zero", _line(0.0)),
        "high": _run(tmp, "high", _line(50000.0)),
    }


def test_declared_with_units_and_labels(runs: dict[str, xr.Dataset]) -> None:
    for name in NAMES:
        v = outputs.VARIABLE_BY_NAME[name]
        assert runs["base"][name].attrs["units"] == v.unit
        assert v.label_zh and v.label_en
        assert not any("a" <= ch <= "z" for ch in v.label_zh.lower()), v.label_zh


def test_counts_are_ordered(runs: dict[str, xr.Dataset]) -> None:
    ds = runs["base"]
    at_risk = ds["tuopin_at_risk_households"].values
    edge = ds["cases_households"].sel(group="edge").values
    assert (ds["tuopin_households"].values > 0).all()
    assert (at_risk <= ds["tuopin_households"].values + 1e-6).all()
    assert (ds["tuopin_at_risk_persons"].values >= at_risk - 1e-6).all()
    monitored = ds["monitored_households"].values
    assert (monitored >= np.maximum(edge, at_risk) - 1e-6).all()
    assert (monitored <= edge + at_risk + 1e-6).all()


def test_the_income_line_decides(runs: dict[str, xr.Dataset]) -> None:
    """Line 0: nobody is below it, the monitored are exactly the edge families. A line above
    every income: every 脱贫 household on no programme is at risk."""
    zero, high, base = runs["zero"], runs["high"], runs["base"]
    assert float(zero["tuopin_at_risk_households"].sum()) == 0.0
    np.testing.assert_allclose(
        zero["monitored_households"].values, zero["cases_households"].sel(group="edge").values
    )
    # same draws in all three runs (the line pays nothing, so the paths are identical)
    np.testing.assert_allclose(high["cases_households"].values, base["cases_households"].values)
    assert (
        high["tuopin_at_risk_households"].values >= base["tuopin_at_risk_households"].values
    ).all()
    assert float(high["tuopin_at_risk_households"].sum()) > float(
        base["tuopin_at_risk_households"].sum()
    )
