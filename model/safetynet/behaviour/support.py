"""Loss of support (失去赡养、抚养、扶养能力): how households become tekun-eligible after the start.

Tekun eligibility needs every member unable to work, no income and no legally obliged supporter
able to support them (S4 二(一), :func:`safetynet.rules.tekun.eligible`). The population draws
``has_supporter`` once, at the start (``population.supporter_probability``; any household with a
member able to work has one), and nothing in the monthly step took a supporter away: a household
that ages or falls ill into having no one able to work kept its supporter for ever, so tekun only
lost persons (deaths) and Yunnan's count rose (121,800 in 2019-06, 132,000 in 2023-09,
``history_facts.csv``). This is the entry flow: each month a household with nobody working and
a member aged 60+ or with a grade 1–2 disability, which still has a supporter, loses that
supporter's ability to support it with probability ``behaviour.support_loss_rate`` (the adult
children migrate, fall ill, grow old or become needy themselves: the obliged supporter no longer
able to support, 特困人员认定办法 民发〔2021〕43号; rate calibrated to the tekun counts,
``safetynet.path_fit``). A household on no programme that loses its supporter applies (the
village finds it: 主动发现, S3 一(一), S4 六(十七)); the rules decide at the end of the processing
delay whether it is tekun (or dibao) eligible.

One uniform per household and month from the county's ``support`` stream, drawn before the
compiled household step reads the state (like the shocks, :mod:`safetynet.behaviour.shocks`).
"""

from __future__ import annotations

import numpy as np

from safetynet.constants import NONE


def at_risk(
    has_supporter: np.ndarray,
    n_workers: np.ndarray,
    n_60p: np.ndarray,
    n_disabled_severe: np.ndarray,
    size: np.ndarray,
) -> np.ndarray:
    """Households whose supporter may stop supporting them this month: a supporter, nobody
    working, a member 60+ or with a grade 1–2 disability, not empty.

    >>> at_risk(np.array([1, 1, 1, 0], bool), np.array([0, 1, 0, 0]), np.array([1, 1, 0, 1]),
    ...         np.array([0, 0, 1, 0]), np.array([1, 2, 2, 1])).tolist()
    [True, False, True, False]
    """
    needy = (np.asarray(n_60p) > 0) | (np.asarray(n_disabled_severe) > 0)
    idle = np.asarray(n_workers) == 0
    out: np.ndarray = np.asarray(has_supporter) & idle & needy & (np.asarray(size) > 0)
    return out


def advance(
    has_supporter: np.ndarray,
    pending_months: np.ndarray,
    programme: np.ndarray,
    n_workers: np.ndarray,
    n_60p: np.ndarray,
    n_disabled_severe: np.ndarray,
    size: np.ndarray,
    rate: float,
    delay: int,
    rng: np.random.Generator,
) -> None:
    """One month of support loss for one county's households, in place: ``has_supporter`` set
    to False where :func:`at_risk` and the household's uniform from ``rng`` is below ``rate``
    (probability/month); those on no programme with no application pending apply
    (``pending_months`` = ``delay``, the county's processing delay).

    >>> sup = np.array([True, True]); pend = np.array([-1, -1], dtype=np.int8)
    >>> one = np.ones(2, dtype=np.int64); zero = np.zeros(2, dtype=np.int64)
    >>> advance(sup, pend, zero, zero, one, zero, one, 1.0, 2, np.random.default_rng(0))
    >>> sup.tolist(), pend.tolist()
    ([False, False], [2, 2])
    """
    u = rng.random(has_supporter.shape[0], dtype=np.float32)
    if not rate > 0.0:
        return
    lost = at_risk(has_supporter, n_workers, n_60p, n_disabled_severe, size) & (
        u < np.float32(rate)
    )
    has_supporter[lost] = False
    applies = lost & (np.asarray(programme) == NONE) & (np.asarray(pending_months) < 0)
    pending_months[applies] = delay
