"""Unit tests of the dibao rules (safetynet.rules.dibao) with hand-computed values.

The parameter branch is built by hand so every number used is visible here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from safetynet.params import Branch, CountyValues
from safetynet.rules import dibao


def dibao_branch(**changes: Any) -> Branch:
    """A dibao branch: county 0 urban 700 / rural 500, county 1 urban 800 / rural 600."""
    values: dict[str, Any] = {
        "standard": CountyValues(
            "dibao.standard",
            {"urban": np.array([700.0, 800.0]), "rural": np.array([500.0, 600.0])},
        ),
        "employment_cost_deduction_share": 0.2,
        "rigid_expenditure_deduction_share": 1.0,
        "asset_limit_months": 24,
        "min_benefit": 30.0,
        "benefit_formula": "gap",
        "tiered_shares": {"0.3": 0.8, "0.6": 0.5, "1": 0.25},
        "edge_multiple": 1.5,
        "gradual_exit_months": 6,
        "single_person_disability_grade_max": 2,
        "single_person_mental_grade_max": 4,
        "single_person_serious_illness": True,
        "single_person_income_share": 0.0,
    }
    values.update(changes)
    return Branch("dibao", values)


P = dibao_branch()


def test_local_standard_picks_county_and_residence() -> None:
    std = dibao.local_standard(P, np.array([0, 1, 1, 0]), np.array([True, True, False, False]))
    assert_array_equal(std, [700.0, 800.0, 600.0, 500.0])


def test_counted_income_deducts_employment_cost_and_rigid_spending() -> None:
    inc = dibao.counted_income(P, [1000.0, 0.0], [200.0, 100.0], [50.0, 0.0], [100.0, 500.0],
                               [50.0, 0.0], [0.0, 0.0])  # fmt: skip
    # 1000 × 0.8 + 200 + 50 − 150 = 900; 100 − 500 floors at 0
    assert_allclose(inc, [900.0, 0.0])


def test_inputs_are_not_modified() -> None:
    wage = np.array([1000.0, 2000.0])
    before = wage.copy()
    dibao.counted_income(P, wage, wage, wage, wage, wage, wage)
    assert_array_equal(wage, before)


def test_per_capita_income_guards_empty_households() -> None:
    assert_allclose(dibao.per_capita_income([900.0, 0.0], [3, 0]), [300.0, 0.0])


def test_asset_test_boundary() -> None:
    ok = dibao.assets_ok(P, [33600.0, 33600.01], [2, 2], [700.0, 700.0])
    assert_array_equal(ok, [True, False])  # 2 × 24 × 700 = 33 600


def test_eligibility_needs_income_strictly_below_standard() -> None:
    elig = dibao.eligible_whole([699.99, 700.0, 0.0], [700.0] * 3, [True, True, False])
    assert_array_equal(elig, [True, False, False])


def test_gap_benefit_with_minimum() -> None:
    per = dibao.benefit_per_person(P, [300.0, 690.0, 700.0, 800.0], [700.0] * 4, [2, 2, 2, 2])
    assert_allclose(per, [400.0, 30.0, 0.0, 0.0])


def test_tiered_bands() -> None:
    p = dibao_branch(benefit_formula="tiered")
    # ratios 0, 0.3 (band two starts at the bound), 0.59, 0.99, 1.0
    pci = np.array([0.0, 210.0, 413.0, 693.0, 700.0])
    per = dibao.benefit_per_person(p, pci, np.full(5, 700.0), np.zeros(5, dtype=int))
    assert_allclose(per, [560.0, 350.0, 350.0, 175.0, 0.0])


def test_tiered_classes() -> None:
    p = dibao_branch(
        benefit_formula="tiered", tiered_shares={"class_a": 0.9, "class_b": 0.6, "class_c": 0.3}
    )
    per = dibao.benefit_per_person(p, [100.0] * 3, [700.0] * 3, [0, 1, 2])
    assert_allclose(per, [630.0, 420.0, 210.0])


def test_tiered_rejects_unreadable_keys() -> None:
    p = dibao_branch(benefit_formula="tiered", tiered_shares={"low": 0.5})
    with pytest.raises(ValueError, match="tiered_shares"):
        dibao.benefit_per_person(p, [100.0], [700.0], [0])


def test_benefit_category() -> None:
    cat = dibao.benefit_category([0, 1, 1, 1], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0],
                                 [0, 0, 0, 0])  # fmt: skip
    assert_array_equal(cat, [0, 0, 1, 2])


def test_whole_household_benefit_and_single_person_floor() -> None:
    # pci 680 → gap 20 → minimum 30 × 2 = 60, but a member alone would get 700 (就高)
    pay = dibao.whole_household_benefit(P, [680.0, 680.0, 300.0], [700.0] * 3, [2, 2, 3],
                                        [True, True, False], [0, 0, 0], [0, 1, 0])  # fmt: skip
    assert_allclose(pay, [60.0, 700.0, 0.0])


def test_edge_family() -> None:
    edge = dibao.edge_family(P, [900.0, 1050.0, 300.0, 900.0], [700.0] * 4,
                             [True, True, True, False], [False, False, True, False])  # fmt: skip
    assert_array_equal(edge, [True, False, False, False])


def test_single_person_candidates_by_band_and_date() -> None:
    args = ([3, 3, 1], [1, 0, 1], [0, 1, 1], [1, 0, 1])
    assert_array_equal(dibao.single_person_candidates(P, *args), [2, 1, 1])  # capped at size 1
    before = dibao_branch(single_person_mental_grade_max=2, single_person_serious_illness=False)
    assert_array_equal(dibao.single_person_candidates(before, *args), [1, 0, 1])


def test_member_qualifies_alone() -> None:
    kind = np.array([1, 1, 2, 2, 0, 0])
    grade = np.array([2, 3, 3, 4, 0, 0])
    ill = np.array([False, False, False, False, True, False])
    assert_array_equal(dibao.member_qualifies_alone(P, kind, grade, ill),
                       [True, False, True, True, True, False])  # fmt: skip


def test_single_person_benefit() -> None:
    assert_allclose(dibao.single_person_benefit(P, [900.0, 900.0], [700.0, 700.0], [1, 2]),
                    [700.0, 1400.0])  # fmt: skip
    p = dibao_branch(single_person_income_share=0.5)
    assert_allclose(dibao.single_person_benefit(p, [900.0], [700.0], [1]), [250.0])


def test_gradual_exit_counts_down_and_pays_exactly_n_months() -> None:
    left = np.array([0])
    paid = 0
    for month in range(10):
        start = dibao.gradual_exit_start([True], [False], [month == 0], left)
        left = dibao.gradual_exit_months_left(P, left, start, [False])
        paid += int(dibao.gradual_exit_benefit(left, [600.0])[0] > 0)
    assert paid == 6


def test_gradual_exit_ends_when_eligible_again() -> None:
    assert_array_equal(dibao.gradual_exit_months_left(P, [4, 4], [False, False], [True, False]),
                       [0, 3])  # fmt: skip
    start = dibao.gradual_exit_start([True, True, False, True], [False, True, False, False],
                                     [True, True, True, True], [0, 0, 0, 2])  # fmt: skip
    assert_array_equal(start, [True, False, False, False])
