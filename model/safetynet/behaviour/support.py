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

from typing import Any

import numpy as np

from safetynet.constants import NONE
from safetynet.rules.compiled import rule, to_int


@rule
def at_risk(
    has_supporter: bool, n_workers: int, n_60p: int, n_disabled_severe: int, size: int
) -> bool:
    """A household whose supporter may stop supporting it this month: a supporter, nobody
    working, a member 60+ or with a grade 1–2 disability, not empty.

    >>> at_risk(True, 0, 1, 0, 1), at_risk(True, 1, 1, 0, 2), at_risk(True, 0, 0, 1, 2)
    (True, False, True)
    >>> at_risk(False, 0, 1, 0, 1), at_risk(True, 0, 0, 0, 1), at_risk(True, 0, 1, 0, 0)
    (False, False, False)
    """
    return has_supporter and n_workers == 0 and (n_60p > 0 or n_disabled_severe > 0) and size > 0


@rule
def _lose_support(
    u: Any,
    rate32: float,
    delay: int,
    has_supporter: Any,
    pending_months: Any,
    programme: Any,
    n_workers: Any,
    n_60p: Any,
    n_disabled_severe: Any,
    size: Any,
) -> None:
    """:func:`advance` after its draw, household by household (one pass, no temporaries)."""
    for i in range(u.shape[0]):
        if u[i] < rate32 and at_risk(
            bool(has_supporter[i]),
            to_int(n_workers[i]),
            to_int(n_60p[i]),
            to_int(n_disabled_severe[i]),
            to_int(size[i]),
        ):
            has_supporter[i] = False
            if programme[i] == NONE and pending_months[i] < 0:
                pending_months[i] = delay


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
    _lose_support(u, float(np.float32(rate)), int(delay), has_supporter, pending_months,
                  programme, n_workers, n_60p, n_disabled_severe, size)  # fmt: skip
