"""Purchased social-assistance services (政府购买社会救助服务): POLICY.md §5.

Demand: visits and care for members of assistance households who cannot look after
themselves. Spending is capped at ``cap_share`` (5%) of the county's total assistance spending
in the year (S4 五(十四)), applied year to date: services paid so far this year plus this
month's purchase may not exceed ``cap_share`` × total assistance spending so far this year
*including* the services. Unmet demand is reported.

How the engine calls this (each month; ``p = params.at(m).services``)::

    n = services.dependants(programme, first, size, care_level)          # per household
    demand = county_sum(services.demand(p, n) * h.weight)                # per county
    room = services.headroom(p, paid_ytd, other_spending_ytd)            # per county
    bought = services.allowed(demand, room)
    unmet = services.unmet(demand, bought)

``other_spending_ytd`` = all assistance spending of the year so far except services,
including this month's. Money is yuan.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from safetynet.params import Branch
from safetynet.rules import DIBAO, DIBAO_SINGLE, TEKUN_DISPERSED, FloatArray, as_float
from safetynet.rules.compiled import rule

#: lowest ``care_level`` of a member who cannot fully look after themselves (1 partly, 2 unable)
PARTLY = 1


@rule
def dependants(programme: int, first: int, size: int, care_level: Any) -> int:
    """Dependants needing visits and care, persons per household: the members of a dibao or
    dispersed tekun household who cannot fully look after themselves (their own
    ``care_level`` 1 partly or 2 unable), each counted. Institutional tekun residents are cared
    for by the institution (S4 五(十四) 生活不能自理的老年人、未成年人、残疾人). The engine
    applies the share who actually ask for the service (``behaviour.services_demand_share``)."""
    if programme not in (DIBAO, DIBAO_SINGLE, TEKUN_DISPERSED):
        return 0
    n = 0
    for k in range(first, first + size):
        if care_level[k] >= PARTLY:
            n += 1
    return n


def demand(p: Branch, n_dependants: npt.ArrayLike, cost: npt.ArrayLike | None = None) -> FloatArray:
    """Cost of the services demanded, yuan/month: dependants × ``cost_per_dependant``
    (ASSUMED unit cost; ``cost``: per county, the parameter varies by county)."""
    unit = float(p.cost_per_dependant) if cost is None else as_float(cost)
    return as_float(n_dependants) * unit


def casework_demand(
    p: Branch, households: npt.ArrayLike, cost: npt.ArrayLike | None = None
) -> FloatArray:
    """Cost of front-line case-work capacity bought for assistance households, yuan/month:
    households × ``casework_cost_per_household`` (S4 七(二十); ASSUMED unit cost; ``cost``:
    per county, the parameter varies by county)."""
    unit = float(p.casework_cost_per_household) if cost is None else as_float(cost)
    return as_float(households) * unit


def headroom(
    p: Branch,
    paid_ytd: npt.ArrayLike,
    other_spending_ytd: npt.ArrayLike,
    cap_share: npt.ArrayLike | None = None,
) -> FloatArray:
    """Most that may still be spent on services this month, yuan (S4 五(十四): ≤ 5%).

    With c = ``cap_share``, services S (paid so far this year) and other assistance spending
    O (so far this year, this month included), a purchase x is allowed while
    S + x ≤ c × (O + S + x), i.e. x ≤ c / (1 − c) × O − S. Never below 0. ``cap_share``: the
    cap per county (``p.per_county("cap_share")``, the parameter varies by county); default
    the province value ``p.cap_share``.
    """
    c = as_float(float(p.cap_share) if cap_share is None else cap_share)
    other = as_float(other_spending_ytd)
    paid = as_float(paid_ytd)
    c, other, paid = np.broadcast_arrays(c, other, paid)
    capped = c < 1.0
    ratio = np.divide(c, 1.0 - c, out=np.zeros(c.shape), where=capped)
    return np.where(capped, np.maximum(ratio * other - paid, 0.0), np.inf)


def allowed(demand_amount: npt.ArrayLike, room: npt.ArrayLike) -> FloatArray:
    """Services bought this month, yuan: the demand, at most the headroom."""
    return np.clip(as_float(demand_amount), 0.0, as_float(room))


def unmet(demand_amount: npt.ArrayLike, bought: npt.ArrayLike) -> FloatArray:
    """Demand not bought because of the cap, yuan (reported, POLICY.md §5)."""
    return np.maximum(as_float(demand_amount) - as_float(bought), 0.0)
