"""Unit tests of the tekun rules (safetynet.rules.tekun) with hand-computed values."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from safetynet.params import Branch, CountyValues
from safetynet.rules import TEKUN_DISPERSED, TEKUN_INSTITUTIONAL, tekun


def tekun_branch(**changes: Any) -> Branch:
    values: dict[str, Any] = {
        "basic_standard": CountyValues("tekun.basic_standard", {"all": np.array([910.0, 1000.0])}),
        "standard_multiple": 1.3,
        "minor_age_limit": 18,
        "elderly_age": 60,
        "care_subsidy": {"able": 50.0, "partly": 250.0, "unable": 500.0},
        "institution_share_willing": 1.0,
        "floor": 832.0,
    }
    values.update(changes)
    return Branch("tekun", values)


AFTER = tekun_branch()
BEFORE = tekun_branch(minor_age_limit=16)


@pytest.mark.parametrize(
    ("p", "expected"),
    [(BEFORE, [True, False, False, False]), (AFTER, [True, True, True, False])],
)
def test_is_minor_ages_15_to_18(p: Branch, expected: list[bool]) -> None:
    assert_array_equal(tekun.is_minor(p, [15, 16, 17, 18]), expected)


def test_is_elderly() -> None:
    assert_array_equal(tekun.is_elderly(AFTER, [59, 60]), [False, True])


def test_able_bodied_members_by_date() -> None:
    # columns: n_16_17, n_18_59, n_disabled_severe, n_disabled_mental
    args = ([1, 0, 0, 2], [0, 1, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1])
    assert_array_equal(tekun.able_bodied_members(BEFORE, *args), [1, 0, 1, 1])
    assert_array_equal(tekun.able_bodied_members(AFTER, *args), [0, 0, 1, 0])


def test_eligible_needs_every_condition() -> None:
    ok = tekun.eligible(
        able_bodied=[0, 1, 0, 0, 0, 0],
        n_workers=[0, 0, 1, 0, 0, 0],
        has_supporter=[False, False, False, True, False, False],
        per_capita=[0.0, 0.0, 0.0, 0.0, 700.0, 0.0],
        standard=[700.0] * 6,
        assets_pass=[True, True, True, True, True, False],
    )
    assert_array_equal(ok, [True, False, False, False, False, False])


def test_basic_living_and_floor() -> None:
    assert_allclose(tekun.basic_living(AFTER, [0, 1, 1], [1, 2, 0]), [910.0, 2000.0, 0.0])
    assert_allclose(tekun.standard_floor(AFTER, [640.0, 700.0]), [832.0, 910.0])


def test_care_subsidy_most_dependent_member_and_others_able() -> None:
    care = tekun.care_subsidy(AFTER, [2, 1, 0, 2], [1, 1, 1, 3])
    assert_allclose(care, [500.0, 250.0, 50.0, 600.0])
    assert_allclose(tekun.care_subsidy(AFTER, [2], [0]), [0.0])


def test_care_subsidy_rejects_unknown_level() -> None:
    with pytest.raises(ValueError, match="codes must lie"):
        tekun.care_subsidy(AFTER, [3], [1])


def test_institution_places_and_care_mode() -> None:
    assert_allclose(tekun.institution_places_needed(AFTER, [10.0]), [10.0])
    mode = tekun.care_mode([True, True, False], [True, False, True])
    assert_array_equal(mode, [TEKUN_INSTITUTIONAL, TEKUN_DISPERSED, TEKUN_DISPERSED])
