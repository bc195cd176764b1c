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

from typing import Any

import numpy as np

from safetynet.household_month import N_MONITORED

#: output variables filled by :func:`county_sums` (declared in outputs.VARIABLES)
NAMES = (
    "tuopin_households",
    "tuopin_at_risk_households",
    "tuopin_at_risk_persons",
    "monitored_households",
    "monitored_persons",
)

if len(NAMES) != N_MONITORED:  # the kernel's sums, in this order
    raise ImportError("monitoring.NAMES and household_month.N_MONITORED differ")


def county_sums(model: Any) -> dict[str, np.ndarray]:
    """The monitored population of each county of ``model`` (a ``SafetyNetModel`` after its
    household step), weighted: {name in :data:`NAMES`: array over the model's counties}.

    Summed by the compiled household step itself (``household_month.step_county``, on the
    state each household leaves: no second pass over the households); the rules: 脱贫
    households on no programme whose assessed per-capita income
    (:func:`assessment.scaled_per_capita_income`, the kernel's assessment factor times the
    shock's kept share while a shock lasts) is below ``tuopin_risk_line`` / 12 are at risk;
    the monitored are those at risk and the edge families."""
    sums = model.sums.monitored
    return {name: sums[:, j].copy() for j, name in enumerate(NAMES)}
