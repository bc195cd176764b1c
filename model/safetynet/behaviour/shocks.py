"""Shocks (因疫因灾): which households a disaster or epidemic hits, how long it lasts, when it ends.

A shock hits ``severity`` of a county's households in its first month (one draw per household
from the county's ``shocks`` stream) and lasts ``months`` months. While it lasts a household
keeps ``1 − behaviour.shock_income_loss`` of its wage and farm income and its applications are
decided at once (S4 四(十)). Each household carries two bytes of shock state, set here before
the compiled household step reads them:

- ``shock_left`` (int8): months of the shock left, this month included (0 = not shocked);
- ``shock_event`` (int8): :data:`HIT` in the month the shock hits the household (urgent
  temporary assistance goes to households newly in need, S4 四(九), not again in each month of
  the shock), :data:`HIT_COVERED` instead when the household is :func:`covered` at the start of
  that month (on whole-household dibao or tekun: S4 四(九) gives temporary assistance to those
  whose basic living is still in severe difficulty *after* the other programmes cover them,
  其他社会救助制度覆盖后; the shock's income loss is absorbed by the
  dibao benefit, revised in the month of the hit on the assessed income
  (``assessment.dibao_benefit_held``), and does not touch tekun basic
  living: no urgent case, the ordinary crisis incidence still applies), :data:`ENDED` in the
  first month after it (its income is back: a review of its dibao is due, S4 四(十) "及时纳入"
  and dynamic management, POLICY.md review frequency), :data:`NO_EVENT` otherwise.

The historical shock calendar (the 2020 epidemic) is :func:`history_events`, from dated
parameters (``behaviour.history_shock_*``): part of every run whose months cover it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from safetynet.constants import DIBAO, TEKUN_DISPERSED

#: ``shock_event`` codes
NO_EVENT: Final = 0
HIT: Final = 1
ENDED: Final = 2
HIT_COVERED: Final = 3  # hit while covered (see :func:`covered`): income falls, no urgent case


@dataclass(frozen=True)
class ShockEvent:
    """A disaster or epidemic hitting ``severity`` of the households of some counties
    (indices into the county table) for ``months`` months from ``start``."""

    county_indices: tuple[int, ...]
    start: dt.date
    months: int
    severity: float


def covered(programme: Any, exit_months_left: Any) -> Any:
    """Households (or one household) whose basic living a shock's income loss leaves covered,
    S4 四(九) "其他社会救助制度覆盖后": on whole-household dibao and not in a gradual exit (the
    benefit is the gap to the standard on the assessed income, revised in the month of the hit,
    ``assessment.dibao_benefit_held``: a fall in income raises it), or on tekun (basic living
    paid whatever the income). Not covered: no programme, single-person dibao (the other members
    are not covered), a gradual exit (last month's amount is paid).

    >>> covered(np.array([0, 1, 1, 2, 3, 4]), np.array([0, 0, 4, 0, 0, 0])).tolist()
    [False, True, False, False, True, True]
    """
    prog = np.asarray(programme)
    return ((prog == DIBAO) & (np.asarray(exit_months_left) == 0)) | (prog >= TEKUN_DISPERSED)


def advance(
    left: np.ndarray,
    event: np.ndarray,
    shocks: Sequence[ShockEvent],
    date: dt.date,
    county: int,
    rng: np.random.Generator,
    programme: np.ndarray,
    exit_months_left: np.ndarray,
) -> None:
    """One month of shock state for one county's households, in place: the countdown
    (``left`` − 1; a household whose shock ran out is marked :data:`ENDED`), then the shocks
    starting this month in ``county`` (a household hit gets ``left = months`` and
    :data:`HIT`, or :data:`HIT_COVERED` when it is :func:`covered` by its ``programme`` and
    ``exit_months_left`` at the start of the month, also when it was still shocked; one
    uniform per household and shock from ``rng``, the county's ``shocks`` stream).

    >>> left = np.array([0, 1, 2], dtype=np.int8); ev = np.zeros(3, dtype=np.int8)
    >>> none = np.zeros(3, dtype=np.int8)
    >>> advance(left, ev, [], dt.date(2020, 1, 1), 0, np.random.default_rng(0), none, none)
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
            event[hit] = np.where(covered(programme[hit], exit_months_left[hit]), HIT_COVERED, HIT)


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
