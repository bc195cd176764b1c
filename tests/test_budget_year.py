"""The budget year (rules/funding.py budget-year rules, simulation.add_funding): hand-computed
rule values and the yearly accounts on a small synthetic Dataset."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose
from safetynet import outputs
from safetynet.params import Branch, Override, load_parameters
from safetynet.rules import funding
from safetynet.scenario import Shock
from safetynet.simulation import FUND_SOURCES, add_funding


def branch(**changes: Any) -> Branch:
    values: dict[str, Any] = {
        "pool_rule": "growth",
        "transfer_pool_yuan": 1000.0,
        "pool_growth": 0.03,
        "transfer_share": 0.85,
        "reserve_share": 0.05,
        "central_share": 0.8,
    }
    values.update(changes)
    return Branch("funding", values)


def test_pool_rules_hand_computed() -> None:
    assert funding.pool_full_year(branch(), None, 200.0) == pytest.approx(170.0)  # 0.85 × 200
    assert funding.pool_full_year(branch(), 170.0, 999.0) == pytest.approx(175.1)  # 170 × 1.03
    assert funding.pool_full_year(branch(pool_rule="given"), 170.0, 999.0) == 1000.0
    assert funding.reserve_held(branch(), 200.0) == pytest.approx(10.0)
    central, provincial = funding.pool_split(branch(), [100.0, 50.0])
    assert_allclose(central, [80.0, 40.0])
    assert_allclose(provincial, [20.0, 10.0])


def test_factor_coefficients_hand_computed() -> None:
    work = funding.workload(
        {"dibao": [10.0, 30.0], "tekun": [1.0, 0.0]}, {"dibao": 100.0, "tekun": 500.0}
    )
    assert_allclose(work, [1500.0, 3000.0])
    # workload-weighted mean coefficient (1500 × 0.8 + 3000 × 0.2) / 4500 = 0.4
    assert_allclose(funding.scaled_by(work, [0.8, 0.2]), [1500 * 2.0, 3000 * 0.5])
    assert_allclose(funding.scaled_by(work, [0.3, 0.3]), work)  # equal coefficients: no change
    assert_allclose(funding.fiscal_difficulty([30.0, 90.0, 5.0], [100.0, 60.0, 0.0]), [0.7, 0, 0])
    assert_allclose(funding.fiscal_effort([5.0, 1.0], [50.0, 0.0]), [0.1, 0.0])


def test_reserve_release_and_gap_surplus() -> None:
    assert_allclose(funding.release_reserve(100.0, [30.0, 20.0, 0.0]), [30.0, 20.0, 0.0])
    assert_allclose(funding.release_reserve(25.0, [30.0, 20.0, -5.0]), [15.0, 10.0, 0.0])
    assert_allclose(funding.release_reserve(0.0, [30.0]), [0.0])
    gap, surplus = funding.gap_and_surplus([100.0, 100.0], [90.0, 120.0], [5.0, 0.0])
    assert_allclose(gap, [5.0, 0.0])
    assert_allclose(surplus, [0.0, 20.0])


CODES = ["530102", "532922"]


def _dataset(months: int = 26) -> Any:
    """Two counties from 2024-11: monthly need 100 and 200 yuan (× 1.5 from 2026-01), one dibao
    person per 10 yuan of need; all eligible covered."""
    m = np.arange(np.datetime64("2024-11"), np.datetime64("2024-11") + months).astype(
        "datetime64[M]"
    )
    ds = outputs.empty_dataset(["t"], [0], CODES, m)
    years = m.astype("datetime64[Y]").astype(int) + 1970
    base = np.array([100.0, 200.0])[:, None] * np.where(years >= 2026, 1.5, 1.0)[None, :]
    ds["budget_need"].values[0, 0] = base
    ds["spending"].loc[{"programme": "dibao"}] = ds["budget_need"].values
    ds["cases_persons"].loc[{"group": "dibao_rural_whole"}] = ds["budget_need"].values / 10
    ds["eligible_households"].values[:] = 1.0
    ds["eligible_covered_households"].values[:] = 1.0
    return ds


def test_add_funding_budget_year_accounts() -> None:
    ps = load_parameters()
    ds = _dataset()
    add_funding(ds, ps)
    d = ds.isel(scenario=0, replicate=0)
    assert list(ds["year"].values) == [2024, 2025, 2026]
    assert list(ds["source"].values) == list(FUND_SOURCES)
    # base year 2024 (2 months): pool = 0.85 × full-year need 3600 × 2/12 = 510
    assert float(d["fund_pool"].sel(year=2024)) == pytest.approx(0.85 * 3600 * 2 / 12)
    # 2025: last year's full-year pool 3060 × 1.03, all 12 months
    assert float(d["fund_pool"].sel(year=2025)) == pytest.approx(3060 * 1.03)
    assert float(d["fund_pool"].sel(year=2026)) == pytest.approx(3060 * 1.03**2)
    p = ps.at(dt.date(2025, 1, 1)).funding
    # own budget 2025 = share × 2024 need at a full-year rate (100 × 12 for the first county)
    own = d["fund_own_budget"].sel(year=2025).values
    assert_allclose(own, float(p.county_budget_share) * np.array([1200.0, 2400.0]))
    alloc = d["fund_allocation"].sel(year=2025)
    assert_allclose(alloc.sel(source="county").values, own)
    assert_allclose(
        alloc.sel(source=["central", "provincial"]).sum("source").values,
        d["fund_transfers"].sel(year=2025).values,
    )
    # transfers + reserve = pool; central share of the transfers
    reserve = float(d["fund_reserve"].sel(year=2025))
    assert reserve == pytest.approx(float(p.reserve_share) * 3060 * 1.03)
    assert float(d["fund_transfers"].sel(year=2025).sum()) == pytest.approx(3060 * 1.03 - reserve)
    assert_allclose(
        alloc.sel(source="central").values,
        float(p.central_share) * d["fund_transfers"].sel(year=2025).values,
    )
    # 2026 is set from 2025's figures, so the 50% rise of need in 2026 shows as a gap
    balance = d["fund_need"] - d["fund_allocation"].sum("source") - d["fund_reserve_released"]
    assert_allclose((d["fund_gap"] - d["fund_surplus"]).values, balance.values)
    assert (d["fund_gap"].sel(year=2026) > 0).all()
    assert ((d["fund_gap"] == 0) | (d["fund_surplus"] == 0)).all()
    # no shock: nothing released, the whole reserve stays with the province
    assert float(d["fund_reserve_released"].sum()) == 0.0
    assert float(d["fund_reserve_unreleased"].sel(year=2025)) == pytest.approx(reserve)


@pytest.mark.parametrize("reserve_share", [0.2, 0.05])
def test_reserve_released_to_the_county_a_shock_hits(reserve_share: float) -> None:
    ps = load_parameters().with_overrides(
        [Override("funding.reserve_share", dt.date(2025, 1, 1), value=reserve_share)]
    )
    ds = _dataset()
    # the shock doubles the second county's need in 2025-06 and 2025-07
    hit = ds["budget_need"].sel(county="532922").values
    months = ds.month.values.astype("datetime64[M]").astype(str)
    rows = np.isin(months, ["2025-06", "2025-07"])
    hit[..., rows] *= 2
    ds["budget_need"].loc[{"county": "532922"}] = hit
    add_funding(ds, ps, [Shock("disaster", ("532922",), dt.date(2025, 6, 1), 2, 0.3)])
    d = ds.isel(scenario=0, replicate=0).sel(year=2025)
    # request = need above the mean of the 3 months before (200): 200 in each of 2 months;
    # reserve = share × pool 3151.8: 630.36 covers it, 157.59 is released in full
    reserve = reserve_share * 3060 * 1.03
    assert float(d["fund_reserve"]) == pytest.approx(reserve)
    released = min(400.0, reserve)
    assert float(d["fund_reserve_released"].sel(county="532922")) == pytest.approx(released)
    assert float(d["fund_reserve_released"].sel(county="530102")) == 0.0
    assert float(d["fund_reserve_unreleased"]) == pytest.approx(reserve - released)


def test_fixed_pool_mode_splits_the_given_fund() -> None:
    ps = load_parameters().with_overrides(
        [
            Override("funding.pool_rule", dt.date(2025, 1, 1), value="given"),
            Override("funding.transfer_pool_yuan", dt.date(2025, 1, 1), value=5000.0),
        ]
    )
    ds = _dataset()
    add_funding(ds, ps)
    d = ds.isel(scenario=0, replicate=0)
    assert float(d["fund_pool"].sel(year=2025)) == pytest.approx(5000.0)
    assert float(d["fund_transfers"].sel(year=2025).sum() + d["fund_reserve"].sel(year=2025)) == (
        pytest.approx(5000.0)
    )
    # 2026 grows from the given 2025 pool unless given again: still given (rule in force)
    assert float(d["fund_pool"].sel(year=2026)) == pytest.approx(5000.0)


def test_county_budget_given_or_share() -> None:
    p = Branch("funding", {"county_budget_share": 0.1})
    assert_allclose(funding.county_own_budget(p, [1000.0, 2000.0], [0.0, 50.0]), [100.0, 50.0])
    ps = load_parameters().with_overrides(
        [
            Override(
                "funding.county_budget_yuan",
                dt.date(2025, 1, 1),
                value=6000.0,
                counties=("530102",),
            )
        ]
    )
    ds = _dataset()
    add_funding(ds, ps)
    own = ds["fund_own_budget"].isel(scenario=0, replicate=0).sel(year=2025).values
    share = float(ps.at(dt.date(2025, 1, 1)).funding.county_budget_share)
    assert_allclose(own, [6000.0, share * 2400.0])
