"""Unit tests of the planner checks (safetynet.rules.checks)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from safetynet.params import Branch
from safetynet.rules import checks

D = Branch("dibao", {"floor_urban": 640.0, "floor_rural": 375.0, "standard_rise_band": 0.1})
T = Branch("tekun", {"standard_multiple": 1.3, "floor": 832.0})
S = Branch("services", {"cap_share": 0.05})


def test_floor_checks() -> None:
    c = checks.standard_floor(D, [640.0, 639.99], "urban")
    assert_array_equal(c.ok, [True, False])
    assert_allclose(c.limit, [640.0, 640.0])
    with pytest.raises(ValueError, match="urban"):
        checks.standard_floor(D, [1.0], "town")


def test_tekun_floors_with_float_tolerance() -> None:
    c = checks.tekun_floor(T, [832.0, 831.0], [640.0, 640.0])  # 1.3 × 640 = 832.0000000000001
    assert_array_equal(c.ok, [True, False])
    assert_array_equal(checks.tekun_provincial_floor(T, [832.0, 831.0]).ok, [True, False])


def test_services_temporary_band_price_and_local_checks() -> None:
    assert_array_equal(checks.services_cap(S, [5000.0, 5001.0], [1e5, 1e5]).ok, [True, False])
    per_case = checks.temporary_per_case([1500.0, 1400.0, 10.0], [1400.0, 1500.0, np.nan])
    assert_array_equal(per_case.ok, [True, False, True])
    band = checks.rise_band(D, [704.0, 705.0, 900.0], "urban", [True, True, False])
    assert_array_equal(band.ok, [True, False, True])
    assert_array_equal(checks.price_paid([3, 3], [3, 2]).ok, [True, False])
    assert_array_equal(checks.local_threshold([3.0, 4.0, np.nan], 3.5).ok, [True, False, True])


def test_tidy_table() -> None:
    table = checks.tidy(
        [checks.standard_floor(D, [650.0, 600.0], "urban"), checks.price_paid([1, 1], [1, 0])],
        ["530102", "530103"],
        2022,
    )
    assert list(table.columns) == ["county", "year", "check", "label_zh", "label_en", "value",
                                   "limit", "ok"]  # fmt: skip
    assert len(table) == 4
    assert table["ok"].tolist() == [True, False, True, False]
    assert table.loc[0, "label_zh"] == "城市低保标准不低于省级指导标准"
    with pytest.raises(ValueError, match="counties"):
        checks.tidy([checks.price_paid([1], [1])], ["530102", "530103"], 2022)
