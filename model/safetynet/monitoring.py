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
from safetynet.rules.compiled import rule
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
def _below_line(
    table: Any,
    pos: int,
    rows: Any,
    factor: Any,
    wage: Any,
    farm: Any,
    transfer: Any,
    medical: Any,
    schooling: Any,
    disability: Any,
    size: Any,
    line_month: float,
    out: Any,
) -> None:
    """``out[j]`` = the household at ``rows[j]`` has an assessed per-capita income below
    ``line_month`` (yuan/person/month); the county's rule parameters are record ``pos`` of
    ``table`` (``SafetyNetModel.rule_table``)."""
    p = rule_params_of(table[pos])
    for j in range(rows.shape[0]):
        i = rows[j]
        f = factor[i]
        pci = asm.per_capita_income(
            p,
            float(np.float32(wage[i] * f)),
            float(np.float32(farm[i] * f)),
            float(transfer[i]),
            float(medical[i]),
            float(schooling[i]),
            float(disability[i]),
            int(size[i]),
        )
        out[j] = pci < line_month


def county_sums(model: Any) -> dict[str, np.ndarray]:
    """The monitored population of each county of ``model`` (a ``SafetyNetModel`` after its
    household step), weighted: {name in :data:`NAMES`: array over the model's counties}."""
    hh = model.hh
    n_c = len(model.county_agents)
    out = {name: np.zeros(n_c) for name in NAMES}
    weight = hh["weight"].astype(np.float64)
    size = hh["size"]
    alive = size > 0
    tuopin = hh["tuopin"] & alive
    free = alive & (hh["programme"] == NONE)
    keep = np.where(
        model.shock_left > 0, np.float32(1.0 - float(model.p.behaviour.shock_income_loss)), 1.0
    ).astype(np.float32)
    factor = (model.factor * keep).astype(np.float32)
    line = float(model.p.monitoring.tuopin_risk_line) / MONTHS_PER_YEAR
    cols = [
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
    at_risk = np.zeros(hh.n, dtype=np.bool_)
    below_line: Callable[..., None] = _below_line  # columns in the order above
    for agent in model.county_agents:
        sl = agent.slice
        rows = np.flatnonzero(tuopin[sl] & free[sl]) + sl.start
        if rows.size:
            below = np.zeros(rows.size, dtype=np.bool_)
            below_line(model.rule_table, agent.position, rows, factor, *cols, size, line, below)
            at_risk[rows] = below
    monitored = at_risk | (hh["edge"] & free)
    persons = weight * size
    for agent in model.county_agents:
        sl, k = agent.slice, agent.position
        out["tuopin_households"][k] = weight[sl][tuopin[sl]].sum()
        out["tuopin_at_risk_households"][k] = weight[sl][at_risk[sl]].sum()
        out["tuopin_at_risk_persons"][k] = persons[sl][at_risk[sl]].sum()
        out["monitored_households"][k] = weight[sl][monitored[sl]].sum()
        out["monitored_persons"][k] = persons[sl][monitored[sl]].sum()
    return out
