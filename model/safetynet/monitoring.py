"""The monitored low-income population (低收入人口动态监测, S2 二(二), S3 一(二)) per county and
month: households lifted out of poverty (脱贫户, the ``tuopin`` column) at risk of returning to
poverty, and the monitored total with the dibao-edge families (低保边缘家庭).

Counted after the month's household step, on the state it leaves (programme, edge flag, income,
shock), for households on neither dibao nor tekun (those are covered, not "at risk"):

- ``tuopin_households``: 脱贫 households, weighted (all, covered or not);
- ``tuopin_at_risk_households`` / ``_persons``: 脱贫 households on no programme whose assessed
  per-capita income (the dibao assessment's counted income, :func:`assessment.per_capita_income`,
  on the income the administration sees) is below ``monitoring.tuopin_risk_line`` / 12;
- ``monitored_households`` / ``_persons``: edge families or 脱贫 households at risk (each
  household once).

Nothing here draws a random number or pays money.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from safetynet import assessment as asm
from safetynet.constants import NONE
from safetynet.rules.compiled import rule, to_int
from safetynet.rules.parameters import rule_params_of

#: output variables filled by :func:`county_sums` (declared in outputs.VARIABLES)
NAMES = (
    "tuopin_households",
    "tuopin_at_risk_households",
    "tuopin_at_risk_persons",
    "monitored_households",
    "monitored_persons",
)

MONTHS_PER_YEAR = 12.0


@rule
def _county_sums(
    table: Any,
    pos: int,
    start: int,
    stop: int,
    weight: Any,
    size: Any,
    tuopin: Any,
    edge: Any,
    programme: Any,
    factor: Any,
    shock_left: Any,
    wage: Any,
    farm: Any,
    transfer: Any,
    medical: Any,
    schooling: Any,
    disability: Any,
    line_month: float,
    keep_shocked: float,
    out: Any,
) -> None:
    """The five sums of :data:`NAMES` over the households ``start:stop`` of one county, into
    ``out[0:5]``; the county's rule parameters are record ``pos`` of ``table``
    (``SafetyNetModel.rule_table``). Income as the administration sees it: the kernel's
    assessment factor, times the shock's kept share while a shock lasts (as in
    ``household_month``)."""
    p = rule_params_of(table[pos])
    for i in range(start, stop):
        sz = to_int(size[i])
        if sz <= 0:
            continue
        w = np.float64(weight[i])
        if tuopin[i]:
            out[0] += w
        if programme[i] != NONE:
            continue
        at_risk = False
        if tuopin[i]:
            keep = keep_shocked if shock_left[i] > 0 else 1.0
            f = float(np.float32(factor[i] * np.float32(keep)))
            pci = asm.scaled_per_capita_income(
                p,
                f,
                float(wage[i]),
                float(farm[i]),
                float(transfer[i]),
                float(medical[i]),
                float(schooling[i]),
                float(disability[i]),
                sz,
            )
            at_risk = pci < line_month
        if at_risk:
            out[1] += w
            out[2] += w * sz
        if at_risk or edge[i]:
            out[3] += w
            out[4] += w * sz


@rule
def _all_counties(
    table: Any,
    positions: Any,
    starts: Any,
    stops: Any,
    weight: Any,
    size: Any,
    tuopin: Any,
    edge: Any,
    programme: Any,
    factor: Any,
    shock_left: Any,
    wage: Any,
    farm: Any,
    transfer: Any,
    medical: Any,
    schooling: Any,
    disability: Any,
    line_month: float,
    keep_shocked: float,
    out: Any,
) -> None:
    """:func:`_county_sums` of every county (``positions[k]``, households ``starts[k]`` ..
    ``stops[k] - 1``) into row ``positions[k]`` of ``out``, in one compiled call."""
    for k in range(positions.shape[0]):
        c = positions[k]
        _county_sums(
            table, c, starts[k], stops[k], weight, size, tuopin, edge, programme, factor,
            shock_left, wage, farm, transfer, medical, schooling, disability, line_month,
            keep_shocked, out[c],
        )  # fmt: skip


def county_sums(model: Any) -> dict[str, np.ndarray]:
    """The monitored population of each county of ``model`` (a ``SafetyNetModel`` after its
    household step), weighted: {name in :data:`NAMES`: array over the model's counties}. One
    compiled call over the counties, no household-length temporaries (it runs every month)."""
    hh = model.hh
    sums = np.zeros((len(model.county_agents), len(NAMES)))
    line = float(model.p.monitoring.tuopin_risk_line) / MONTHS_PER_YEAR
    keep_shocked = float(np.float32(1.0 - float(model.p.behaviour.shock_income_loss)))
    county_pass: Callable[..., None] = _all_counties
    columns = [
        hh[c]
        for c in (
            "weight",
            "size",
            "tuopin",
            "edge",
            "programme",
        )
    ]
    incomes = [
        hh[c]
        for c in (
            "income_wage",
            "income_farm",
            "income_transfer",
            "exp_medical",
            "exp_schooling",
            "exp_disability",
        )
    ]
    agents = model.county_agents
    positions = np.array([a.position for a in agents], dtype=np.int64)
    starts = np.array([a.slice.start for a in agents], dtype=np.int64)
    stops = np.array([a.slice.stop for a in agents], dtype=np.int64)
    county_pass(
        model.rule_table, positions, starts, stops, *columns, model.factor, model.shock_left,
        *incomes, line, keep_shocked, sums,
    )  # fmt: skip
    return {name: sums[:, j] for j, name in enumerate(NAMES)}
