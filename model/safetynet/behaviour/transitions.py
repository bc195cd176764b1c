"""Monthly life events of households: demography, health, work and income growth.

Each function takes the household columns, ONE uniform draw per household for its purpose and
the ``behaviour`` parameter branch, and updates the columns in place. Several rare events share a
draw as competing risks (disjoint slices of [0, 1)), so a month costs one draw per household per
purpose whatever the policy: a reform and its baseline see the same life events.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np


class ColumnStore(Protocol):
    """Anything that hands out household columns by name (``schema.Households``)."""

    def __getitem__(self, name: str, /) -> np.ndarray: ...


Columns = ColumnStore

# Width of each age group in months, for the monthly hazard of leaving it by ageing.
MONTHS_IN_0_15 = 16 * 12
MONTHS_IN_16_17 = 2 * 12
MONTHS_IN_18_59 = 42 * 12


def _dec(col: np.ndarray, mask: np.ndarray) -> None:
    col[mask] -= 1


def _inc(col: np.ndarray, mask: np.ndarray) -> None:
    col[mask] += 1


def demography_and_health(hh: Columns, u: np.ndarray, b: Any) -> dict[str, np.ndarray]:
    """Births, deaths, ageing between groups, illness onset/recovery, disability onset.

    At most one event per household and month (competing risks on one draw ``u``).
    Returns masks of the events (for flows and for the engine's bookkeeping).
    """
    size = hh["size"].astype(np.float32)
    alive = size > 0
    n60 = hh["n_60p"].astype(np.float32)
    n18 = hh["n_18_59"].astype(np.float32)
    n16 = hh["n_16_17"].astype(np.float32)
    n0 = hh["n_0_15"].astype(np.float32)
    ill = hh["n_ill"].astype(np.float32)
    dis = hh["n_disabled_severe"].astype(np.float32)
    hazards = (
        ("death_old", b.mortality_60p * n60),
        ("death_young", b.mortality_under60 * (size - n60)),
        ("birth", b.birth_rate * n18 * (size < 10)),
        ("age_16", n0 / MONTHS_IN_0_15),
        ("age_18", n16 / MONTHS_IN_16_17),
        ("age_60", n18 / MONTHS_IN_18_59),
        ("ill_on", b.illness_onset_rate * (size - ill)),
        ("ill_off", b.illness_recovery_rate * ill),
        ("disabled", b.disability_onset_rate * (size - dis)),
    )
    events: dict[str, np.ndarray] = {}
    lo = np.zeros_like(u)
    for name, h in hazards:
        hi = lo + np.asarray(h, dtype=np.float32)
        events[name] = alive & (u >= lo) & (u < hi)
        lo = hi

    _apply_deaths(hh, events["death_old"], events["death_young"])
    b_mask = events["birth"]
    _inc(hh["n_0_15"], b_mask)
    _inc(hh["size"], b_mask)
    m = events["age_16"]
    _dec(hh["n_0_15"], m)
    _inc(hh["n_16_17"], m)
    m = events["age_18"]
    _dec(hh["n_16_17"], m)
    _inc(hh["n_18_59"], m)
    m = events["age_60"]
    _dec(hh["n_18_59"], m)
    _inc(hh["n_60p"], m)
    _drop_excess_workers(hh)
    m = events["ill_on"]
    _inc(hh["n_ill"], m)
    hh["exp_medical"][m] += np.float32(b.illness_medical_cost)
    m = events["ill_off"]
    _dec(hh["n_ill"], m)
    med = hh["exp_medical"]
    med[m] = np.maximum(med[m] - np.float32(b.illness_medical_cost), 0)
    m = events["disabled"]
    _inc(hh["n_disabled_severe"], m)
    hh["exp_disability"][m] += np.float32(b.disability_cost)
    return events


def _apply_deaths(hh: Columns, old: np.ndarray, young: np.ndarray) -> None:
    """Remove one member; pensions/transfers fall pro rata, health counts stay ≤ size."""
    any_death = old | young
    size = hh["size"]
    share_left = np.where(size > 1, (size - 1) / np.maximum(size, 1), 0).astype(np.float32)
    hh["income_transfer"][any_death] *= share_left[any_death]
    _dec(hh["n_60p"], old)
    adult = young & (hh["n_18_59"] > 0)
    _dec(hh["n_18_59"], adult)
    teen = young & ~adult & (hh["n_16_17"] > 0)
    _dec(hh["n_16_17"], teen)
    child = young & ~adult & ~teen & (hh["n_0_15"] > 0)
    _dec(hh["n_0_15"], child)
    older = young & ~adult & ~teen & ~child & (hh["n_60p"] > 0)
    _dec(hh["n_60p"], older)
    _dec(size, any_death)
    for col in ("n_ill", "n_disabled_severe", "n_disabled_mental"):
        np.minimum(hh[col], size, out=hh[col])
    gone = any_death & (size == 0)
    for col in ("income_wage", "income_farm", "income_transfer", "exp_medical"):
        hh[col][gone] = 0
    for col in ("exp_schooling", "exp_disability", "assets"):
        hh[col][gone] = 0


def _drop_excess_workers(hh: Columns) -> None:
    """A worker who dies or turns 60 stops working: wages fall pro rata."""
    workers = hh["n_workers"]
    excess = workers > hh["n_18_59"]
    if excess.any():
        keep = hh["n_18_59"][excess].astype(np.float32)
        w = workers[excess].astype(np.float32)
        hh["income_wage"][excess] *= np.where(w > 0, keep / np.maximum(w, 1), 0).astype(np.float32)
        workers[excess] = hh["n_18_59"][excess]


def work(
    hh: Columns, u: np.ndarray, b: Any, reference_wage: np.ndarray, gain_rate: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Job loss (one worker) or job gain (one non-working adult 18–59), competing on ``u``.

    ``reference_wage`` (yuan/month, per household) is what a new job pays when the household
    has no current worker to compare with; ``gain_rate`` (per household, probability/month)
    is the job-finding rate (see :func:`stationary_gain_rate`). Returns (lost, gained) masks.
    """
    workers = hh["n_workers"]
    w = workers.astype(np.float32)
    idle = np.maximum(hh["n_18_59"].astype(np.float32) - w, 0)
    p_loss = np.float32(b.job_loss_rate) * w
    p_gain = gain_rate * idle
    lost = u < p_loss
    gained = ~lost & (u < p_loss + p_gain)
    per_worker = np.where(w > 0, hh["income_wage"] / np.maximum(w, 1), reference_wage)
    wage = hh["income_wage"]
    wage[lost] = np.maximum(wage[lost] - per_worker[lost], 0)
    wage[gained] += per_worker[gained].astype(np.float32)
    workers[lost] -= 1
    workers[gained] += 1
    return lost, gained


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


def stationary_gain_rate(
    hh: Columns, local: np.ndarray, n_counties: int, loss_rate: float
) -> np.ndarray:
    """Job-finding rate per household (:func:`stationary_gain_table` of its county and
    residence), probability/month per idle adult."""
    key = local * 2 + hh["urban"].astype(np.int64)
    out: np.ndarray = stationary_gain_table(hh, local, n_counties, loss_rate)[key]
    return out


def income_growth(hh: Columns, b: Any) -> float:
    """Nominal growth of wages and farm income for one month; returns the monthly factor."""
    factor = float((1.0 + b.wage_growth_annual) ** (1.0 / 12.0))
    f = np.float32(factor)
    hh["income_wage"] *= f
    hh["income_farm"] *= f
    return factor
