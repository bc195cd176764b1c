"""Take-up and discovery: who applies, and where tekun persons are cared for.

Behaviour, not rules: probabilities are parameters (``behaviour.*``, ``calibrated.*``) compared
with draws by the model. A household takes up an eligible programme when its persistent
``propensity`` is below its take-up probability (the calibrated starting coverage, see
``behaviour.initial``), shifted by how much the standard has risen since the start and by active
discovery (S3 一(一), S4 六(十七)); the month it applies is random (``application_rate``).
People hit by disasters and epidemics are taken in at once (S4 四(十), S0 二(五)).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import special

from safetynet.constants import CARE_LEVELS as CARE_LEVELS


def take_up_probability(
    base: np.ndarray, standard_ratio: np.ndarray, b: Any, discovery: Any = None
) -> np.ndarray:
    """Probability that an eligible household takes up (0..1).

    ``base``: calibrated take-up at the start (per household, by size and residence);
    logit shifted by ``take_up_benefit_elasticity`` × ln(standard / standard at start); then
    active discovery brings in a share of the rest: 1 − (1 − p)(1 − ``discovery_rate``).
    ``discovery``: the household's county rate (the parameter varies by county), default the
    province value.
    """
    logit = special.logit(np.clip(base, 1e-9, 1 - 1e-9))
    shift = float(b.take_up_benefit_elasticity) * np.log(np.maximum(standard_ratio, 1e-9))
    p = special.expit(logit + shift)
    rate = float(b.discovery_rate) if discovery is None else np.asarray(discovery)
    out: np.ndarray = 1.0 - (1.0 - p) * (1.0 - rate)
    return out


def institution_share(care_level: np.ndarray, b: Any) -> np.ndarray:
    """Share choosing institutional care by self-care level (S2 二(六), S3 二(二))."""
    shares: Mapping[str, float] = b.tekun_institution_share
    table = np.array([shares[k] for k in CARE_LEVELS], dtype=np.float32)
    out: np.ndarray = table[np.clip(care_level, 0, len(CARE_LEVELS) - 1)]
    return out


def application_probability(
    expected_benefit_pp: np.ndarray, shocked: np.ndarray, p: Any
) -> np.ndarray:
    """Monthly probability that an eligible non-recipient applies (timing only, 0..1)."""
    rate = np.full(expected_benefit_pp.shape, np.float32(p.behaviour.application_rate))
    out: np.ndarray = np.where(shocked, np.float32(1.0), rate).astype(np.float32)
    return out


def reference_wage_table(hh: Any, local: np.ndarray, n_counties: int) -> np.ndarray:
    """Wage per worker a new job pays, yuan/month, per county × residence (index
    ``2 × county position + urban``): the weighted mean wage per worker there, or the overall
    mean where a county × residence has no worker."""
    workers = hh["n_workers"].astype(np.float64)
    wage = hh["income_wage"].astype(np.float64)
    w = hh["weight"].astype(np.float64)
    urban = hh["urban"].astype(np.int64)
    key = local * 2 + urban
    tot_wage = np.bincount(key, weights=w * wage, minlength=2 * n_counties)
    tot_workers = np.bincount(key, weights=w * workers, minlength=2 * n_counties)
    overall = tot_wage.sum() / max(tot_workers.sum(), 1.0)
    mean = np.where(tot_workers > 0, tot_wage / np.maximum(tot_workers, 1e-9), overall)
    out: np.ndarray = mean.astype(np.float32)
    return out
