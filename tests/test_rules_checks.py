"""Unit tests of the planner checks (safetynet.rules.checks: the cases' and the report's)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import xarray as xr
from numpy.testing import assert_allclose, assert_array_equal
from safetynet import outputs
from safetynet.rules import checks


def test_floor_checks() -> None:
    c = checks.standard_floor([640.0, 639.99, 500.0], [640.0, 640.0, np.nan], "urban")
    assert_array_equal(c.ok, [True, False, True])
    assert_array_equal(c.status, ["pass", "fail", "n/a"])
    assert_allclose(c.limit[:2], [640.0, 640.0])
    with pytest.raises(ValueError, match="urban"):
        checks.standard_floor([1.0], 1.0, "town")


def test_tekun_floors_with_float_tolerance() -> None:
    c = checks.tekun_floor([832.0, 831.0], [640.0, 640.0], 1.3)  # 1.3 × 640 = 832.0000000000001
    assert_array_equal(c.ok, [True, False])
    assert_array_equal(checks.tekun_provincial_floor([832.0, 831.0], 832.0).ok, [True, False])


def test_services_temporary_band_price_and_local_checks() -> None:
    assert_array_equal(checks.services_cap([5000.0, 5001.0], [1e5, 1e5], 0.05).ok, [True, False])
    per_case = checks.temporary_per_case([1500.0, 1400.0, 10.0], [1400.0, 1500.0, np.nan])
    assert_array_equal(per_case.ok, [True, False, True])
    assert_array_equal(per_case.status, ["pass", "fail", "n/a"])
    band = checks.rise_band([704.0, 705.0, 900.0], 640.0, 0.1, "urban", [True, True, False])
    assert_array_equal(band.ok, [True, False, True])
    assert_array_equal(checks.price_paid([3, 3], [3, 2]).ok, [True, False])
    local = checks.local_threshold([3.0, 4.0, np.nan, 3.5], [3.5, 3.5, 3.5, 3.5])
    assert_array_equal(local.ok, [True, False, True, True])
    assert_array_equal(local.status, ["pass", "fail", "n/a", "pass"])


def test_temporary_fall_within_the_margin_is_noise() -> None:
    # falls of 50 and 150 yuan per case with a noise margin of 100: noise, then fail
    c = checks.temporary_per_case([1450.0, 1350.0], [1500.0, 1500.0], [100.0, 100.0])
    assert_array_equal(c.status, ["within_noise", "fail"])
    assert_array_equal(c.ok, [False, False])


def test_national_thresholds_are_the_shipped_ones_every_month() -> None:
    ends = {2022: dt.date(2022, 12, 1)}
    diff = [{"path": "price_subsidy.cpi_threshold_pct", "new": 5.0, "start": "2022-01-01"}]
    lim = checks.limits_from_parameters(ends, {"parameter_diff": diff})
    cpi = lim.national["cpi_threshold_pct"]
    # the 2022 temporary regime (3.0 from 2022-09) is in the national values; overrides are not
    assert cpi["2022-08"] == pytest.approx(3.5)
    assert cpi["2022-09"] == pytest.approx(3.0)
    assert lim.national["food_cpi_threshold_pct"]["2022-01"] > cpi["2022-01"]


def _run_dataset() -> xr.Dataset:
    """Two counties, 2022-01..2022-12, every standard at its floor; no checks fail but 6, 7."""
    months = np.array([f"2022-{m:02d}-01" for m in range(1, 13)], dtype="datetime64[ns]")
    ds = outputs.empty_dataset(["t"], [0, 1], ["530102", "530103"], months).isel(scenario=0)
    for side, value in (("urban", 700.0), ("rural", 500.0)):
        ds[f"standard_{side}"][:] = value
        ds[f"floor_{side}"][:] = value
    ds["tekun_standard"][:] = 910.0
    ds["budget_need"][:] = 1e6
    ds["cases_households"].loc[{"group": "temporary"}] = 10.0
    ds["spending"].loc[{"programme": "temporary"}] = 10_000.0
    # county 530103 triggers in March but pays nothing then (check 6 fails there)
    ds["price_trigger"].loc[{"month": months[2:4]}] = 1.0
    ds["spending"].loc[{"programme": "price_subsidy", "month": months[2:4]}] = 50.0
    ds["spending"].loc[{"programme": "price_subsidy", "month": months[2], "county": "530103"}] = 0
    # the run's CPI threshold is raised above the national 3.5 in June (check 7 fails)
    cpi = np.full(12, 3.5)
    cpi[5] = 4.0
    cpi[8:] = 3.0  # the 2022 temporary regime: national 3.0 from September
    ds["cpi_threshold_pct"] = ("month", cpi)
    ds["food_cpi_threshold_pct"] = ("month", np.full(12, 6.0))
    return ds


def test_run_checks_price_paid_and_local_threshold() -> None:
    ds1 = _run_dataset()
    limits = checks.limits_from_parameters(checks.year_end_dates(ds1), {})
    table = checks.checks(ds1, limits).set_index("area")
    assert table.loc["530102", "price_status"] == "pass"
    assert table.loc["530103", "price_status"] == "fail"
    assert table.loc["530103", "price_trigger_months"] == 2.0
    assert table.loc["530103", "price_paid_months"] == 1.0
    assert (table["local_status"] == "fail").all()  # a province-wide threshold
    assert (table["floor_status"] == "pass").all()
    assert (table["tekun_province_status"] == "pass").all()  # 910 ≥ the 2022 tekun floor
    assert (table["temporary_status"] == "n/a").all()  # one year: no last year
    assert table.loc["530103", "failed"] == 2
    # without the June rise the local threshold passes (3.0 from September is allowed)
    ds1["cpi_threshold_pct"][5] = 3.5
    again = checks.checks(ds1, limits)
    assert (again["local_status"] == "pass").all()
    summary = checks.summary(again)
    assert summary.loc[0, "price_fail"] == 1 and summary.loc[0, "local_fail"] == 0
