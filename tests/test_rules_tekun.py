"""Unit tests of the tekun rules (safetynet.rules.tekun) with hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from rulekit import each, params
from safetynet import assessment
from safetynet.rules import TEKUN_DISPERSED, TEKUN_INSTITUTIONAL, tekun
from safetynet.rules.parameters import RuleParams

AFTER = params()  # minors under 18, tekun standard 910, care 50 / 250 / 500
BEFORE = params(minor_age_limit=16)


@pytest.mark.parametrize(
    ("p", "expected"),
    [(BEFORE, [True, False, False, False]), (AFTER, [True, True, True, False])],
)
def test_is_minor_ages_15_to_18(p: RuleParams, expected: list[bool]) -> None:
    assert_array_equal(each(tekun.is_minor)(p, [15, 16, 17, 18]), expected)


def test_is_elderly() -> None:
    assert_array_equal(each(tekun.is_elderly)(AFTER, [59, 60]), [False, True])


def test_able_bodied_by_date() -> None:
    # members: 16-year-old; 40 grade-1 physical; 40; 17 grade-3 mental; 70; 10 grade-1 + 40
    age = np.array([16, 40, 40, 17, 70, 10, 40])
    kind = np.array([0, 1, 0, 2, 0, 1, 0])
    grade = np.array([0, 1, 0, 3, 0, 1, 0])
    first, size = [0, 1, 2, 3, 4, 5], [1, 1, 1, 1, 1, 2]

    ill = np.zeros(age.size, dtype=bool)

    def able(p: RuleParams) -> list[int]:
        tests = assessment.household_tests
        return [
            tests(p, False, k, f, age, kind, grade, ill, 0.0)[2]
            for f, k in zip(first, size, strict=True)
        ]

    assert able(BEFORE) == [1, 0, 1, 0, 0, 1]
    # the parent of a severely disabled child stays able-bodied (counted per person)
    assert able(AFTER) == [0, 0, 1, 0, 0, 1]
    assert_array_equal(each(tekun.is_able_bodied)(AFTER, age, kind, grade),
                       [False, False, True, False, False, False, True])  # fmt: skip


def test_eligible_needs_every_condition() -> None:
    ok = each(tekun.eligible)(
        [0, 1, 0, 0, 0, 0],
        [0, 0, 1, 0, 0, 0],
        [False, False, False, True, False, False],
        [0.0, 0.0, 0.0, 0.0, 700.0, 0.0],
        700.0,
        [True, True, True, True, True, False],
    )
    assert_array_equal(ok, [True, False, False, False, False, False])


def test_basic_living_and_floor() -> None:
    assert_allclose(each(tekun.basic_living)(AFTER, [1, 2, 0]), [910.0, 1820.0, 0.0])
    assert tekun.standard_floor(params(standard_urban=640.0)) == pytest.approx(832.0)


def test_care_subsidy_by_each_members_level() -> None:
    levels = np.array([2, 1, 0, 2, 0, 0, 2, 2])
    first, size = [0, 1, 2, 3, 6, 0], [1, 1, 1, 3, 2, 0]
    care = [tekun.care_subsidy(AFTER, f, k, levels) for f, k in zip(first, size, strict=True)]
    # a couple both unable to look after themselves: two "unable" rates
    assert_allclose(care, [500.0, 250.0, 50.0, 600.0, 1000.0, 0.0])
    assert_allclose(each(tekun.care_rate)(AFTER, [0, 1, 2]), [50.0, 250.0, 500.0])


def test_institution_places_and_care_mode() -> None:
    assert tekun.institution_places_needed(AFTER, 10.0) == 10.0
    mode = each(tekun.care_mode)([True, True, False], [True, False, True])
    assert_array_equal(mode, [TEKUN_INSTITUTIONAL, TEKUN_DISPERSED, TEKUN_DISPERSED])
