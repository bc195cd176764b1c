"""Unit tests of the price-linked subsidy (safetynet.rules.price_subsidy)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from safetynet.params import Branch, load_parameters
from safetynet.rules import DIBAO, DIBAO_SINGLE, NONE, TEKUN_DISPERSED, price_subsidy


def price_branch(**changes: Any) -> Branch:
    values: dict[str, Any] = {
        "cpi_threshold_pct": 3.5,
        "food_cpi_threshold_pct": 6.0,
        "activation_unit": "province",
        "min_payment": 10.0,
        "rise_share": 1.0,
        "multiplier": 1.0,
        "covered_groups": {"dibao": 1, "tekun": 1, "edge": 0},
        "index_lag_months": 1,
    }
    values.update(changes)
    return Branch("price_subsidy", values)


P = price_branch()


def test_index_month() -> None:
    assert price_subsidy.index_month(dt.date(2023, 1, 1), 1) == dt.date(2022, 12, 1)
    assert price_subsidy.index_month(dt.date(2023, 1, 1), 0) == dt.date(2023, 1, 1)


def test_unit_index_province_and_prefecture_with_fallback() -> None:
    pref = np.array([8.6, np.nan])
    county_pref = np.array([0, 1, 0])
    assert_allclose(price_subsidy.unit_index("province", 5.0, pref, county_pref), [5.0] * 3)
    assert_allclose(price_subsidy.unit_index("prefecture", 5.0, pref, county_pref),
                    [8.6, 5.0, 8.6])  # fmt: skip
    with pytest.raises(ValueError, match="activation_unit"):
        price_subsidy.unit_index("county", 5.0, pref, county_pref)


def test_triggers_at_the_threshold_and_local_thresholds_only_lower() -> None:
    assert_array_equal(price_subsidy.cpi_trigger(P, [3.49, 3.5]), [False, True])
    assert_array_equal(price_subsidy.food_trigger(P, [5.99, 6.0]), [False, True])
    local = np.array([3.0, 4.0, np.nan])
    assert_array_equal(price_subsidy.cpi_trigger(P, [3.2, 3.6, 3.6], local), [True, True, True])
    assert_array_equal(price_subsidy.cpi_trigger(P, [2.9, 3.4, 3.4], local), [False] * 3)


def test_triggering_rise_uses_the_index_that_triggered() -> None:
    cpi = np.array([3.6, 3.6, 7.0, 2.0])
    food = np.array([5.9, 6.5, 6.1, 2.0])
    c = price_subsidy.cpi_trigger(P, cpi)
    f = price_subsidy.food_trigger(P, food)
    assert_array_equal(price_subsidy.triggered(c, f), [True, True, True, False])
    assert_allclose(price_subsidy.triggering_rise(cpi, food, c, f), [3.6, 6.5, 7.0, 0.0])


def test_rate_minimum_and_multiplier() -> None:
    rate = price_subsidy.rate_per_person(P, [700.0, 200.0, 700.0], [3.6, 3.6, 0.0])
    assert_allclose(rate, [25.2, 10.0, 0.0])
    doubled = price_subsidy.rate_per_person(price_branch(multiplier=2.0), [700.0], [10.0])
    assert_allclose(doubled, [140.0])


def test_covered_persons_by_group() -> None:
    prog = np.array([DIBAO, DIBAO_SINGLE, TEKUN_DISPERSED, NONE, NONE])
    edge = np.array([False, True, False, True, False])
    covered = np.array([3, 1, 1, 0, 0])
    size = np.array([3, 3, 1, 2, 4])
    assert_allclose(price_subsidy.covered_persons(P, prog, edge, covered, size), [3, 1, 1, 0, 0])
    p22 = price_branch(covered_groups={"dibao": 1, "tekun": 1, "edge": 1})
    assert_allclose(price_subsidy.covered_persons(p22, prog, edge, covered, size), [3, 3, 1, 2, 0])
    assert_allclose(price_subsidy.household_subsidy([25.2], [3]), [75.6])


def test_one_time_rate_is_a_dated_event() -> None:
    ps = load_parameters()
    entries = ps["price_subsidy.one_time_subsidy"].entries  # type: ignore[union-attr]
    paid = [e for e in entries if float(e.value) > 0]  # type: ignore[arg-type]
    assert paid, "the package parameter should hold at least one payment"
    month = paid[0].start.replace(day=1)
    assert price_subsidy.one_time_rate(ps, month) == float(paid[0].value)  # type: ignore[arg-type]
    after = price_subsidy.index_month(month, -1)
    assert price_subsidy.one_time_rate(ps, after) == 0.0
    assert_allclose(
        price_subsidy.one_time_subsidy(200.0, [DIBAO, TEKUN_DISPERSED, NONE], [2, 1, 3]),
        [400.0, 200.0, 0.0],
    )


@pytest.mark.parametrize(
    ("month", "threshold", "edge"),
    [("2022-08", 3.5, 0), ("2022-09", 3.0, 1), ("2023-03", 3.0, 1), ("2023-04", 3.5, 0)],
)
def test_package_regime_window_edges(month: str, threshold: float, edge: int) -> None:
    """The dated package parameters give the 2022 temporary regime for payments 09/2022–03/2023."""
    p = load_parameters().at(dt.date.fromisoformat(f"{month}-01")).price_subsidy
    assert float(p.cpi_threshold_pct) == threshold
    assert float(p.food_cpi_threshold_pct) == 6.0
    assert price_subsidy.group_flag(p, "edge") == bool(edge)


def test_rise_share_scales_the_amount_before_the_minimum() -> None:
    # hand-computed: 600 x 8.6% x 0.43 = 22.188; 350 x 8.6% x 0.43 = 12.943; 300 x 6% x 0.43
    # = 7.74 -> the minimum 10; no trigger -> 0
    p = Branch("price_subsidy", {**P._values, "rise_share": 0.43})
    got = price_subsidy.rate_per_person(
        p, np.array([600.0, 350.0, 300.0, 600.0]), np.array([8.6, 8.6, 6.0, 0.0])
    )
    np.testing.assert_allclose(got, [22.188, 12.943, 10.0, 0.0], atol=1e-9)


def test_calendar_override_follows_the_record() -> None:
    # counties: calendar paid (rule did not trigger), calendar paid (rule did), calendar did
    # not pay (rule did), no record (rule stands)
    trig = np.array([False, True, True, True])
    rise = np.array([0.0, 8.0, 8.0, 7.0])
    food = np.array([5.5, 8.0, 8.0, 7.0])
    cal = np.array([1.0, 1.0, 0.0, np.nan])
    t, r = price_subsidy.calendar_override(trig, rise, food, cal)
    assert t.tolist() == [True, True, False, True]
    np.testing.assert_allclose(r, [5.5, 8.0, 0.0, 7.0])
