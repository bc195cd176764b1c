"""Unit tests of temporary assistance (safetynet.rules.temporary) with hand-computed values."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.testing import assert_allclose, assert_array_equal
from safetynet.params import Branch
from safetynet.rules import temporary


def temporary_branch(**changes: Any) -> Branch:
    values: dict[str, Any] = {
        "base_months": {"urgent": 2.0, "expenditure": 3.0},
        "severity_factor": {"moderate": 1.0, "severe": 2.0, "major": 4.0},
        "max_persons_counted": 5,
        "duration_months_max": 3.0,
        "case_by_case_threshold_months": 12.0,
        "township_approval_limit": 1000.0,
        "advance_hours": 48,
    }
    values.update(changes)
    return Branch("temporary", values)


P = temporary_branch()
URGENT, EXPENDITURE = temporary.URGENT, temporary.EXPENDITURE


def test_need_by_type_severity_size_and_duration() -> None:
    need = temporary.need(
        P,
        standard=np.full(4, 700.0),
        kind=[URGENT, EXPENDITURE, URGENT, EXPENDITURE],
        severity=[0, 1, 2, 0],
        size=[1, 3, 8, 2],
        duration_months=[1, 2, 6, 0.5],
    )
    assert_allclose(need, [1400.0, 700 * 3 * 2 * 3 * 2, 700 * 2 * 4 * 5 * 3, 700 * 3 * 2])


def test_amount_capped_except_major_hardship() -> None:
    limit = temporary.case_by_case_limit(P, [700.0, 700.0, 700.0])
    assert_allclose(limit, [8400.0] * 3)
    need = np.array([8400.0, 9000.0, 9000.0])
    assert_array_equal(temporary.is_case_by_case(need, limit), [False, True, True])
    assert_allclose(temporary.amount(need, limit, [1, 1, 2]), [8400.0, 8400.0, 9000.0])


def test_township_approval_and_advance() -> None:
    assert_array_equal(temporary.township_approves(P, [1000.0, 1000.01]), [True, False])
    advance = temporary.advance_payment(P, [URGENT, URGENT, EXPENDITURE], [700.0, 5000.0, 700.0])
    assert_allclose(advance, [700.0, 1000.0, 0.0])
    days = temporary.advance_delay_days(P, [URGENT, EXPENDITURE])
    assert days[0] == 2.0
    assert np.isnan(days[1])
