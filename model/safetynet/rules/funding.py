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


# ---------------------------------------------------------------------- the budget year (#14)
#
# The pool of central + provincial transfers for year Y is an amount fixed before the year
# (``pool_rule``: last year's pool × growth, or given); it is allocated to counties at the start
# of Y by the factor method from year Y−1's figures; prefecture and county budgets are set in
# advance from Y−1's need; a reserve is held back and released to counties a shock hits.
# Gap and surplus per county are kept apart (never netted across counties).


def pool_full_year(
    p: Branch, last_pool_full_year: float | None, base_need_full_year: float
) -> float:
    """Central + provincial pool of the year at a full-year rate, yuan/year.

    ``given``: ``transfer_pool_yuan``. ``growth``: last year's pool × (1 + ``pool_growth``); in
    the base year (no last year) ``transfer_share`` × the base year's need (NAT 财社〔2017〕58号;
    ASSUMED rule)."""
    if str(p.pool_rule) == "given":
        return float(p.transfer_pool_yuan)
    if last_pool_full_year is None:
        return float(p.transfer_share) * float(base_need_full_year)
    return float(last_pool_full_year) * (1.0 + float(p.pool_growth))


def county_own_budget(p: Branch, last_year_need: npt.ArrayLike, given: npt.ArrayLike) -> FloatArray:
    """County's own budget for the year, yuan/year, set at its start (S3 三(一)): the given
    amount (``county_budget_yuan``) where it is > 0, else ``county_budget_share`` × last year's
    need."""
    g = as_float(given)
    return np.where(g > 0.0, g, float(p.county_budget_share) * as_float(last_year_need))


def reserve_held(p: Branch, pool: float) -> float:
    """Emergency reserve held back from the pool at the start of the year, yuan:
    ``reserve_share`` × pool (S4 四(十); share ASSUMED)."""
    return float(p.reserve_share) * float(pool)


def pool_split(p: Branch, allocated: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Central and provincial parts of each county's allocation, yuan: ``central_share`` ×
    allocation and the rest (NAT 财社〔2017〕58号 第六条: the province pools both)."""
    a = as_float(allocated)
    central = float(p.central_share) * a
    return central, a - central


def workload(caseload: Mapping[str, npt.ArrayLike], unit_cost: Mapping[str, float]) -> FloatArray:
    """Workload factor per county, yuan: Σ over programmes of the caseload × the provincial
    cost per case of that programme (任务量, NAT 财社〔2017〕58号 第五条), so that a tekun person
    weighs more than a dibao person."""
    if not caseload:
        raise ValueError("workload: expected at least one programme caseload")
    parts = [as_float(v) * float(unit_cost[k]) for k, v in caseload.items()]
    return np.asarray(np.sum(np.broadcast_arrays(*parts), axis=0), dtype=np.float64)


def scaled_by(work: npt.ArrayLike, coefficient: npt.ArrayLike) -> FloatArray:
    """A coefficient factor (fiscal difficulty, effort, performance) applied to the workload:
    workload × coefficient / (workload-weighted mean coefficient). Equals the workload where all
    coefficients are the same; moves money toward counties with a higher coefficient."""
    w, c = as_float(work), np.clip(as_float(coefficient), 0.0, None)
    total = float(w.sum())
    mean = float((w * c).sum()) / total if total > 0 else 0.0
    if mean <= 0.0:
        return np.zeros_like(w)
    return w * c / mean


def fiscal_difficulty(revenue: npt.ArrayLike, expenditure: npt.ArrayLike) -> FloatArray:
    """Fiscal difficulty coefficient: 1 − own revenue / expenditure of the general budget
    (share of spending not met by own revenue), clipped to [0, 1]."""
    rev, exp = as_float(revenue), as_float(expenditure)
    ratio = np.divide(rev, exp, out=np.ones_like(rev), where=exp > 0)
    return np.clip(1.0 - ratio, 0.0, 1.0)


def fiscal_effort(own_budget: npt.ArrayLike, revenue: npt.ArrayLike) -> FloatArray:
    """Fiscal effort coefficient: the county's own assistance budget / its general budget
    revenue (how much of its own money it puts in)."""
    own, rev = as_float(own_budget), as_float(revenue)
    return np.divide(own, rev, out=np.zeros_like(own), where=rev > 0)


def release_reserve(available: float, requests: npt.ArrayLike) -> FloatArray:
    """Reserve released to each county, yuan: its request (extra need after a shock) in full when
    the reserve suffices, else pro rata to the requests."""
    req = np.clip(as_float(requests), 0.0, None)
    total = float(req.sum())
    if total <= 0.0 or available <= 0.0:
        return np.zeros_like(req)
    return req * min(1.0, float(available) / total)


def gap_and_surplus(
    need: npt.ArrayLike, funds: npt.ArrayLike, released: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Per county: gap = max(0, need − funds − reserve released) and surplus = max(0, the
    opposite), yuan; the two are reported separately, never netted across counties."""
    short = as_float(need) - as_float(funds) - as_float(released)
    return np.clip(short, 0.0, None), np.clip(-short, 0.0, None)
