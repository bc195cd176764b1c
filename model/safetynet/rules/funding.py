"""Money (资金保障): budget need, transfers by the factor method, county share, funding gap.

POLICY.md "Money": central and provincial transfers (困难群众救助补助资金) reach counties by a
factor method (workload, fiscal difficulty, fiscal effort, performance; weights unpublished,
NAT 财社〔2017〕58号); counties budget their own share (S3 三(一)); funding gap = need −
transfers − county budget.

How the engine calls this (per month or year, one element per county; ``p =
params.at(m).funding``)::

    need = funding.budget_need({"dibao": ..., "tekun_basic": ..., ...})
    shares = funding.factor_shares(p, {"workload": caseload, "fiscal_difficulty": ...,
                                       "fiscal_effort": ..., "performance": ...})
    got = funding.transfers(funding.transfer_pool(p, need), shares)
    own = funding.county_budget(p, need)
    gap = funding.funding_gap(need, got, own)

Money is yuan.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from safetynet.params import Branch
from safetynet.rules import FloatArray, as_float

FACTORS = ("workload", "fiscal_difficulty", "fiscal_effort", "performance")


def budget_need(lines: Mapping[str, npt.ArrayLike]) -> FloatArray:
    """Budget need per county, yuan: the sum of the programme lines (dibao, tekun basic and
    care, temporary, price and one-time subsidies, services within the cap, optional lines)."""
    if not lines:
        raise ValueError("budget_need: expected at least one programme line")
    arrays = [as_float(v) for v in lines.values()]
    return np.asarray(np.sum(np.broadcast_arrays(*arrays), axis=0), dtype=np.float64)


def factor_shares(p: Branch, factors: Mapping[str, npt.ArrayLike]) -> FloatArray:
    """Each county's share of the transfer pool (factor method, NAT 财社〔2017〕58号).

    Every factor is turned into county shares of its provincial total; the shares are
    averaged with ``factor_weights``. Factors must be ≥ 0 with larger = more money (pass
    fiscal difficulty, not capacity). A factor that is zero everywhere drops out and the
    remaining weights are renormalised; the result sums to 1 (or is all 0 with no factor).
    """
    weights = p.factor_weights
    missing = [k for k in weights if float(weights[k]) > 0.0 and k not in factors]
    if missing:
        raise ValueError(f"factor_shares: factors {missing} have weights but no values")
    total: FloatArray | None = None
    weight_sum = 0.0
    for name, w in weights.items():
        w = float(w)
        if w <= 0.0:
            continue
        x = as_float(factors[name])
        if np.any(x < 0.0) or not np.all(np.isfinite(x)):
            raise ValueError(f"factor_shares: factor {name!r} must be finite and ≥ 0")
        s = float(x.sum())
        if s <= 0.0:
            continue
        part = w * (x / s)
        total = part if total is None else total + part
        weight_sum += w
    if total is None:
        n = max((as_float(v).size for v in factors.values()), default=0)
        return np.zeros(n, dtype=np.float64)
    return total / weight_sum


def transfer_pool(p: Branch, need: npt.ArrayLike) -> float:
    """Central plus provincial transfers to share out, yuan: ``transfer_share`` × the total
    need of all counties (ASSUMED share)."""
    return float(p.transfer_share) * float(as_float(need).sum())


def transfers(pool: float, shares: npt.ArrayLike) -> FloatArray:
    """Transfers to each county, yuan: pool × the county's factor share."""
    return float(pool) * as_float(shares)


def county_budget(p: Branch, need: npt.ArrayLike) -> FloatArray:
    """County's own budget, yuan: ``county_budget_share`` × its need (S3 三(一); ASSUMED)."""
    return float(p.county_budget_share) * as_float(need)


def funding_gap(
    need: npt.ArrayLike, transfers_in: npt.ArrayLike, own_budget: npt.ArrayLike
) -> FloatArray:
    """Funding gap, yuan: need − transfers − county budget (positive = shortfall, negative =
    surplus)."""
    return as_float(need) - as_float(transfers_in) - as_float(own_budget)
