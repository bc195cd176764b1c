"""Take-up and discovery: who applies, and where tekun persons are cared for.

Behaviour, not rules: probabilities are parameters (``behaviour.*``, ``calibrated.*``) compared
with draws by the model. A household takes up an eligible programme when its persistent
``propensity`` is below its take-up probability (the calibrated starting coverage, see
``behaviour.initial``), shifted by how much the standard has risen since the start and by active
discovery (S3 一(一), S4 六(十七)); the month it applies is random (``application_rate``).
People hit by disasters and epidemics are taken in at once (S4 四(十), S0 二(五)).

Categorical targeting (issue 16): practice finds and approves households with priority members
(elderly 60+, grade 1–2 disability, serious illness: the groups S0–S4 name first) more readily
than the pure income test would, and covers small households rather than whole large ones. The
take-up log-odds are shifted by ``behaviour.priority_takeup_shift`` where the household has such
a member (:func:`priority_member`) and, in towns, change per member beyond the first by
``calibrated.takeup_size_slope``. In the villages a covered household whose priority members are
not all its members has, with probability ``calibrated.split_share_rural``, only those members
covered (单人保 / 分户: :func:`split_persons`; programme ``DIBAO_SINGLE``), which is how rural
dibao households come to average 1.94 persons where rural households average 3.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import special

from safetynet import members
from safetynet.constants import BAND_60_LOW
from safetynet.constants import CARE_LEVELS as CARE_LEVELS
from safetynet.rules.compiled import rule, to_int


@rule
def priority_member(n_60p: int, n_disabled_severe: int, n_ill: int) -> bool:
    """True when the household has a member of a priority group of the targeting practice
    (S0 二(二), S4 二(一)–(三): elderly 60+, grade 1–2 disability, serious illness).
    Behaviour, not a rule: it shifts take-up (``behaviour.priority_takeup_shift``)."""
    return n_60p > 0 or n_disabled_severe > 0 or n_ill > 0


@rule
def priority_count(first: int, size: int, age: Any, disability: Any, grade: Any, ill: Any) -> int:
    """Members of a priority group (elderly 60+, grade 1–2 disability, serious illness), each
    counted once; the household's members are rows ``first`` .. ``first + size - 1``."""
    n = 0
    for k in range(first, first + size):
        n += (
            int(age[k]) >= BAND_60_LOW
            or members.is_severe(int(disability[k]), int(grade[k]))
            or bool(ill[k])
        )
    return n


@rule
def split_persons(
    urban: bool, whole: bool, tekun_now: bool, n_priority: int, size: int, u: float, share: float
) -> int:
    """Members covered alone when a whole-household-eligible rural household is approved
    (单人保 / 分户, categorical targeting): its priority members, when they are not all its
    members and ``u`` < ``share`` (``calibrated.split_share_rural``); else 0 (the whole
    household is covered)."""
    if urban or tekun_now or not whole or n_priority <= 0 or n_priority >= size:
        return 0
    return n_priority if u < share else 0


@rule
def _priority_rows(
    first: Any, size: Any, age: Any, disability: Any, grade: Any, ill: Any, out: Any
) -> None:
    for i in range(first.shape[0]):
        out[i] = priority_count(to_int(first[i]), to_int(size[i]), age, disability, grade, ill)


def priority_counts(hh: Any) -> np.ndarray:
    """:func:`priority_count` for every household of ``hh`` (a compiled loop over the rule)."""
    p = hh.persons
    out = np.zeros(int(hh.n), dtype=np.int64)
    rows: Any = _priority_rows
    rows(hh["first_member"], hh["size"], p["age"], p["disability"], p["disability_grade"],
         p["ill"], out)  # fmt: skip
    return out


def priority_members(hh: Any) -> np.ndarray:
    """:func:`priority_member` for every household of ``hh`` (household columns)."""
    out: np.ndarray = (
        (np.asarray(hh["n_60p"]) > 0)
        | (np.asarray(hh["n_disabled_severe"]) > 0)
        | (np.asarray(hh["n_ill"]) > 0)
    )
    return out


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
