"""Calibration (模型校准): fit the free parameters to the Yunnan 2019-05 facts.

Targets (``refdata.targets()``, each within ``TARGET_TOLERANCE``): urban dibao persons and
households and rural dibao persons in May 2019; urban and rural tekun spending per month
(Jan–May 2019 ÷ 5, i.e. tekun persons × (standard + care)); dibao paid per person per month,
urban and rural (Jan–May 2019). Start-month exclusion and inclusion errors must lie in the
range of the targeting literature (``population.targeting_error_range``), and the census
marginals stay within ``CENSUS_TOLERANCE`` (the generator matches them by construction).

Free parameters (written to ``parameters/calibrated/*.yaml``): the lower-tail spread of
earnings (urban, rural) and the assessment noise are fitted by ``scipy.optimize.least_squares``
(outer loop); for each outer point the take-up levels and their size slope and the tekun take-up
are solved exactly by monotone root finding (``scipy.optimize.brentq``) on the sample's own
draws (inner loop), so the fitted state reproduces the counts up to one sampled household.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml
from scipy import optimize, special

from safetynet import assessment, population, refdata
from safetynet.behaviour import initial, take_up
from safetynet.constants import DIBAO, DIBAO_SINGLE, TEKUN_DISPERSED
from safetynet.errors import InputError
from safetynet.files import written_atomically
from safetynet.params import Override, Parameter, ParameterSet, load_parameters
from safetynet.rules.parameters import month_parameters
from safetynet.schema import Households

__all__ = [
    "CALIBRATION_DATE",
    "CENSUS_TOLERANCE",
    "FREE_PARAMETERS",
    "TARGET_TOLERANCE",
    "CalibrationResult",
    "FitRow",
    "FreeParameter",
    "Outcome",
    "Target",
    "calibrate",
    "calibration_targets",
    "fit_table",
    "fitted_parameters",
    "outcome",
    "write_fit_table",
    "write_parameter_files",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

CALIBRATION_DATE = dt.date(2019, 5, 1)
#: acceptance tolerances of issue 3: calibration targets (relative) and census marginals
TARGET_TOLERANCE = 0.02
CENSUS_TOLERANCE = 0.01
#: tolerance for the disposable-income check rows (the income means are from memory)
INCOME_TOLERANCE = 0.05
#: tolerance of the unfitted start-month checks (issue 16: money 5%, persons and households 3%)
MONEY_TOLERANCE = 0.05
COUNT_TOLERANCE = 0.03


def _check_tolerance(unit: str) -> float:
    return MONEY_TOLERANCE if unit.startswith("yuan") else COUNT_TOLERANCE


#: months in the Jan–May 2019 spending totals of the monthly report
JAN_MAY_MONTHS = 5
AREAS = ("rural", "urban")  # index = int(urban)
FIT_COLUMNS = (
    "key", "group", "label_zh", "label_en", "unit", "target", "model", "error", "error_kind",
    "tolerance", "pass", "target_status", "source",
)  # fmt: skip
_LOGIT_BOUND = 30.0  # |logit| of a take-up probability is searched within this bound
_SLOPE_BOUNDS = (-4.0, 3.0)


@dataclass(frozen=True)
class FreeParameter:
    """A fitted parameter: path ``calibrated.<name>``, labels, unit, meaning, search bounds."""

    name: str
    label_zh: str
    label_en: str
    unit: str
    description: str
    lower: float
    upper: float


FREE_PARAMETERS: tuple[FreeParameter, ...] = (
    FreeParameter("income_tail_urban", "城镇低收入尾部系数", "Urban earnings lower-tail ratio",
                  "ratio", "Log-sd of urban earnings below the median ÷ population.income_sigma "
                  "urban (split-normal lower tail; >1 = fatter low tail).", 0.3, 3.0),
    FreeParameter("income_tail_rural", "农村低收入尾部系数", "Rural earnings lower-tail ratio",
                  "ratio", "Log-sd of rural earnings below the median ÷ population.income_sigma "
                  "rural.", 0.3, 3.0),
    FreeParameter("assessment_noise_urban", "城镇收入核查误差", "Urban income assessment error",
                  "log-sd", "Log-sd of assessed / true wage and farm income of urban households "
                  "(assessed = true × exp(noise × assess_z)).", 0.0, 2.5),
    FreeParameter("assessment_noise_rural", "农村收入核查误差", "Rural income assessment error",
                  "log-sd", "Log-sd of assessed / true wage and farm income of rural households.",
                  0.0, 2.5),
    FreeParameter("undetected_income_share_urban", "城镇未核实收入比例",
                  "Urban undetected income share", "share of households",
                  "Share of urban households whose wage and farm income the assessment misses "
                  "entirely (informal earnings not verified; lowest assess_z).", 0.0, 0.6),
    FreeParameter("undetected_income_share_rural", "农村未核实收入比例",
                  "Rural undetected income share", "share of households",
                  "Share of rural households whose wage and farm income the assessment misses "
                  "entirely.", 0.0, 0.6),
    FreeParameter("takeup_urban", "城市低保覆盖概率", "Urban dibao take-up", "probability",
                  "Probability that an assessed-eligible urban one-person household is covered "
                  "at the start (applied and approved).", 0.0, 1.0),
    FreeParameter("takeup_rural", "农村低保覆盖概率", "Rural dibao take-up", "probability",
                  "Probability that an assessed-eligible rural one-person household is covered "
                  "at the start.", 0.0, 1.0),
    FreeParameter("takeup_size_slope", "城市覆盖概率规模斜率", "Urban take-up size slope",
                  "log-odds per member", "Change in the log-odds of urban take-up per member "
                  "beyond the first (fits urban persons per household, 2019-05).",
                  *_SLOPE_BOUNDS),
    FreeParameter("split_share_rural", "农村单人保（分户）比例",
                  "Rural single-person coverage share", "probability",
                  "Probability that a covered rural whole-household case whose "
                  "priority members (60+, grade 1-2 disability, serious illness) are not all its "
                  "members has only those members covered (单人保 / 分户, categorical targeting; "
                  "fits rural persons per household, 1.94 in January 2020).", 0.0, 1.0),
    FreeParameter("takeup_size_slope_rural", "农村覆盖概率规模斜率", "Rural take-up size slope",
                  "log-odds per member", "Change in the log-odds of rural take-up per member "
                  "beyond the first (categorical targeting of small households; fitted when "
                  "single-person coverage alone cannot bring rural dibao households to 1.94 "
                  "persons, January 2020).", *_SLOPE_BOUNDS),
    FreeParameter("tekun_takeup_urban", "城镇特困覆盖概率", "Urban tekun take-up", "probability",
                  "Probability that an urban tekun-eligible household is covered (fits the "
                  "urban tekun persons of June 2019).", 0.0, 1.0),
    FreeParameter("tekun_takeup_rural", "农村特困覆盖概率", "Rural tekun take-up", "probability",
                  "Probability that a rural tekun-eligible household is covered (fits the "
                  "rural tekun persons of June 2019).", 0.0, 1.0),
)  # fmt: skip
_OUTER = (
    "income_tail_urban", "income_tail_rural", "assessment_noise_urban", "assessment_noise_rural",
    "undetected_income_share_urban", "undetected_income_share_rural",
)  # fmt: skip
#: weak pull of the income tails towards a plain lognormal (ratio 1): per area the benefit
#: target, the inclusion aim and the exclusion range leave one direction free
_PRIOR = {"income_tail_urban": 1.0, "income_tail_rural": 1.0}
_PRIOR_WEIGHT = 0.05
#: the exclusion range acts as a near-hard bound: a miss of _RANGE_SCALE (absolute share) costs
#: as much as missing a target by its tolerance; the fit stays _RANGE_MARGIN inside the range
_RANGE_SCALE = 0.002
_RANGE_MARGIN = 0.005
#: the inclusion error is aimed just inside the low end of its range (the literature's
#: "about half" / "a majority"), in units of _INCLUSION_SCALE
_INCLUSION_AIM_ABOVE_LOW = 0.02
_INCLUSION_SCALE = 0.01


@dataclass(frozen=True)
class Target:
    """A calibration target with its provenance."""

    key: str
    label_zh: str
    label_en: str
    value: float
    unit: str
    status: str
    source: str


def _t(
    facts: Mapping[str, refdata.Target], key: str, zh: str, en: str, factor: float = 1.0,
    unit: str | None = None, note: str = "",
) -> Target:  # fmt: skip
    try:
        f = facts[key]
    except KeyError:
        raise InputError("targets.csv", key, "a calibration target row") from None
    source = f"targets.csv {key}" + (f" {note}" if note else "")
    return Target(key, zh, en, f.value * factor, unit or f.unit, f.status, source)


def _h(key: str, zh: str, en: str, note: str) -> Target:
    """A target from a dated fact of ``history_facts.csv`` (nearest month to the start)."""
    try:
        f = refdata.history_facts()[key]
    except KeyError:
        raise InputError("history_facts.csv", key, "a calibration target row") from None
    return Target(key, zh, en, f.value, f.unit, f.status, f"history_facts.csv {key} {note}")


#: checks of the start month that are not fitted (group "check" of the fit table): tekun
#: spending follows from the tekun counts (fitted) and the official standards and care rates
CHECKS = ("urban_tekun_spending", "rural_tekun_spending", "rural_dibao_households")


def calibration_targets(facts: Mapping[str, refdata.Target] | None = None) -> dict[str, Target]:
    """The 2019-05 targets by short name (money per month; Jan–May totals ÷ 5).

    Besides the 2019-05 table: rural dibao households = rural persons 2019-05 ÷ the rural
    persons per household of January 2020 (1.94, the nearest Yunnan count of rural households),
    and tekun persons by area of June 2019 (the nearest Yunnan count). The tekun spending rows
    (:data:`CHECKS`) are reported beside them, not fitted."""
    f = refdata.targets() if facts is None else facts
    per_month = 1.0 / JAN_MAY_MONTHS
    rural = _t(f, "province_rural_dibao_persons_2019_05", "农村低保人数", "Rural dibao persons")
    pph = refdata.history_facts()["province_rural_dibao_persons_per_household_2020_01"]
    rural_households = Target(
        "province_rural_dibao_households_2019_05_derived", "农村低保户数", "Rural dibao households",
        rural.value / pph.value, "households", "verified-derived",
        f"targets.csv {rural.key} ÷ history_facts.csv {pph.key} ({pph.value:.4f})",
    )  # fmt: skip
    return {
        "rural_dibao_households": rural_households,
        "urban_tekun_persons": _h("province_urban_tekun_persons_2019_06", "城市特困人数",
                                  "Urban tekun persons", "(June 2019)"),
        "rural_tekun_persons": _h("province_rural_tekun_persons_2019_06", "农村特困人数",
                                  "Rural tekun persons", "(June 2019)"),
        "urban_dibao_persons": _t(f, "province_urban_dibao_persons_2019_05",
                                  "城市低保人数", "Urban dibao persons"),
        "urban_dibao_households": _t(f, "province_urban_dibao_households_2019_05",
                                     "城市低保户数", "Urban dibao households"),
        "rural_dibao_persons": _t(f, "province_rural_dibao_persons_2019_05",
                                  "农村低保人数", "Rural dibao persons"),
        "urban_tekun_spending": _t(f, "province_urban_tekun_spending_2019_01_2019_05",
                                   "城市特困供养支出（月）", "Urban tekun spending per month",
                                   per_month, "yuan/month", "÷ 5 months"),
        "rural_tekun_spending": _t(f, "province_rural_tekun_spending_2019_01_2019_05",
                                   "农村特困供养支出（月）", "Rural tekun spending per month",
                                   per_month, "yuan/month", "÷ 5 months"),
        "urban_benefit_per_person": _t(
            f, "province_urban_dibao_benefit_per_person_month_2019_01_2019_05",
            "城市低保月人均补助", "Urban dibao per person per month"),
        "rural_benefit_per_person": _t(
            f, "province_rural_dibao_benefit_per_person_month_2019_01_2019_05",
            "农村低保月人均补助", "Rural dibao per person per month"),
    }  # fmt: skip


# --------------------------------------------------------------------------- model outcome


@dataclass(frozen=True)
class Outcome:
    """Start-month model quantities, weighted; arrays are (rural, urban)."""

    dibao_persons: FloatArray
    dibao_households: FloatArray
    dibao_benefit: FloatArray  # yuan/month
    tekun_persons: FloatArray
    tekun_spending: FloatArray  # yuan/month (basic + care)
    exclusion: FloatArray  # share of truly eligible households not covered
    inclusion: FloatArray  # share of covered whole households not truly eligible
    income_per_person: FloatArray  # yuan/person/month (counted earnings + transfers, gross)

    @property
    def benefit_per_person(self) -> FloatArray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(self.dibao_benefit / self.dibao_persons, dtype=np.float64)


def outcome(hh: Households, seen: assessment.Assessment, true: assessment.Assessment) -> Outcome:
    """Weighted start-month quantities from the programme columns of ``hh``.

    ``seen`` is the assessment on assessed income (what is paid), ``true`` on true income (for
    the targeting errors).
    """
    w = hh["weight"].astype(np.float64)
    area = hh["urban"].astype(np.int64)
    prog = hh["programme"].astype(np.int64)
    persons = hh["covered_persons"].astype(np.float64)

    def by_area(x: npt.ArrayLike) -> FloatArray:
        out = np.bincount(area, weights=w * np.asarray(x, dtype=np.float64), minlength=2)
        return out.astype(np.float64)

    dibao = (prog == DIBAO) | (prog == DIBAO_SINGLE)
    tekun_on = prog >= TEKUN_DISPERSED
    # a whole-eligible household on DIBAO_SINGLE is a split case (categorical targeting):
    # its priority members are paid the single-person benefit each (as the kernel pays them)
    split = (prog == DIBAO_SINGLE) & np.asarray(seen.dibao_whole, dtype=bool)
    benefit = np.select([prog == DIBAO, split, prog == DIBAO_SINGLE],
                        [seen.benefit_whole, seen.benefit_alone_pp * persons,
                         seen.benefit_single], 0.0)  # fmt: skip
    whole = prog == DIBAO
    eligible = np.asarray(true.dibao_whole, dtype=bool)
    income = (hh["income_wage"].astype(np.float64) + hh["income_farm"]
              + hh["income_transfer"])  # fmt: skip
    with np.errstate(invalid="ignore", divide="ignore"):
        exclusion = 1.0 - by_area(eligible & whole) / by_area(eligible)
        inclusion = by_area(whole & ~eligible) / by_area(whole)
        income_pp = by_area(income) / by_area(hh["size"])
    return Outcome(
        dibao_persons=by_area(np.where(dibao, persons, 0.0)),
        dibao_households=by_area(dibao),
        dibao_benefit=by_area(benefit),
        tekun_persons=by_area(np.where(tekun_on, persons, 0.0)),
        tekun_spending=by_area(np.where(tekun_on, seen.tekun_basic + seen.tekun_care, 0.0)),
        exclusion=exclusion,
        inclusion=inclusion,
        income_per_person=income_pp,
    )


# --------------------------------------------------------------------------- inner solves


class _Inner:
    """Exact solves of the take-up parameters on fixed draws (one assessment)."""

    def __init__(
        self,
        hh: Households,
        seen: assessment.Assessment,
        priority_shift: float = 0.0,
        u_split: FloatArray | None = None,
    ) -> None:
        w = hh["weight"].astype(np.float64)
        urban = hh["urban"].astype(bool)
        u = np.clip(hh["propensity"].astype(np.float64), 1e-12, 1 - 1e-12)
        lu = special.logit(u)
        size = hh["size"].astype(np.float64)
        tk = np.asarray(seen.tekun, dtype=bool)
        whole = np.asarray(seen.dibao_whole, dtype=bool) & ~tk
        single = (np.asarray(seen.single_persons) > 0) & ~tk & ~whole
        # categorical targeting: the priority shift lowers each priority household's bar, so
        # it enters as an offset of its propensity's logit
        lu = lu - priority_shift * take_up.priority_members(hh).astype(np.float64)
        covered = w * size  # tekun covers every member
        # single-person coverage of the priority members (rural; initial.coverage): persons
        # covered if split, and the draw deciding it (2 = never split)
        n_prio = take_up.priority_counts(hh).astype(np.float64)
        splittable = ~urban & (n_prio > 0) & (n_prio < size)
        us = np.full(hh.n, 2.0) if u_split is None else np.where(splittable, u_split, 2.0)
        self.tekun: list[tuple[FloatArray, FloatArray]] = []
        self.whole: list[tuple[FloatArray, FloatArray, FloatArray]] = []
        self.split: list[tuple[FloatArray, FloatArray]] = []
        self.single: list[tuple[FloatArray, FloatArray, FloatArray]] = []
        for a in (False, True):
            m = urban == a
            t = tk & m
            order = np.argsort(u[t], kind="stable")
            self.tekun.append((u[t][order], np.cumsum(covered[t][order])))
            s = whole & m
            self.whole.append((lu[s], w[s], size[s] - 1.0))
            self.split.append((us[s], n_prio[s]))
            s1 = single & m
            self.single.append((lu[s1], w[s1], np.asarray(seen.single_persons, np.float64)[s1]))

    def tekun_takeup(self, area: int, target: float) -> float:
        """Smallest take-up whose covered tekun persons reach ``target``; 1 if none."""
        u_sorted, cum = self.tekun[area]
        k = int(np.searchsorted(cum, target))
        if k >= cum.size:
            return 1.0
        if k > 0 and target - cum[k - 1] < cum[k] - target:
            k -= 1
        upper = u_sorted[k + 1] if k + 1 < u_sorted.size else 1.0
        return float(min((u_sorted[k] + upper) / 2.0, 1.0))

    def counts(
        self, area: int, level: float, slope: float, share: float = 0.0
    ) -> tuple[float, float]:
        """(households, persons) covered with logit take-up ``level`` + slope × (size − 1)
        (+ the priority shift, in the stored propensity logits); whole-household cases split
        (only the priority members covered) where the split draw < ``share``."""
        lw, ww, extra = self.whole[area]
        us, n_prio = self.split[area]
        ls, ws, ns = self.single[area]
        on_w = lw < level + slope * extra
        on_s = ls < level
        members = np.where(us < share, n_prio, extra + 1.0)
        return (float(ww[on_w].sum() + ws[on_s].sum()),
                float(ww[on_w] @ members[on_w] + ws[on_s] @ ns[on_s]))  # fmt: skip

    def level_for(self, area: int, slope: float, target: float, persons: bool) -> float:
        """Logit level hitting ``target`` households (or persons) for a given slope."""
        k = 1 if persons else 0

        def gap(level: float) -> float:
            return self.counts(area, level, slope)[k] - target

        if gap(_LOGIT_BOUND) < 0.0:
            return _LOGIT_BOUND
        if gap(-_LOGIT_BOUND) > 0.0:
            return -_LOGIT_BOUND
        return float(optimize.brentq(gap, -_LOGIT_BOUND, _LOGIT_BOUND, xtol=1e-9))

    def slope_and_level(
        self, area: int, households: float, persons: float, share: float = 0.0
    ) -> tuple[float, float]:
        """(size slope, logit level) hitting ``households`` and ``persons`` of one area at split
        share ``share``: the level hits the households for each slope, the slope the persons
        (bounded)."""

        def persons_gap(slope: float) -> float:
            level = self.level_for(area, slope, households, persons=False)
            return self.counts(area, level, slope, share)[1] - persons

        lo, hi = _SLOPE_BOUNDS
        g_lo, g_hi = persons_gap(lo), persons_gap(hi)
        if g_lo <= 0.0 <= g_hi:
            slope = float(optimize.brentq(persons_gap, lo, hi, xtol=1e-6))
        else:
            slope = lo if abs(g_lo) < abs(g_hi) else hi
        return slope, self.level_for(area, slope, households, persons=False)

    def share_and_level(self, area: int, households: float, persons: float) -> tuple[float, float]:
        """(split share, logit level) hitting ``households`` and ``persons`` of one area (no
        size slope): the level fixes the households whatever the share; the share then the
        persons (persons fall as the share rises). When even a share of 1 leaves too many
        persons per household, the persons win (the total caseload is the budget's base):
        share 1 and the level hitting the persons; the households then miss (fit table)."""
        level = self.level_for(area, 0.0, households, persons=False)

        def gap(share: float) -> float:
            return self.counts(area, level, 0.0, share)[1] - persons

        if gap(0.0) <= 0.0:
            return 0.0, level
        if gap(1.0) >= 0.0:
            return 1.0, self.level_for_persons(area, 1.0, persons)
        return float(optimize.brentq(gap, 0.0, 1.0, xtol=1e-7)), level

    def rural_solve(self, households: float, persons: float) -> tuple[float, float, float]:
        """(split share, size slope, logit level) of the villages: the split share hits the
        persons with no size slope; when even a share of 1 leaves too many persons per
        household, the share is 1 and a (negative) size slope hits them (small households)."""
        share, level = self.share_and_level(0, households, persons)
        if share < 1.0:
            return share, 0.0, level
        slope, level = self.slope_and_level(0, households, persons, share=1.0)
        if slope <= _SLOPE_BOUNDS[0]:  # still too many persons: the persons win
            level = self.level_for_persons(0, 1.0, persons, slope)
        return 1.0, slope, level

    def level_for_persons(
        self, area: int, share: float, persons: float, slope: float = 0.0
    ) -> float:
        """Logit level hitting ``persons`` at split share ``share`` and size slope ``slope``."""

        def gap(level: float) -> float:
            return self.counts(area, level, slope, share)[1] - persons

        if gap(_LOGIT_BOUND) < 0.0:
            return _LOGIT_BOUND
        if gap(-_LOGIT_BOUND) > 0.0:
            return -_LOGIT_BOUND
        return float(optimize.brentq(gap, -_LOGIT_BOUND, _LOGIT_BOUND, xtol=1e-9))

    def solve(self, tg: Mapping[str, Target]) -> dict[str, float]:
        """Take-up values hitting the count targets (probabilities, size slopes by area)."""
        slope_u, level_u = self.slope_and_level(
            1, tg["urban_dibao_households"].value, tg["urban_dibao_persons"].value
        )
        share, slope_r, level_r = self.rural_solve(
            tg["rural_dibao_households"].value, tg["rural_dibao_persons"].value
        )
        return {
            "takeup_urban": float(special.expit(level_u)),
            "takeup_rural": float(special.expit(level_r)),
            "takeup_size_slope": slope_u,
            "split_share_rural": share,
            "takeup_size_slope_rural": slope_r,
            "tekun_takeup_urban": self.tekun_takeup(1, tg["urban_tekun_persons"].value),
            "tekun_takeup_rural": self.tekun_takeup(0, tg["rural_tekun_persons"].value),
        }


# --------------------------------------------------------------------------- fit


@dataclass(frozen=True)
class FitRow:
    """One line of the fit table (target vs model, error, tolerance, pass)."""

    key: str
    group: str
    label_zh: str
    label_en: str
    unit: str
    target: float
    model: float
    error: float
    error_kind: str  # relative | absolute
    tolerance: float
    passed: bool
    target_status: str
    source: str

    def as_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["pass"] = d.pop("passed")
        return {k: d[k] for k in FIT_COLUMNS}


def _rel_row(key: str, group: str, zh: str, en: str, unit: str, target: float, model: float,
             tol: float, status: str, source: str) -> FitRow:  # fmt: skip
    err = model / target - 1.0 if target else float("nan")
    ok = bool(np.isfinite(err) and abs(err) <= tol)
    return FitRow(key, group, zh, en, unit, target, model, err, "relative", tol, ok, status, source)


def _range_row(key: str, zh: str, en: str, lo: float, hi: float, model: float,
               source: str) -> FitRow:  # fmt: skip
    mid, half = (lo + hi) / 2.0, (hi - lo) / 2.0
    err = model - mid
    ok = bool(np.isfinite(model) and lo - 1e-12 <= model <= hi + 1e-12)
    return FitRow(key, "targeting", zh, en, "share of households", mid, model, err, "absolute",
                  half, ok, "from memory, unverified", source)  # fmt: skip


def _ranges(ps: ParameterSet, when: dt.date) -> tuple[dict[str, float], str]:
    p = ps["population.targeting_error_range"]
    if not isinstance(p, Parameter):
        raise InputError(p.source_file, "table", "a scalar mapping parameter, not a county table")
    entry = p.entry_at(when)
    value = entry.value
    if not isinstance(value, dict):
        raise InputError(p.source_file, "values", "a mapping of range bounds")
    return {k: float(v) for k, v in value.items()}, entry.reference


def fit_table(
    hh: Households,
    params: ParameterSet,
    counties: refdata.CountyTable | None = None,
    when: dt.date = CALIBRATION_DATE,
) -> list[FitRow]:
    """Fit rows for households whose programme state is set (``initial_state`` already run).

    Targets (relative, ``TARGET_TOLERANCE``), targeting errors (literature range), census
    marginals at province level and for the worst county (``CENSUS_TOLERANCE``), and the
    disposable-income means (``INCOME_TOLERANCE``; the means are from memory).
    """
    ct = refdata.counties() if counties is None else counties
    p = params.at(when)
    t = initial.takeup_params(p)
    month = month_parameters(params, when)
    seen = initial.assessed(hh, month, t)
    true = assessment.assess(hh, month)
    o = outcome(hh, seen, true)
    tg = calibration_targets()
    rows: list[FitRow] = []
    model_values = {
        "urban_dibao_persons": o.dibao_persons[1],
        "urban_dibao_households": o.dibao_households[1],
        "rural_dibao_persons": o.dibao_persons[0],
        "urban_tekun_spending": o.tekun_spending[1],
        "rural_tekun_spending": o.tekun_spending[0],
        "rural_dibao_households": o.dibao_households[0],
        "urban_tekun_persons": o.tekun_persons[1],
        "rural_tekun_persons": o.tekun_persons[0],
        "urban_benefit_per_person": o.benefit_per_person[1],
        "rural_benefit_per_person": o.benefit_per_person[0],
    }
    for name, target in tg.items():
        check = name in CHECKS
        # counts within TARGET_TOLERANCE (solved exactly); money within MONEY_TOLERANCE
        tol = (
            _check_tolerance(target.unit)
            if check or target.unit.startswith("yuan")
            else TARGET_TOLERANCE
        )
        rows.append(_rel_row(name, "check" if check else "target", target.label_zh,
                             target.label_en, target.unit, target.value,
                             float(model_values[name]), tol,
                             target.status, target.source))  # fmt: skip
    spend = tg["urban_tekun_spending"].value + tg["rural_tekun_spending"].value
    cost_pp = float(o.tekun_spending.sum() / max(o.tekun_persons.sum(), 1e-9))
    rows.append(_rel_row(
        "tekun_persons_implied", "check", "特困人数（支出÷人均标准与护理）",
        "Tekun persons (spending ÷ standard + care)", "persons", spend / cost_pp,
        float(o.tekun_persons.sum()), _check_tolerance("persons"), "verified-derived",
        f"Jan–May tekun spending ÷ 5 ÷ model mean standard + care ({cost_pp:.1f} "
        "yuan/person/month)",
    ))  # fmt: skip
    ranges, reference = _ranges(params, when)
    for ai, area in enumerate(AREAS):
        zh_area = "城市" if ai else "农村"
        rows.append(_range_row(f"{area}_exclusion_error", f"{zh_area}低保漏保率",
                               f"{area.capitalize()} dibao exclusion error",
                               ranges["exclusion_low"], ranges["exclusion_high"],
                               float(o.exclusion[ai]), reference))  # fmt: skip
        rows.append(_range_row(f"{area}_inclusion_error", f"{zh_area}低保错保率",
                               f"{area.capitalize()} dibao inclusion error",
                               ranges["inclusion_low"], ranges["inclusion_high"],
                               float(o.inclusion[ai]), reference))  # fmt: skip
    rows += _census_rows(hh, ct)
    income = p.population.disposable_income
    for ai, area in enumerate(AREAS):
        rows.append(_rel_row(f"{area}_income_per_person", "income",
                             f"{'城镇' if ai else '农村'}居民人均可支配收入（月）",
                             f"{area.capitalize()} income per person per month",
                             "yuan/person/month", float(income[area]),
                             float(o.income_per_person[ai]), INCOME_TOLERANCE,
                             "from memory, unverified",
                             "population.disposable_income (income_consumption.csv)"))  # fmt: skip
    return rows


_CENSUS_LABELS = {
    "households": ("家庭户数", "Family households"),
    "persons": ("家庭户人口", "Family-household persons"),
    "one_person_households": ("一人户", "One-person households"),
    "urban_share": ("城镇人口比重", "Urban share of persons"),
    "households_with_65plus": ("有65岁以上成员的户", "Households with members 65+"),
    "households_with_one_65plus": ("有1个65岁以上成员的户", "Households with one member 65+"),
    "households_with_two_65plus": ("有2个65岁以上成员的户", "Households with two members 65+"),
    "households_with_three_plus_65plus": ("有3个及以上65岁以上成员的户",
                                          "Households with three+ members 65+"),
    "age_0_15": ("0–15岁人口", "Persons aged 0–15"),
    "age_16_17": ("16–17岁人口", "Persons aged 16–17"),
    "age_18_59": ("18–59岁人口", "Persons aged 18–59"),
    "age_60p": ("60岁以上人口", "Persons aged 60+"),
    "age_65p": ("65岁以上人口", "Persons aged 65+"),
}  # fmt: skip
#: marginals whose per-county check is reported (rare cells such as households with three
#: members 65+ are checked at province level only: a few per county, rounding dominates)
_COUNTY_CHECKED = (
    "households", "persons", "one_person_households", "urban_share", "households_with_65plus",
    "age_0_15", "age_18_59", "age_60p", "age_65p",
)  # fmt: skip


def _census_rows(hh: Households, ct: refdata.CountyTable) -> list[FitRow]:
    marg = population.marginals(hh, ct)
    present = np.bincount(hh["county"].astype(np.int64), minlength=len(ct)) > 0
    rows: list[FitRow] = []
    persons_model, persons_census = marg["persons"]
    for key, (model, census) in marg.items():
        zh, en = _CENSUS_LABELS[key]
        m, c = model[present], np.asarray(census, dtype=np.float64)[present]
        if key == "urban_share":
            pm, pc = persons_model[present], persons_census[present]
            prov_m, prov_c = float(m @ pm / pm.sum()), float(c @ pc / pc.sum())
            unit = "share"
        else:
            prov_m, prov_c = float(m.sum()), float(c.sum())
            unit = "persons" if key.startswith("age") or key == "persons" else "households"
        source = "census 2020 county table (counties.csv); age bands derived, see docs"
        rows.append(_rel_row(f"census_{key}", "census", zh, en, unit, prov_c, prov_m,
                             CENSUS_TOLERANCE, "verified (source text seen)", source))  # fmt: skip
        if key in _COUNTY_CHECKED:
            with np.errstate(invalid="ignore", divide="ignore"):
                err = np.abs(m / c - 1.0)
            worst = float(np.nanmax(err)) if err.size else float("nan")
            rows.append(FitRow(f"census_{key}_worst_county", "census", f"{zh}（最差县）",
                               f"{en} (worst county)", "relative error", 0.0, worst, worst,
                               "absolute", CENSUS_TOLERANCE,
                               bool(np.isfinite(worst) and worst <= CENSUS_TOLERANCE),
                               "verified (source text seen)", source))  # fmt: skip
    return rows


@dataclass(frozen=True)
class CalibrationResult:
    """Fitted values (by free-parameter name), the fit table and how the fit went."""

    values: dict[str, float]
    rows: list[FitRow]
    sample_fraction: float
    search_fraction: float
    seed: int
    evaluations: int
    seconds: float
    optimizer_message: str

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.rows)


def fitted_parameters(params: ParameterSet, values: Mapping[str, float]) -> ParameterSet:
    """``params`` with ``calibrated.<name>`` replaced by ``values`` from CALIBRATION_DATE."""
    return params.with_overrides(
        [Override(f"calibrated.{k}", CALIBRATION_DATE, value=float(v)) for k, v in values.items()]
    )


def calibrate(
    sample_fraction: float = 1.0,
    seed: int = 0,
    params: ParameterSet | None = None,
    counties: refdata.CountyTable | None = None,
    search_fraction: float = 0.05,
    max_evaluations: int = 200,
    progress: Callable[[str], None] | None = None,
) -> CalibrationResult:
    """Fit the ``calibrated.*`` parameters and return the values and the fit table.

    1. Search, on a sample of ``min(search_fraction, sample_fraction)``: each least-squares
       evaluation recomputes earnings for the candidate income tails, assesses every household
       on assessed and true income and solves the take-up values exactly (inner solve).
    2. Final, on ``sample_fraction`` (default: every household): the take-up values are solved
       again on this population with the fitted tails and assessment errors, so the counts
       hold at the scale a simulation uses, not just on the search sample.
    3. The fit table comes from a fresh ``generate`` + ``initial_state`` with the fitted values
       (seed ``seed``, replicate 0): exactly what a simulation starting in May 2019 sees.

    ``progress(message)`` is called after each search evaluation and each step.
    """
    started = time.perf_counter()
    ct = refdata.counties() if counties is None else counties
    ps = load_parameters() if params is None else params
    tg = calibration_targets()
    say = progress if progress is not None else (lambda message: None)
    search = min(search_fraction, sample_fraction)
    values, evaluations, message = _search(ps, ct, tg, search, seed, max_evaluations, say)
    say(f"final take-up solve on sample fraction {sample_fraction:g}")
    fitted = fitted_parameters(ps, values)
    final = population.generate(ct, sample_fraction, seed, 0, params=fitted, date=CALIBRATION_DATE)
    shift = _priority_shift(ps)
    seen = initial.assessed(final, month_parameters(ps, CALIBRATION_DATE), _takeup(values, shift))
    values.update(_Inner(final, seen, shift, initial.split_draws(final, seed, 0)).solve(tg))
    del seen
    fitted = fitted_parameters(ps, values)
    initial.initial_state(final, fitted, CALIBRATION_DATE, seed, 0)
    say("fit table")
    rows = fit_table(final, fitted, ct, CALIBRATION_DATE)
    return CalibrationResult(values, rows, sample_fraction, search, seed, evaluations,
                             time.perf_counter() - started, message)  # fmt: skip


def _search(
    ps: ParameterSet,
    ct: refdata.CountyTable,
    tg: Mapping[str, Target],
    fraction: float,
    seed: int,
    max_evaluations: int,
    say: Callable[[str], None],
) -> tuple[dict[str, float], int, str]:
    """Least-squares search of the outer parameters on a sample (inner take-up solved exactly).

    Returns every free parameter's value at the optimum, the evaluations and the message.
    """
    month = month_parameters(ps, CALIBRATION_DATE)
    p = ps.at(CALIBRATION_DATE)
    ranges, _ = _ranges(ps, CALIBRATION_DATE)
    hh = population.generate(ct, fraction, seed, 0, params=ps, date=CALIBRATION_DATE)
    base_pp = population.population_params(ps, CALIBRATION_DATE)
    spec = {f.name: f for f in FREE_PARAMETERS}
    lo = np.array([spec[n].lower for n in _OUTER])
    hi = np.array([spec[n].upper for n in _OUTER])
    x0 = np.clip([float(getattr(p.calibrated, n)) for n in _OUTER], lo + 1e-6, hi - 1e-6)
    evaluations = 0
    best: list[tuple[float, FloatArray]] = []
    shift = _priority_shift(ps)
    u_split = initial.split_draws(hh, seed, 0)

    def values_at(x: FloatArray) -> tuple[dict[str, float], FloatArray]:
        values = dict(zip(_OUTER, (float(v) for v in x), strict=True))
        tails = np.array([values["income_tail_rural"], values["income_tail_urban"]])
        population.assign_market_income(hh, dataclasses.replace(base_pp, income_tail=tails), ct)
        seen = initial.assessed(hh, month, _takeup(dict(values, **_NEUTRAL_TAKEUP), shift))
        values.update(_Inner(hh, seen, shift, u_split).solve(tg))
        _set_state(hh, seen, _takeup(values, shift), u_split)
        o = outcome(hh, seen, assessment.assess(hh, month))
        return values, _residual_vector(o, tg, ranges, values)

    def residuals(x: FloatArray) -> FloatArray:
        nonlocal evaluations
        if evaluations >= max_evaluations:
            raise _BudgetSpent
        evaluations += 1
        r = values_at(x)[1]
        cost = float(r @ r)
        if not best or cost < best[0][0]:
            best[:] = [(cost, np.array(x, dtype=np.float64))]
        say(f"search {evaluations}: cost {cost:.4g}")
        return r

    try:
        fit = optimize.least_squares(
            residuals, x0, bounds=(lo, hi), diff_step=0.03, x_scale=_X_SCALE,
            max_nfev=max_evaluations, xtol=1e-4, ftol=1e-6,
        )  # fmt: skip
        message = str(fit.message)
    except _BudgetSpent:
        message = f"stopped after {max_evaluations} evaluations (best point kept)"
    values, _ = values_at(best[0][1])
    return {f.name: float(values[f.name]) for f in FREE_PARAMETERS}, evaluations, message


class _BudgetSpent(Exception):
    """The search used its evaluations (finite-difference ones included)."""


#: typical size of each outer parameter (least-squares x_scale), in the order of _OUTER
_X_SCALE = np.array([0.3, 0.3, 0.2, 0.2, 0.1, 0.1])
_NEUTRAL_TAKEUP = {"takeup_urban": 0.5, "takeup_rural": 0.5, "takeup_size_slope": 0.0,
                   "split_share_rural": 0.0, "takeup_size_slope_rural": 0.0,
                   "tekun_takeup_urban": 0.5,
                   "tekun_takeup_rural": 0.5}  # fmt: skip


def _priority_shift(ps: ParameterSet) -> float:
    """``behaviour.priority_takeup_shift`` at the start month (categorical targeting, not
    fitted: the counts do not identify it)."""
    return float(ps.at(CALIBRATION_DATE).behaviour.priority_takeup_shift)


def _takeup(values: Mapping[str, float], priority_shift: float = 0.0) -> initial.TakeUp:
    return initial.TakeUp(
        urban=values["takeup_urban"], rural=values["takeup_rural"],
        size_slope=values["takeup_size_slope"], tekun_urban=values["tekun_takeup_urban"],
        tekun_rural=values["tekun_takeup_rural"],
        noise_urban=values["assessment_noise_urban"], noise_rural=values["assessment_noise_rural"],
        undetected_urban=values["undetected_income_share_urban"],
        undetected_rural=values["undetected_income_share_rural"],
        split_rural=values["split_share_rural"], priority_shift=priority_shift,
        size_slope_rural=values["takeup_size_slope_rural"],
    )  # fmt: skip


def _set_state(
    hh: Households, seen: assessment.Assessment, t: initial.TakeUp, u_split: FloatArray
) -> None:
    programme, persons = initial.coverage(hh, seen, t, u_split)
    hh["programme"] = programme
    hh["covered_persons"] = persons


def _outside(x: float, lo: float, hi: float) -> float:
    """Distance of ``x`` outside [lo, hi] (0 inside; 1 if not a number)."""
    if not np.isfinite(x):
        return 1.0
    return max(lo - x, 0.0, x - hi)


def _residual_vector(
    o: Outcome, tg: Mapping[str, Target], ranges: Mapping[str, float], values: Mapping[str, float]
) -> FloatArray:
    """Residuals: targets in units of their tolerance, exclusion outside its range, inclusion
    from its aim, and the weak prior on the income tails."""
    tol = TARGET_TOLERANCE
    ben = o.benefit_per_person
    r = [
        (ben[1] / tg["urban_benefit_per_person"].value - 1.0) / tol,
        (ben[0] / tg["rural_benefit_per_person"].value - 1.0) / tol,
        (o.dibao_persons[1] / tg["urban_dibao_persons"].value - 1.0) / tol,
        (o.dibao_households[1] / tg["urban_dibao_households"].value - 1.0) / tol,
        (o.dibao_persons[0] / tg["rural_dibao_persons"].value - 1.0) / tol,
        (o.dibao_households[0] / tg["rural_dibao_households"].value - 1.0) / tol,
        (o.tekun_persons[1] / tg["urban_tekun_persons"].value - 1.0) / tol,
        (o.tekun_persons[0] / tg["rural_tekun_persons"].value - 1.0) / tol,
    ]
    aim = ranges["inclusion_low"] + _INCLUSION_AIM_ABOVE_LOW
    for ai in (0, 1):
        r.append(_outside(float(o.exclusion[ai]), ranges["exclusion_low"] + _RANGE_MARGIN,
                          ranges["exclusion_high"] - _RANGE_MARGIN) / _RANGE_SCALE)  # fmt: skip
        r.append((float(o.inclusion[ai]) - aim) / _INCLUSION_SCALE)
    for name, centre in _PRIOR.items():
        r.append(_PRIOR_WEIGHT * (values[name] - centre))
    out = np.array(r, dtype=np.float64)
    return np.where(np.isfinite(out), out, 1e3)


# --------------------------------------------------------------------------- writing


def _atomic_write(path: Path, text: str) -> None:
    with written_atomically({"file": path}) as tmp:
        tmp["file"].write_text(text, encoding="utf-8", newline="")


#: free parameters that vary by county (fitted per county to a planner's caseloads: inputs.py)
LOCAL_TAKEUP = frozenset(
    {"takeup_urban", "takeup_rural", "tekun_takeup_urban", "tekun_takeup_rural"}
)


def parameter_documents(
    values: Mapping[str, float], sample_fraction: float, seed: int
) -> dict[str, str]:
    """YAML text per free parameter (file name -> text) in the parameter-file format."""
    out: dict[str, str] = {}
    for f in FREE_PARAMETERS:
        if f.name not in values:
            raise InputError("calibration", f.name, "a fitted value for every free parameter")
        doc = {
            "label": {"zh": f.label_zh, "en": f.label_en},
            "unit": f.unit,
            "description": f.description,
            "type": "number",
            "min": f.lower,
            "max": f.upper,
            **({"varies_by": "county"} if f.name in LOCAL_TAKEUP else {}),
            "values": [{
                "from": CALIBRATION_DATE.isoformat(),
                "value": round(float(values[f.name]), 6),
                "status": "calibrated",
                "reference": "safetynet calibrate: Yunnan 2019-05 targets (targets.csv; tekun "
                             "persons June 2019 and rural persons per household January 2020 "
                             "from history_facts.csv), fit table "
                             "model/safetynet/data/calibration_fit.csv",
                "note": f"sample fraction {sample_fraction:g}, seed {seed}; see "
                        "docs/population.md (Calibration)",
            }],
        }  # fmt: skip
        out[f"{f.name}.yaml"] = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)
    return out


def write_parameter_files(
    values: Mapping[str, float], directory: Path, sample_fraction: float, seed: int
) -> list[Path]:
    """Write ``calibrated/*.yaml`` files into ``directory`` (atomically, all or nothing)."""
    docs = parameter_documents(values, sample_fraction, seed)  # validates before writing
    paths = []
    for name, text in docs.items():
        path = directory / name
        _atomic_write(path, text)
        paths.append(path)
    return paths


def _fmt(x: Any) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, float):
        return "" if not np.isfinite(x) else f"{x:.10g}"
    return str(x)


def fit_csv(rows: Sequence[FitRow]) -> str:
    """The fit table as CSV text (columns ``FIT_COLUMNS``)."""
    buf = io.StringIO()
    wr = csv.writer(buf, lineterminator="\n")
    wr.writerow(FIT_COLUMNS)
    for r in rows:
        d = r.as_dict()
        wr.writerow([_fmt(d[c]) for c in FIT_COLUMNS])
    return buf.getvalue()


def write_fit_table(
    rows: Sequence[FitRow], csv_path: Path, json_path: Path | None = None,
    meta: Mapping[str, Any] | None = None,
) -> None:  # fmt: skip
    """Write the fit table as CSV (and JSON with ``meta``) atomically."""
    text = fit_csv(rows)
    body = None
    if json_path is not None:
        data = {"meta": dict(meta or {}),
                "rows": [{k: (None if isinstance(v, float) and not np.isfinite(v) else v)
                          for k, v in r.as_dict().items()} for r in rows]}  # fmt: skip
        body = json.dumps(data, ensure_ascii=False, indent=1)
    _atomic_write(csv_path, text)
    if json_path is not None and body is not None:
        _atomic_write(json_path, body + "\n")
