"""Unit tests of the money rules (safetynet.rules.funding) with hand-computed values."""

from __future__ import annotations

from typing import Any

import pytest
from numpy.testing import assert_allclose
from safetynet.params import Branch
from safetynet.rules import funding


def funding_branch(**changes: Any) -> Branch:
    values: dict[str, Any] = {
        "factor_weights": {
            "workload": 0.6,
            "fiscal_difficulty": 0.2,
            "fiscal_effort": 0.1,
            "performance": 0.1,
        },
        "transfer_share": 0.85,
        "county_budget_share": 0.1,
    }
    values.update(changes)
    return Branch("funding", values)


P = funding_branch()
FACTORS = {
    "workload": [6.0, 3.0, 1.0],
    "fiscal_difficulty": [1.0, 1.0, 2.0],
    "fiscal_effort": [1.0, 1.0, 1.0],
    "performance": [2.0, 1.0, 1.0],
}


def test_budget_need_sums_lines() -> None:
    need = funding.budget_need({"dibao": [100.0, 200.0], "tekun_basic": [10.0, 0.0]})
    assert_allclose(need, [110.0, 200.0])
    with pytest.raises(ValueError, match="at least one"):
        funding.budget_need({})


def test_factor_shares_hand_computed() -> None:
    shares = funding.factor_shares(P, FACTORS)
    third = 0.1 / 3
    assert_allclose(shares, [0.36 + 0.05 + third + 0.05, 0.18 + 0.05 + third + 0.025,
                             0.06 + 0.1 + third + 0.025])  # fmt: skip
    assert shares.sum() == pytest.approx(1.0)


def test_factor_shares_zero_factor_drops_out_and_errors() -> None:
    zero = dict(FACTORS, performance=[0.0, 0.0, 0.0])
    shares = funding.factor_shares(P, zero)
    assert shares.sum() == pytest.approx(1.0)
    assert shares[0] == pytest.approx((0.6 * 0.6 + 0.2 * 0.25 + 0.1 / 3) / 0.9)
    with pytest.raises(ValueError, match="no values"):
        funding.factor_shares(P, {"workload": [1.0]})
    with pytest.raises(ValueError, match="≥ 0"):
        funding.factor_shares(P, dict(FACTORS, workload=[-1.0, 1.0, 1.0]))


def test_transfers_budget_and_gap() -> None:
    need = funding.budget_need({"dibao": [6e6, 3e6, 1e6]})
    pool = funding.transfer_pool(P, need)
    assert pool == pytest.approx(8.5e6)
    got = funding.transfers(pool, funding.factor_shares(P, FACTORS))
    assert got.sum() == pytest.approx(pool)
    own = funding.county_budget(P, need)
    gap = funding.funding_gap(need, got, own)
    assert_allclose(gap, need - got - own)
    assert gap.sum() == pytest.approx(need.sum() * (1 - 0.85 - 0.1))
