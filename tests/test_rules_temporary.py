"""Unit tests of temporary assistance (safetynet.rules.temporary) with hand-computed values."""

from __future__ import annotations

from numpy.testing import assert_allclose, assert_array_equal
from rulekit import each, params
from safetynet import assessment
from safetynet.rules import temporary

P = params()  # urban standard 700; base months 2 / 3; factors 1 / 2 / 4; cap 5 persons, 3 months
URGENT, EXPENDITURE = temporary.URGENT, temporary.EXPENDITURE


def test_need_by_type_severity_size_and_duration() -> None:
    need = each(temporary.need)(
        P, [URGENT, EXPENDITURE, URGENT, EXPENDITURE], [0, 1, 2, 0], [1, 3, 8, 2], [1, 2, 6, 0.5]
    )
    assert_allclose(need, [1400.0, 700 * 3 * 2 * 3 * 2, 700 * 2 * 4 * 5 * 3, 700 * 3 * 2])


def test_amount_capped_except_major_hardship() -> None:
    limit = temporary.case_by_case_limit(P)
    assert limit == 8400.0
    need = [8400.0, 9000.0, 9000.0]
    assert_array_equal(each(temporary.is_case_by_case)(need, limit), [False, True, True])
    assert_allclose(each(temporary.amount)(need, limit, [1, 1, 2]), [8400.0, 8400.0, 9000.0])
    # the composition: urgent, major, 8 members, 6 months -> 700 × 2 × 4 × 5 × 3, not capped
    assert assessment.temporary_amount(P, URGENT, 2, 8, 6.0) == 84000.0
    assert assessment.temporary_amount(P, URGENT, 1, 8, 6.0) == 8400.0


def test_township_approval_and_advance() -> None:
    assert_array_equal(each(temporary.township_approves)(P, [1000.0, 1000.01]), [True, False])
    advance = each(temporary.advance_payment)(
        P, [URGENT, URGENT, EXPENDITURE], [700.0, 5000.0, 700.0]
    )
    assert_allclose(advance, [700.0, 1000.0, 0.0])
    # months of difficulty: urgent one, expenditure the cap (3)
    assert temporary.case_months(P, URGENT) == 1.0
    assert temporary.case_months(P, EXPENDITURE) == 3.0
