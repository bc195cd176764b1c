"""Tests for CPI paths (safetynet.cpi_path): historical replay, AR(1) projection, user CSV."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from safetynet import refdata
from safetynet.cpi_path import (
    Ar1,
    CpiSpec,
    ar1_deviation_path,
    correlated_innovations,
    cpi_path,
    read_cpi_csv,
)
from safetynet.errors import ScenarioError
from safetynet.params import Override, ParameterSet, load_parameters


def months(first: str, last: str) -> np.ndarray:
    return np.arange(
        np.datetime64(first), np.datetime64(last) + np.timedelta64(1, "M"), dtype="datetime64[M]"
    )


HORIZON = months("2019-05", "2029-12")


@pytest.fixture(scope="module")
def prices() -> ParameterSet:
    """The package parameter set (this module reads parameters/prices/*.yaml)."""
    return load_parameters()


def _data() -> tuple[refdata.Series, refdata.Series]:
    series = refdata.cpi()
    return series["cpi_yoy_pct"], series["food_cpi_yoy_pct"]


def _last(s: refdata.Series) -> np.datetime64:
    last: np.datetime64 = s.months[np.flatnonzero(~np.isnan(s.values))[-1]]
    return last


# ------------------------------------------------------------------ pure helpers


def test_ar1_deviation_path_by_hand() -> None:
    # d1 = 0.5 × 4 + 1 = 3; d2 = 0.5 × 3 − 1 = 0.5; d3 = 0.9 × 0.5 + 0 = 0.45
    got = ar1_deviation_path(4.0, np.array([0.5, 0.5, 0.9]), np.array([1.0, -1.0, 0.0]))
    np.testing.assert_allclose(got, [3.0, 0.5, 0.45])


def test_correlated_innovations_have_the_stated_correlation() -> None:
    rng = np.random.default_rng(12345)
    z = rng.standard_normal((40_000, 2))
    n = z.shape[0]
    e_cpi, e_food = correlated_innovations(z, np.full(n, 0.5), np.full(n, 2.0), np.full(n, 0.8))
    # standard errors with 40,000 draws are below 0.01; tolerances are > 4 of them
    assert np.corrcoef(e_cpi, e_food)[0, 1] == pytest.approx(0.8, abs=0.01)
    assert e_cpi.std() == pytest.approx(0.5, rel=0.02)
    assert e_food.std() == pytest.approx(2.0, rel=0.02)


# ------------------------------------------------------------------ historical replay


def test_historical_replay_equals_package_data(prices: ParameterSet) -> None:
    path = cpi_path(CpiSpec(), HORIZON, seed=1, replicate=0, params=prices)
    cpi, food = _data()
    in_cpi = _last(cpi) >= HORIZON
    pos = np.searchsorted(cpi.months, HORIZON[in_cpi])
    np.testing.assert_array_equal(path.cpi_yoy_pct[in_cpi], cpi.values[pos])
    in_food = _last(food) >= HORIZON
    pos = np.searchsorted(food.months, HORIZON[in_food])
    want = food.values[pos].copy()
    # Yunnan food CPI points replace the national value where they exist (2019-05..07)
    for (geo, item), s in refdata.regional_cpi().items():
        if item == "food_cpi_yoy_pct" and geo.endswith("_province"):
            for m, v in zip(s.months, s.values, strict=True):
                want[np.flatnonzero(HORIZON[in_food] == m)] = v
    np.testing.assert_array_equal(path.food_cpi_yoy_pct[in_food], want)
    assert path.food_cpi_yoy_pct[0] == 6.9  # Yunnan 2019-05, verified
    assert path.food_status[0] == "official"
    assert path.food_cpi_by_prefecture == {}


def test_statuses_official_estimated_projected(prices: ParameterSet) -> None:
    path = cpi_path(CpiSpec(), HORIZON, seed=1, replicate=0, params=prices)
    cpi, food = _data()
    assert set(path.cpi_status[_last(cpi) >= HORIZON].tolist()) == {"official"}
    assert set(path.cpi_status[_last(cpi) < HORIZON].tolist()) == {"projected"}
    assert set(path.food_status[_last(food) < HORIZON].tolist()) == {"projected"}
    memory = food.status == refdata.MEMORY
    memory_months = set(food.months[memory].tolist())
    for i, m in enumerate(HORIZON[_last(food) >= HORIZON]):
        if m.item() in memory_months and i > 2:  # after the Yunnan points
            assert path.food_status[i] == "estimated"
    rank = {"official": 0, "estimated": 1, "projected": 2}
    for s, c, f in zip(path.status, path.cpi_status, path.food_status, strict=True):
        assert rank[s] == max(rank[c], rank[f])


def test_deterministic_and_replicates_differ_only_in_projected_months(
    prices: ParameterSet,
) -> None:
    a = cpi_path(CpiSpec(), HORIZON, seed=20190501, replicate=0, params=prices)
    b = cpi_path(CpiSpec(), HORIZON, seed=20190501, replicate=0, params=prices)
    c = cpi_path(CpiSpec(), HORIZON, seed=20190501, replicate=1, params=prices)
    np.testing.assert_array_equal(a.cpi_yoy_pct, b.cpi_yoy_pct)
    np.testing.assert_array_equal(a.food_cpi_yoy_pct, b.food_cpi_yoy_pct)
    for series, status in (("cpi_yoy_pct", a.cpi_status), ("food_cpi_yoy_pct", a.food_status)):
        x, y = getattr(a, series), getattr(c, series)
        known = status != "projected"
        np.testing.assert_array_equal(x[known], y[known])
        assert (x[~known] != y[~known]).all()


def test_projection_without_noise_reverts_geometrically(prices: ParameterSet) -> None:
    spec = CpiSpec(cpi=Ar1(mean_pct=2.0, ar=0.5, sd_pct=0.0), food=Ar1(2.0, 0.5, 0.0))
    path = cpi_path(spec, HORIZON, seed=3, replicate=0, params=prices)
    cpi, _ = _data()
    last = _last(cpi)
    x_last = cpi.values[np.searchsorted(cpi.months, last)]
    first = int(np.flatnonzero(last < HORIZON)[0])
    for k in range(4):
        want = 2.0 + 0.5 ** (k + 1) * (x_last - 2.0)
        assert path.cpi_yoy_pct[first + k] == pytest.approx(want)


def test_projection_uses_dated_parameters(prices: ParameterSet) -> None:
    """A scenario override of prices.cpi_mean_pct from 2027 moves the projection from 2027."""
    quiet = prices.with_overrides(
        [
            Override("prices.cpi_innovation_sd_pct", dt.date(2008, 1, 1), value=0.0),
            Override("prices.cpi_ar_coefficient", dt.date(2008, 1, 1), value=0.0),
        ]
    )
    high = quiet.with_overrides([Override("prices.cpi_mean_pct", dt.date(2027, 1, 1), value=4.0)])
    a = cpi_path(CpiSpec(), HORIZON, 1, 0, params=quiet)
    b = cpi_path(CpiSpec(), HORIZON, 1, 0, params=high)
    base_mean = quiet.value("prices.cpi_mean_pct", dt.date(2026, 1, 1))
    assert isinstance(base_mean, float)
    after = np.datetime64("2027-01") <= HORIZON
    projected = a.cpi_status == "projected"
    np.testing.assert_allclose(a.cpi_yoy_pct[projected], base_mean)
    np.testing.assert_allclose(b.cpi_yoy_pct[after], 4.0)
    np.testing.assert_array_equal(a.cpi_yoy_pct[~after], b.cpi_yoy_pct[~after])


def test_horizon_after_the_data(prices: ParameterSet) -> None:
    later = months("2027-01", "2027-12")
    path = cpi_path(CpiSpec(), later, seed=5, replicate=2, params=prices)
    assert set(path.status.tolist()) == {"projected"}
    assert np.isfinite(path.cpi_yoy_pct).all() and np.isfinite(path.food_cpi_yoy_pct).all()


def test_historical_before_the_data_is_an_error(prices: ParameterSet) -> None:
    with pytest.raises(ScenarioError, match="no earlier than 2016-01"):
        cpi_path(CpiSpec(), months("2012-01", "2013-01"), 1, 0, params=prices)


def test_months_must_be_consecutive(prices: ParameterSet) -> None:
    with pytest.raises(ValueError, match="consecutive"):
        cpi_path(CpiSpec(), HORIZON[::2], 1, 0, params=prices)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**63 - 1), replicate=st.integers(0, 10_000))
def test_any_seed_gives_finite_paths_that_keep_the_data(seed: int, replicate: int) -> None:
    prices = load_parameters()
    path = cpi_path(CpiSpec(), HORIZON, seed, replicate, params=prices)
    ref = cpi_path(CpiSpec(), HORIZON, 0, 0, params=prices)
    assert np.isfinite(path.cpi_yoy_pct).all() and np.isfinite(path.food_cpi_yoy_pct).all()
    known = path.cpi_status != "projected"
    np.testing.assert_array_equal(path.cpi_yoy_pct[known], ref.cpi_yoy_pct[known])


# ------------------------------------------------------------------ stochastic


def test_stochastic_starts_from_the_month_before(prices: ParameterSet) -> None:
    spec = CpiSpec("stochastic", cpi=Ar1(1.0, 0.5, 0.0), food=Ar1(3.0, 0.8, 0.0))
    path = cpi_path(spec, HORIZON, seed=9, replicate=0, params=prices)
    cpi, food = _data()
    x_prev = cpi.values[np.searchsorted(cpi.months, np.datetime64("2019-04"))]
    f_prev = food.values[np.searchsorted(food.months, np.datetime64("2019-04"))]
    assert path.cpi_yoy_pct[0] == pytest.approx(1.0 + 0.5 * (x_prev - 1.0))
    assert path.food_cpi_yoy_pct[1] == pytest.approx(3.0 + 0.8**2 * (f_prev - 3.0))
    assert set(path.status.tolist()) == {"projected"}


def test_stochastic_long_run_mean(prices: ParameterSet) -> None:
    """Mean over 1,200 months × 10 replicates; AR 0.5, sd 1: the standard error of the mean is
    about 1 / 0.5 / sqrt(12,000) = 0.018, the tolerance 0.1."""
    spec = CpiSpec("stochastic", cpi=Ar1(2.5, 0.5, 1.0), food=Ar1(4.0, 0.5, 1.0))
    long = months("2030-01", "2129-12")
    runs = [cpi_path(spec, long, seed=2024, replicate=r, params=prices) for r in range(10)]
    assert np.mean([p.cpi_yoy_pct for p in runs]) == pytest.approx(2.5, abs=0.1)
    assert np.mean([p.food_cpi_yoy_pct for p in runs]) == pytest.approx(4.0, abs=0.1)


# ------------------------------------------------------------------ user CSV


def _write(tmp_path: Path, lines: list[str], name: str = "cpi.csv") -> Path:
    f = tmp_path / name
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f


def test_csv_with_prefectures_and_status(tmp_path: Path) -> None:
    span = months("2026-01", "2026-03")
    lines = ["month,cpi_yoy_pct,food_cpi_yoy_pct,geo,status"]
    lines += [f"{m},{2 + i},{5 + i},,official" for i, m in enumerate(span)]
    lines += [f"{m},,{7 + i},532900," for i, m in enumerate(span)]
    lines += ["2025-12,1.0,1.0,province,"]  # outside the horizon: ignored
    f = _write(tmp_path, lines)
    path = read_cpi_csv(f, span)
    np.testing.assert_array_equal(path.cpi_yoy_pct, [2.0, 3.0, 4.0])
    np.testing.assert_array_equal(path.food_cpi_yoy_pct, [5.0, 6.0, 7.0])
    assert path.status.tolist() == ["official"] * 3
    assert list(path.food_cpi_by_prefecture) == ["532900"]
    np.testing.assert_array_equal(path.food_cpi_by_prefecture["532900"], [7.0, 8.0, 9.0])
    spec_path = cpi_path(CpiSpec("csv", f), span, 1, 0)
    np.testing.assert_array_equal(spec_path.cpi_yoy_pct, path.cpi_yoy_pct)


def test_csv_excel_style_months_and_bom(tmp_path: Path) -> None:
    f = tmp_path / "excel.csv"
    f.write_text(
        "\ufeffmonth,cpi_yoy_pct,food_cpi_yoy_pct\r\n2026/1/1,2.0,3.0\r\n2026/2,2.1,3.1\r\n",
        encoding="utf-8",
    )
    path = read_cpi_csv(f, months("2026-01", "2026-02"))
    np.testing.assert_array_equal(path.cpi_yoy_pct, [2.0, 2.1])
    assert path.status.tolist() == ["estimated", "estimated"]


@pytest.mark.parametrize(
    ("lines", "expect"),
    [
        (["month,cpi_yoy_pct"], "<header>: expected columns"),
        (["month,cpi_yoy_pct,food_cpi_yoy_pct,region"], "unknown ['region']"),
        (["month,cpi_yoy_pct,food_cpi_yoy_pct", "2026-13,1,1"], "line 2.month"),
        (["month,cpi_yoy_pct,food_cpi_yoy_pct", "2026-01,high,1"], "line 2.cpi_yoy_pct"),
        (["month,cpi_yoy_pct,food_cpi_yoy_pct", "2026-01,1,nan"], "line 2.food_cpi_yoy_pct"),
        (["month,cpi_yoy_pct,food_cpi_yoy_pct", "2026-01,250,1"], "within [-50.0, 100.0]"),
        (["month,cpi_yoy_pct,food_cpi_yoy_pct", "2026-01,1,1,9"], "line 2: expected 3 columns"),
        (
            ["month,cpi_yoy_pct,food_cpi_yoy_pct", "2026-01,1,1", "2026-01,1,1"],
            "line 3.month: expected one row per month",
        ),
        (["month,cpi_yoy_pct,food_cpi_yoy_pct", "2026-01,1,1"], "missing 2026-02"),
        (["month,cpi_yoy_pct,food_cpi_yoy_pct,geo", "2026-01,1,1,999999"], "line 2.geo"),
        (["month,cpi_yoy_pct,food_cpi_yoy_pct,geo", "2026-01,,1,532900"], "province rows"),
        (["month,cpi_yoy_pct,food_cpi_yoy_pct,status", "2026-01,1,1,maybe"], "line 2.status"),
    ],
)
def test_csv_errors_name_file_line_and_column(
    tmp_path: Path, lines: list[str], expect: str
) -> None:
    f = _write(tmp_path, lines)
    with pytest.raises(ScenarioError) as exc:
        read_cpi_csv(f, months("2026-01", "2026-02"))
    assert str(exc.value).startswith(f"{f}: ")
    assert expect in str(exc.value)


def test_csv_missing_prefecture_months(tmp_path: Path) -> None:
    lines = ["month,cpi_yoy_pct,food_cpi_yoy_pct,geo", "2026-01,1,1,", "2026-02,1,1,"]
    lines += ["2026-01,,2,532900"]
    f = _write(tmp_path, lines)
    with pytest.raises(ScenarioError, match=r"geo 532900.*missing 2026-02"):
        read_cpi_csv(f, months("2026-01", "2026-02"))


def test_csv_file_problems(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="not found"):
        read_cpi_csv(tmp_path / "none.csv", months("2026-01", "2026-01"))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"month,cpi\xff\n")
    with pytest.raises(ScenarioError, match="UTF-8"):
        read_cpi_csv(bad, months("2026-01", "2026-01"))
