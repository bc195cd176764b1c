"""Employment dynamics set at the start: the job-finding rate that keeps employment steady.

The monthly life events themselves (demography, health, work, income growth: competing risks on
one draw per household and purpose) are part of the compiled household step
(:mod:`safetynet.household_month`).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class ColumnStore(Protocol):
    """Anything that hands out household columns by name (``schema.Households``)."""

    def __getitem__(self, name: str, /) -> np.ndarray: ...


Columns = ColumnStore


def stationary_gain_table(
    hh: Columns, local: np.ndarray, n_counties: int, loss_rate: float
) -> np.ndarray:
    """Job-finding rate that keeps employment at its starting level, probability/month per
    idle adult, per county × residence (index ``2 × county position + urban``), float32.

    For each county × residence, employment e0 = workers / adults 18–59 at the start is the
    steady state of loss and gain hazards when gain = loss × e0 / (1 − e0) (capped at 1).
    ASSUMED: no trend in employment beyond what shocks and ageing bring.
    """
    w = hh["weight"].astype(np.float64)
    key = local * 2 + hh["urban"].astype(np.int64)
    workers = np.bincount(key, weights=w * hh["n_workers"], minlength=2 * n_counties)
    adults = np.bincount(key, weights=w * hh["n_18_59"], minlength=2 * n_counties)
    e0 = np.clip(workers / np.maximum(adults, 1e-9), 0.0, 0.99)
    rate = np.minimum(loss_rate * e0 / (1.0 - e0), 1.0)
    out: np.ndarray = rate.astype(np.float32)
    return out
