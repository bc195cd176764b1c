"""Unit tests of the dibao rules (safetynet.rules.dibao) with hand-computed values.

The parameters are built by hand (tests/rulekit.py) so every number used is visible.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from rulekit import each, params
from safetynet import assessment
from safetynet.rules import dibao
from safetynet.rules.dibao import GAP, TIERED_BANDS, TIERED_CLASSES, tiered_layout
from safetynet.rules.parameters import RuleParams

P = params()  # urban 700 / rural 500


def test_local_standard_picks_residence() -> None:
    assert_array_equal(each(dibao.local_standard)(P, [True, False]), [700.0, 500.0])


def test_counted_income_deducts_employment_cost_and_rigid_spending() -> None:
    inc = each(dibao.counted_income)(P, [1000.0, 0.0], [200.0, 100.0], [50.0, 0.0],
                                     [100.0, 500.0], [50.0, 0.0], [0.0, 0.0])  # fmt: skip
    # 1000 × 0.8 + 200 + 50 − 150 = 900; 100 − 500 floors at 0
    assert_allclose(inc, [900.0, 0.0])


def test_per_capita_income_guards_empty_households() -> None:
    assert_allclose(each(dibao.per_capita_income)([900.0, 0.0], [3, 0]), [300.0, 0.0])


def test_asset_test_boundary() -> None:
    ok = each(dibao.assets_ok)(P, [33600.0, 33600.01], [2, 2], [700.0, 700.0])
    assert_array_equal(ok, [True, False])  # 2 × 24 × 700 = 33 600


def test_eligibility_needs_income_strictly_below_standard() -> None:
    elig = each(dibao.eligible_whole)([699.99, 700.0, 0.0], [700.0] * 3, [True, True, False])
    assert_array_equal(elig, [True, False, False])


def test_gap_benefit_with_minimum() -> None:
    per = each(dibao.benefit_per_person)(P, [300.0, 690.0, 700.0, 800.0], 700.0, 2, True)
    assert_allclose(per, [400.0, 30.0, 0.0, 0.0])


def test_tiered_bands() -> None:
    code, _, bounds, paid = tiered_layout("tiered", {"0.3": 0.8, "0.6": 0.5, "1": 0.25})
    assert code == TIERED_BANDS
    p = params(benefit_formula=code, tier_bounds=bounds, tier_paid=paid)
    # ratios 0, 0.3 (band two starts at the bound), 0.59, 0.99, 1.0
    pci = np.array([0.0, 210.0, 413.0, 693.0, 700.0])
    per = each(dibao.benefit_per_person)(p, pci, 700.0, 0, True)
    assert_allclose(per, [560.0, 350.0, 350.0, 175.0, 0.0])


def test_tiered_classes() -> None:
    code, classes, _, _ = tiered_layout("tiered", {"class_a": 0.9, "class_b": 0.6, "class_c": 0.3})
    assert code == TIERED_CLASSES
    p = params(benefit_formula=code, tier_classes=classes)
    per = each(dibao.benefit_per_person)(p, 100.0, 700.0, [0, 1, 2], True)
    assert_allclose(per, [630.0, 420.0, 210.0])


def test_rural_classes_pay_the_class_share_of_the_standard() -> None:
    """Rural dibao by class (分类施保, rulekit: shares 1.0 / 0.6 / 0.45): on a rural standard of
    500, 500 / 300 / 225 per person whatever the counted income below it; urban stays the gap;
    nothing once income reaches the standard; the minimum payment still holds."""
    per = each(dibao.benefit_per_person)(P, 100.0, 500.0, [0, 1, 2], False)
    assert_allclose(per, [500.0, 300.0, 225.0])
    assert_allclose(each(dibao.benefit_per_person)(P, [100.0, 499.0, 500.0], 500.0, 2, False),
                    [225.0, 225.0, 0.0])  # fmt: skip
    assert dibao.benefit_per_person(P, 100.0, 700.0, 2, True) == 600.0  # urban: 700 - 100
    low = params(rural_classes=(1.0, 0.6, 0.01))
    assert dibao.benefit_per_person(low, 100.0, 500.0, 2, False) == 30.0  # minimum
    # a whole rural household of 3 in class B: 3 x 300; one member covered alone is class A
    assert dibao.whole_household_benefit(P, 200.0, 500.0, 3, 1, 0, False) == 900.0
    assert dibao.single_person_benefit(P, 200.0, 500.0, 1, False) == 500.0
    # as_urban: the rural household is paid the gap like an urban one
    gap = params(rural_formula=GAP)
    assert dibao.benefit_per_person(gap, 100.0, 500.0, 2, False) == 400.0


def test_rural_class_amounts_rise_by_the_rise_share() -> None:
    """Class B and C are yuan amounts raised by r (the rise share) of each floor rise: shares
    0.8 / 0.6 on a floor of 400 when entered; the floor rises to 500 with r = 0.2: class B
    320 + 0.2 × 100 = 340 yuan = 0.68 of 500, class C 240 + 20 = 260 = 0.52; class A keeps
    its share."""
    from safetynet.params import Override, load_parameters

    base = load_parameters()
    entry = base["dibao.rural_class_shares"].entry_at(dt.date(2019, 5, 1)).start
    day = dt.date(2030, 1, 1)
    ps = base.with_overrides([
        Override("dibao.floor_rural", entry, 400.0),
        Override("dibao.floor_rural", day, 500.0),
        Override("dibao.rural_class_shares", entry, {"class_a": 1.0, "class_b": 0.8,
                                                     "class_c": 0.6}),
        Override("dibao.rural_class_rise_share", entry, 0.2),
    ])  # fmt: skip
    code, shares = dibao.rural_class_layout(ps, day)
    assert code == TIERED_CLASSES
    assert_allclose(shares, [1.0, 0.68, 0.52])
    assert_allclose(dibao.rural_class_layout(ps, entry)[1], [1.0, 0.8, 0.6])
    # r = 0: fixed yuan amounts (320 and 240 yuan of a 500 standard)
    fixed = ps.with_overrides([Override("dibao.rural_class_rise_share", entry, 0.0)])
    assert_allclose(dibao.rural_class_layout(fixed, day)[1], [1.0, 0.64, 0.48])
    with pytest.raises(ValueError, match="benefit_formula_rural"):
        dibao.rural_class_layout(
            ps.with_overrides([Override("dibao.benefit_formula_rural", entry, "flat")]), day
        )


def test_tiered_rejects_unreadable_keys_and_formulas() -> None:
    with pytest.raises(ValueError, match="tiered_shares"):
        tiered_layout("tiered", {"low": 0.5})
    with pytest.raises(ValueError, match="benefit_formula"):
        tiered_layout("flat", {})


def test_benefit_category() -> None:
    cat = each(dibao.benefit_category)([0, 1, 1, 1], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0],
                                       [0, 0, 0, 0])  # fmt: skip
    assert_array_equal(cat, [0, 0, 1, 2])


def test_whole_household_benefit_and_single_person_floor() -> None:
    # pci 680 → gap 20 → minimum 30 × 2 = 60, but a member alone would get 700 (就高)
    pay = each(dibao.whole_household_benefit)(P, 680.0, 700.0, 2, 0, [0, 1], True)
    assert_allclose(pay, [60.0, 700.0])


def test_edge_family() -> None:
    pci = [900.0, 1050.0, 300.0, 900.0]
    edge = each(dibao.edge_family)(P, pci, 700.0, [True, True, True, False], [0, 0, 1, 0])
    assert_array_equal(edge, [True, False, False, False])


def test_single_person_candidates_count_persons_by_date() -> None:
    # members: grade-1 physical and ill; grade-3 mental; ill; none
    kind = np.array([1, 2, 0, 0])
    grade = np.array([1, 3, 0, 0])
    ill = np.array([True, False, True, False])
    age = np.full(4, 30)

    def candidates(p: RuleParams, size: int) -> int:
        return assessment.household_tests(p, True, size, 0, age, kind, grade, ill, 0.0)[3]

    assert candidates(P, 4) == 3  # the first member once
    assert candidates(P, 1) == 1
    before = params(single_person_mental_grade_max=2, single_person_serious_illness=False)
    assert candidates(before, 4) == 1


def test_qualifies_alone_once_whatever_the_conditions() -> None:
    kind = [1, 1, 2, 2, 0, 0, 1]
    grade = [2, 3, 3, 4, 0, 0, 1]
    ill = [False, False, False, False, True, False, True]
    assert_array_equal(each(dibao.qualifies_alone)(P, kind, grade, ill),
                       [True, False, True, True, True, False, True])  # fmt: skip


def test_single_person_benefit() -> None:
    paid = each(dibao.single_person_benefit)(P, 900.0, 700.0, [1, 2], True)
    assert_allclose(paid, [700.0, 1400.0])
    p = params(single_person_income_share=0.5)
    assert dibao.single_person_benefit(p, 900.0, 700.0, 1, True) == 250.0


def test_gradual_exit_counts_down_and_pays_exactly_n_months() -> None:
    left = 0
    paid = 0
    for month in range(10):
        start = dibao.gradual_exit_start(True, False, month == 0, left)
        left = dibao.gradual_exit_months_left(P, left, start, False)
        paid += int(dibao.gradual_exit_benefit(left, 600.0) > 0)
    assert paid == 6


def test_gradual_exit_ends_when_eligible_again() -> None:
    left = each(dibao.gradual_exit_months_left)(P, [4, 4], False, [True, False])
    assert_array_equal(left, [0, 3])
    start = each(dibao.gradual_exit_start)([True, True, False, True], [False, True, False, False],
                                           True, [0, 0, 0, 2])  # fmt: skip
    assert_array_equal(start, [True, False, False, False])


def test_benefit_held_between_reviews() -> None:
    """A running case keeps last month's amount until it is revised (decision, review, shock,
    change of members): a standard raised from 700 to 800 reaches it only when revised."""
    from safetynet.constants import DIBAO, DIBAO_SINGLE, NONE

    held = each(assessment.dibao_benefit_held)
    # whole household of 2, counted income 300 per person: 2 × (800 − 300) = 1000 when revised
    pay = held(P, [DIBAO, DIBAO, DIBAO, NONE], True, 0, [800.0, 800.0, 0.0, 800.0],
               [False, True, False, False], 300.0, 800.0, 2, 0, 0, 0)  # fmt: skip
    assert_allclose(pay, [800.0, 1000.0, 1000.0, 0.0])  # held, revised, new case, off dibao
    # a gradual exit pays last month's amount whatever the flag; a single member is held too
    exit_pay = held(P, [DIBAO, DIBAO_SINGLE], True, [3, 0], [650.0, 500.0], [True, False], 300.0,
                    800.0, 2, 0, 1, 1)  # fmt: skip
    assert_allclose(exit_pay, [650.0, 500.0])
