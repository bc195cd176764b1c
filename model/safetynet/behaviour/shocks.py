"""Shocks (因疫因灾): which households a disaster or epidemic hits, how long it lasts, when it ends.

A shock hits ``severity`` of a county's households in its first month (one draw per household
from the county's ``shocks`` stream) and lasts ``months`` months. While it lasts a household
keeps ``1 − behaviour.shock_income_loss`` of its wage and farm income and its applications are
decided at once (S4 四(十)). Each household carries two bytes of shock state, set here before
the compiled household step reads them:

- ``shock_left`` (int8): months of the shock left, this month included (0 = not shocked);
- ``shock_event`` (int8): :data:`HIT` in the month the shock hits the household (urgent
  temporary assistance goes to households newly in need, S4 四(九), not again in each month of
  the shock), :data:`ENDED` in the first month after it (its income is back: a review of its
  dibao is due, S4 四(十) "及时纳入" and dynamic management, POLICY.md review frequency),
  :data:`NO_EVENT` otherwise.

The historical shock calendar (the 2020 epidemic) is :func:`history_events`, from dated
parameters (``behaviour.history_shock_*``): part of every run whose months cover it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

#: ``shock_event`` codes
NO_EVENT: Final = 0
HIT: Final = 1
ENDED: Final = 2


@dataclass(frozen=True)
class ShockEvent:
    """A disaster or epidemic hitting ``severity`` of the households of some counties
    (indices into the county table) for ``months`` months from ``start``."""

    county_indices: tuple[int, ...]
    start: dt.date
    months: int
    severity: float


def advance(
    left: np.ndarray,
    event: np.ndarray,
    shocks: Sequence[ShockEvent],
    date: dt.date,
    county: int,
    rng: np.random.Generator,
) -> None:
    """One month of shock state for one county's households, in place: the countdown
    (``left`` − 1; a household whose shock ran out is marked :data:`ENDED`), then the shocks
    starting this month in ``county`` (a household hit gets ``left = months`` and
    :data:`HIT`, also when it was still shocked; one uniform per household and shock from
    ``rng``, the county's ``shocks`` stream).

    >>> left = np.array([0, 1, 2], dtype=np.int8); ev = np.zeros(3, dtype=np.int8)
    >>> advance(left, ev, [], dt.date(2020, 1, 1), 0, np.random.default_rng(0))
    >>> left.tolist(), ev.tolist()
    ([0, 0, 1], [0, 2, 0])
    """
    event[...] = NO_EVENT
    event[left == 1] = ENDED
    np.subtract(left, 1, out=left, where=left > 0)
    for s in shocks:
        if s.start == date and county in s.county_indices:
            hit = rng.random(left.shape[0]) < s.severity
            left[hit] = s.months
            event[hit] = HIT


def history_events(months: Sequence[dt.date], params: Any, n_counties: int) -> list[ShockEvent]:
    """The historical shocks (dated parameters ``behaviour.history_shock_share``: share of
    households hit in each county by a shock starting that month, lasting
    ``behaviour.history_shock_months``) that start within ``months``; every county.

    A month whose share is 0 starts nothing (the parameter is 0 outside the shock months).
    """
    out: list[ShockEvent] = []
    every = tuple(range(n_counties))
    for d in months:
        b = params.at(d).behaviour
        share = float(b.history_shock_share)
        if share > 0.0:
            out.append(ShockEvent(every, d, int(b.history_shock_months), share))
    return out
