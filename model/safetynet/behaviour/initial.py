"""Programme state at the start month (初始状态): who is on dibao or tekun, edge, pending.

The administration sees each household's counted income with an assessment error: wage and farm
income are missed entirely for the households with the lowest ``assess_z`` (a share
``calibrated.undetected_income_share_urban`` / ``_rural``: informal earnings that checks do not
find) and multiplied by exp(``calibrated.assessment_noise_urban`` / ``_rural`` × ``assess_z``) for
the others (pensions are known from records). On that assessed income the rules (via
:mod:`safetynet.assessment`) decide tekun, whole-household and single-person dibao eligibility. An
eligible household is covered when its persistent ``propensity`` is below its take-up probability,
so near-threshold ineligible households with understated income are covered too (inclusion error)
and eligible households with overstated income or low propensity are not (exclusion error).
Institutional care and pending applications are drawn on ``stream(seed, "initial", county,
replicate)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special

from safetynet import assessment
from safetynet.behaviour import take_up
from safetynet.constants import DIBAO, DIBAO_SINGLE, NONE, TEKUN_DISPERSED, TEKUN_INSTITUTIONAL
from safetynet.params import Branch, ParameterSet
from safetynet.rules.parameters import MonthParameters, month_parameters
from safetynet.schema import Households
from safetynet.streams import stream

__all__ = [
    "TakeUp",
    "assessed",
    "assessment_factor",
    "coverage",
    "initial_state",
    "takeup_params",
    "takeup_probability",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class TakeUp:
    """Calibrated take-up and assessment parameters (``calibrated.*``).

    ``urban`` / ``rural``: probability that an eligible one-person household without a priority
    member is covered; ``size_slope`` / ``size_slope_rural``: change in the log-odds of urban /
    rural take-up per extra member;
    ``split_rural``: probability that a covered rural household whose priority members are not
    all its members has only those members covered (单人保 / 分户, categorical targeting);
    ``priority_shift``: change in the
    log-odds where the household has a priority member (``behaviour.priority_takeup_shift``,
    :func:`take_up.priority_member`); ``tekun_urban`` /
    ``tekun_rural``: probability that a tekun-eligible household is covered; ``noise_*``: log-sd of
    assessed / true market income; ``undetected_*``: share of households whose market income the
    assessment misses.
    """

    urban: float | FloatArray
    rural: float | FloatArray
    size_slope: float
    tekun_urban: float | FloatArray
    tekun_rural: float | FloatArray
    noise_urban: float
    noise_rural: float
    undetected_urban: float
    undetected_rural: float
    split_rural: float = 0.0
    size_slope_rural: float = 0.0
    priority_shift: float = 0.0


def takeup_params(p: Branch) -> TakeUp:
    """Read ``calibrated.*`` from a parameter snapshot (``params.at(date)``)."""
    c = p.calibrated
    return TakeUp(
        urban=float(c.takeup_urban),
        rural=float(c.takeup_rural),
        size_slope=float(c.takeup_size_slope),
        tekun_urban=float(c.tekun_takeup_urban),
        tekun_rural=float(c.tekun_takeup_rural),
        noise_urban=float(c.assessment_noise_urban),
        noise_rural=float(c.assessment_noise_rural),
        undetected_urban=float(c.undetected_income_share_urban),
        undetected_rural=float(c.undetected_income_share_rural),
        split_rural=float(c.split_share_rural),
        size_slope_rural=float(c.takeup_size_slope_rural),
        priority_shift=float(p.behaviour.priority_takeup_shift),
    )


def local_takeup(p: Branch, county: npt.ArrayLike) -> TakeUp:
    """:func:`takeup_params` with the take-up of each household's county (``county``: county
    table positions, one per household): ``calibrated.takeup_*`` vary by county (fitted to a
    planner's caseloads, ``safetynet.inputs``)."""
    c = p.calibrated
    idx = np.asarray(county, dtype=np.int64)
    return replace(
        takeup_params(p),
        urban=c.per_county("takeup_urban")[idx],
        rural=c.per_county("takeup_rural")[idx],
        tekun_urban=c.per_county("tekun_takeup_urban")[idx],
        tekun_rural=c.per_county("tekun_takeup_rural")[idx],
    )


def assessment_factor(hh: Households, t: TakeUp) -> npt.NDArray[np.float32]:
    """Assessed / true wage and farm income per household, ratio: 0 where ``assess_z`` is
    below the ``undetected`` quantile of N(0,1), else exp(noise × assess_z) (urban or rural
    values by the household's residence)."""
    urban = hh["urban"]
    z = hh["assess_z"]
    shares = np.clip([t.undetected_rural, t.undetected_urban], 0.0, 1.0)
    cut = special.ndtri(shares).astype(np.float32)[urban.astype(np.int64)]
    noise = np.where(urban, np.float32(t.noise_urban), np.float32(t.noise_rural))
    return np.where(z < cut, np.float32(0.0), np.exp(noise * z)).astype(np.float32)


def assessed(hh: Households, month: MonthParameters, t: TakeUp) -> assessment.Assessment:
    """The rules applied to the income the administration sees (see module docstring);
    ``month``: the household-rule parameters of the month (``rules.parameters``)."""
    return assessment.assess(hh, month, income_factor=assessment_factor(hh, t))


def takeup_probability(
    size: npt.ArrayLike, urban: npt.ArrayLike, t: TakeUp, priority: npt.ArrayLike = False
) -> FloatArray:
    """Take-up probability of an eligible household: logistic(logit(base) + slope × (size − 1)
    + ``t.priority_shift`` × priority), base = ``t.urban`` or ``t.rural`` by residence, slope =
    ``t.size_slope`` (urban) or ``t.size_slope_rural``; ``priority``: the household has a
    priority member (:func:`take_up.priority_member`)."""
    is_urban = np.asarray(urban, dtype=bool)
    base = np.where(is_urban, t.urban, t.rural)
    slope = np.where(is_urban, t.size_slope, t.size_slope_rural)
    logit = special.logit(np.clip(base, 1e-12, 1 - 1e-12))
    extra = np.asarray(size, dtype=np.float64) - 1.0
    shift = t.priority_shift * np.asarray(priority, dtype=np.float64)
    return np.asarray(special.expit(logit + slope * extra + shift), dtype=np.float64)


def split_draws(hh: Households, seed: int, replicate: int) -> FloatArray:
    """One uniform per household on ``stream(seed, "split", county, replicate)`` (rows of a
    county in order): the start-month draw of single-person coverage (:func:`coverage`)."""
    out = np.empty(hh.n, dtype=np.float64)
    for county, rows in _county_rows(hh["county"]):
        out[rows] = stream(seed, "split", county, replicate).random(rows.size)
    return out


def coverage(
    hh: Households,
    a: assessment.Assessment,
    t: TakeUp,
    u_split: FloatArray | None = None,
    probabilities: tuple[FloatArray, FloatArray] | None = None,
) -> tuple[IntArray, IntArray]:
    """Programme code (0 none, 1 dibao whole, 2 dibao single, 3 tekun) and persons covered.

    Deterministic given the household's ``propensity``: tekun-eligible households are covered when
    propensity < ``t.tekun_urban`` / ``t.tekun_rural``; whole-household dibao when propensity <
    take-up(size, priority); single-person dibao (members of edge families who qualify alone) when
    propensity < take-up(1, priority). A covered rural whole-household case whose priority
    members are not all its members has only those covered where ``u_split`` < ``t.split_rural``
    (单人保 / 分户, :func:`take_up.split_persons`; no split when ``u_split`` is None).
    Institutional vs dispersed tekun is decided in :func:`initial_state`. ``probabilities``:
    :func:`whole_and_single_take_up` of ``hh``, when the caller has them.
    """
    u = hh["propensity"].astype(np.float64)
    size = hh["size"].astype(np.int64)
    urban = hh["urban"]
    p_whole, p_single = whole_and_single_take_up(hh, t) if probabilities is None else probabilities
    tk = a.tekun & (u < np.where(urban, t.tekun_urban, t.tekun_rural))
    whole = a.dibao_whole & ~tk & (u < p_whole)
    single = (a.single_persons > 0) & ~tk & ~whole & (u < p_single)
    n_prio = take_up.priority_counts(hh)
    split = (
        whole
        & ~np.asarray(urban, dtype=bool)
        & (n_prio > 0)
        & (n_prio < size)
        & (np.ones(hh.n, dtype=bool) if u_split is None else (u_split < t.split_rural))
    )
    if u_split is None:
        split[:] = False
    whole_only = whole & ~split
    programme = np.select(
        [tk, whole_only, split | single], [TEKUN_DISPERSED, DIBAO, DIBAO_SINGLE], NONE
    )
    persons = np.select(
        [tk | whole_only, split, single], [size, n_prio, np.asarray(a.single_persons)], 0
    )
    return programme.astype(np.int64), persons.astype(np.int64)


def whole_and_single_take_up(hh: Households, t: TakeUp) -> tuple[FloatArray, FloatArray]:
    """:func:`takeup_probability` of each household of ``hh`` as a whole-household case (its
    size) and as a single-person case (size 1), with its priority members."""
    prio = take_up.priority_members(hh)
    urban = hh["urban"]
    return (
        takeup_probability(hh["size"], urban, t, prio),
        takeup_probability(1, urban, t, prio),
    )


def base_take_up(
    a: assessment.Assessment,
    urban: npt.ArrayLike,
    t: TakeUp,
    probabilities: tuple[FloatArray, FloatArray],
) -> FloatArray:
    """Calibrated take-up probability for the programme each household is eligible for:
    tekun, whole-household dibao (by size) or single-person dibao (as a one-person household);
    ``probabilities``: :func:`whole_and_single_take_up` of the households."""
    is_urban = np.asarray(urban, dtype=bool)
    out: FloatArray = np.select(
        [a.tekun, a.dibao_whole, a.single_persons > 0],
        [np.where(is_urban, t.tekun_urban, t.tekun_rural), *probabilities],
        0.0,
    )
    return out


def _county_rows(county: npt.NDArray[Any]) -> list[tuple[int, IntArray]]:
    """(county, row positions in order) for each county present."""
    order = np.argsort(county, kind="stable")
    values, starts = np.unique(county[order], return_index=True)
    ends = [*starts[1:].tolist(), int(order.size)]
    return [(int(c), order[s:e]) for c, s, e in zip(values, starts, ends, strict=True)]


#: households per block of counties in :func:`initial_state` (bounds its temporary memory)
BLOCK_HOUSEHOLDS = 500_000


def initial_state(
    hh: Households,
    params: ParameterSet,
    when: dt.date,
    seed: int,
    replicate: int,
    block_households: int = BLOCK_HOUSEHOLDS,
) -> None:
    """Set the programme state columns of ``hh`` in place for the start month ``when``.

    ``programme``, ``covered_persons`` from :func:`coverage` on the assessed income; tekun
    households choose institutional care with ``behaviour.tekun_institution_share`` by
    self-care level (places for all who are willing, S3 二(二)); ``edge`` = dibao-edge family
    not covered; ``exit_months_left`` = 0 (no one starts in a gradual exit); eligible
    households not covered but willing to take up (see :func:`base_take_up`) have a pending
    application with probability application probability × processing delay, decided in
    1..delay months (``pending_months`` counts down to the decision, −1 = none): none is
    decided in the start month itself, so the start month shows the calibrated caseload.

    Counties are set in blocks of about ``block_households`` households (whole counties, so
    the result does not depend on the block size), which bounds the temporary memory.
    """
    p = params.at(when)
    month = month_parameters(params, when)
    t = takeup_params(p)
    n = hh.n
    state = {
        "programme": np.empty(n, dtype=np.int8),
        "covered_persons": np.empty(n, dtype=np.int8),
        "edge": np.empty(n, dtype=bool),
        "pending_months": np.empty(n, dtype=np.int8),
    }
    counties = _county_rows(hh["county"])
    block: list[tuple[int, IntArray]] = []
    size = 0
    for i, (county, rows) in enumerate(counties):
        block.append((county, rows))
        size += rows.size
        if size >= block_households or i == len(counties) - 1:
            rows_all = np.concatenate([r for _, r in block])
            values = _initial_block(hh.take(rows_all), block, p, month, t, seed, replicate)
            for name, v in values.items():
                state[name][rows_all] = v
            block, size = [], 0
    for name, v in state.items():
        hh[name] = v
    hh["exit_months_left"] = np.zeros(n, dtype=np.int8)


def _initial_block(
    hh: Households,
    counties: list[tuple[int, IntArray]],
    p: Branch,
    month: MonthParameters,
    t: TakeUp,
    seed: int,
    replicate: int,
) -> dict[str, npt.NDArray[Any]]:
    """:func:`initial_state` for the households of some whole counties (``hh``: their rows,
    county after county in ``counties`` order)."""
    a = assessed(hh, month, t)
    local = local_takeup(p, hh["county"])
    probabilities = whole_and_single_take_up(hh, local)
    programme, persons = coverage(hh, a, local, split_draws(hh, seed, replicate), probabilities)
    n = hh.n
    u_inst = np.empty(n, dtype=np.float32)
    u_pend = np.empty(n, dtype=np.float32)
    start = 0
    for county, rows in counties:
        draws = stream(seed, "initial", county, replicate).random((2, rows.size), dtype=np.float32)
        u_inst[start : start + rows.size] = draws[0]
        u_pend[start : start + rows.size] = draws[1]
        start += rows.size
    willing = u_inst < take_up.institution_share(hh["care_level"], p.behaviour)
    # places for all who are willing (S3 二(二): rules.tekun.care_mode with a place)
    mode = np.where(willing, TEKUN_INSTITUTIONAL, TEKUN_DISPERSED)
    programme = np.where(programme == TEKUN_DISPERSED, mode, programme)
    # the county's processing delay (varies by county), months
    delay = p.behaviour.per_county("processing_delay_months").astype(np.int64)[hh["county"]]
    eligible = a.tekun | a.dibao_whole | (a.single_persons > 0)
    # only households willing to take up apply (the same test as the monthly applications
    # phase); at the start they are covered already unless active discovery is in force
    base = base_take_up(a, hh["urban"], local, probabilities)
    discovery = p.behaviour.per_county("discovery_rate")[hh["county"]]
    willing_take_up = hh["propensity"] < take_up.take_up_probability(
        base, np.ones(n), p.behaviour, discovery
    )
    waiting = eligible & (programme == NONE) & willing_take_up
    prob = take_up.application_probability(
        a.expected_benefit_pp, np.zeros(n, dtype=bool), p
    ).astype(np.float64)
    pending = waiting & (u_pend < np.minimum(prob * delay, 1.0)) & (delay > 0)
    due = 1 + np.floor(u_pend / np.maximum(prob, 1e-12)).astype(np.int64)
    return {
        "programme": programme,
        "covered_persons": persons,
        "edge": a.edge & (programme == NONE),
        "pending_months": np.where(pending, np.clip(due, 1, np.maximum(delay, 1)), -1),
    }
