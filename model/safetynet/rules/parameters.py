"""The parameters the household rules read, by name: one county's values in a month.

:class:`RuleParams` is a typed ``NamedTuple``; compiled rules read it by attribute
(``p.edge_multiple``). It is built once a month for every county by
:func:`month_parameters` (the whole month) and :meth:`MonthParameters.county` (one county), and
handed to the monthly kernel, the start state, calibration, the rule cases and the
per-household Mesa reference alike.

Where a value comes from is declared once, in :data:`SOURCES` (field -> parameter path and,
for mapping or county parameters, the key). The builder is generic: a value that is one number
in force for the whole province is copied to every county; a value that is an array over the
counties (a county table, or any parameter that ``params.at(date)`` gives per county) is read
per county. A parameter therefore moves from province-wide to per-county by its data alone; no
rule changes. Fields not in :data:`SOURCES` are derived in :func:`month_parameters` (the tiered
formula's arrays, the price-subsidy groups, this month's price-subsidy rate and one-time rate).
"""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from safetynet import outputs
from safetynet.params import CountyValues, ParameterSet
from safetynet.rules.compiled import rule

FloatArray = npt.NDArray[np.float64]

#: ``benefit_formula`` codes: gap (补差), tiered by household class, tiered by income band
GAP, TIERED_CLASSES, TIERED_BANDS = 0, 1, 2
#: most income bands of the tiered formula (fixed, so that the parameters hold no arrays)
TIER_BANDS = 8
#: keys of ``dibao.tiered_shares`` in the class layout, by ``dibao.benefit_category`` code
TIERS = ("class_a", "class_b", "class_c")


class RuleParams(NamedTuple):
    """One county's household-rule parameters in force this month (units as the YAML)."""

    # dibao (parameters/dibao/*.yaml)
    standard_urban: float  # yuan/person/month, this county
    standard_rural: float
    employment_cost_deduction_share: float
    transfer_income_disregard_share: float
    rigid_expenditure_deduction_share: float
    asset_limit_months: float
    edge_multiple: float
    min_benefit: float
    benefit_formula: int  # GAP | TIERED_CLASSES | TIERED_BANDS
    tier_classes: tuple[float, float, float]  # share of standard by class (TIERS)
    tier_bounds: tuple[float, ...]  # TIER_BANDS upper bounds of income / standard (inf: unused)
    tier_paid: tuple[float, ...]  # share paid per band, TIER_BANDS + 1 (0 after the last)
    single_person_income_share: float
    single_person_disability_grade_max: int
    single_person_mental_grade_max: int
    single_person_serious_illness: bool
    gradual_exit_months: int
    # tekun (parameters/tekun/*.yaml)
    tekun_standard: float  # yuan/person/month, this county
    standard_multiple: float
    minor_age_limit: int
    elderly_age: int
    care_subsidy_able: float
    care_subsidy_partly: float
    care_subsidy_unable: float
    institution_share_willing: float
    # temporary (parameters/temporary/*.yaml)
    base_months_urgent: float
    base_months_expenditure: float
    severity_moderate: float
    severity_severe: float
    severity_major: float
    max_persons_counted: int
    duration_months_max: float
    case_by_case_threshold_months: float
    township_approval_limit: float
    advance_hours: float
    # price subsidy (parameters/price_subsidy/*.yaml; rates from the month's prices phase)
    covers_dibao: bool
    covers_tekun: bool
    covers_edge: bool
    price_rate_urban: float  # yuan/person/month, this county, this month
    price_rate_rural: float
    one_time_rate: float  # yuan/person, paid this month


#: where each field comes from: parameter path and key (mapping key or county-table key)
SOURCES: dict[str, tuple[str, str | None]] = {
    "standard_urban": ("dibao.standard", "urban"),
    "standard_rural": ("dibao.standard", "rural"),
    "employment_cost_deduction_share": ("dibao.employment_cost_deduction_share", None),
    "transfer_income_disregard_share": ("dibao.transfer_income_disregard_share", None),
    "rigid_expenditure_deduction_share": ("dibao.rigid_expenditure_deduction_share", None),
    "asset_limit_months": ("dibao.asset_limit_months", None),
    "edge_multiple": ("dibao.edge_multiple", None),
    "min_benefit": ("dibao.min_benefit", None),
    "single_person_income_share": ("dibao.single_person_income_share", None),
    "single_person_disability_grade_max": ("dibao.single_person_disability_grade_max", None),
    "single_person_mental_grade_max": ("dibao.single_person_mental_grade_max", None),
    "single_person_serious_illness": ("dibao.single_person_serious_illness", None),
    "gradual_exit_months": ("dibao.gradual_exit_months", None),
    "tekun_standard": ("tekun.basic_standard", "all"),
    "standard_multiple": ("tekun.standard_multiple", None),
    "minor_age_limit": ("tekun.minor_age_limit", None),
    "elderly_age": ("tekun.elderly_age", None),
    "care_subsidy_able": ("tekun.care_subsidy", "able"),
    "care_subsidy_partly": ("tekun.care_subsidy", "partly"),
    "care_subsidy_unable": ("tekun.care_subsidy", "unable"),
    "institution_share_willing": ("tekun.institution_share_willing", None),
    "base_months_urgent": ("temporary.base_months", "urgent"),
    "base_months_expenditure": ("temporary.base_months", "expenditure"),
    "severity_moderate": ("temporary.severity_factor", "moderate"),
    "severity_severe": ("temporary.severity_factor", "severe"),
    "severity_major": ("temporary.severity_factor", "major"),
    "max_persons_counted": ("temporary.max_persons_counted", None),
    "duration_months_max": ("temporary.duration_months_max", None),
    "case_by_case_threshold_months": ("temporary.case_by_case_threshold_months", None),
    "township_approval_limit": ("temporary.township_approval_limit", None),
    "advance_hours": ("temporary.advance_hours", None),
}

#: Dataset variables (``outputs.VARIABLES``) that are a household-rule parameter of the month,
#: one value per county: recorded (and defaulted in the county cases) under their field name
RECORDED: tuple[str, ...] = tuple(v.name for v in outputs.VARIABLES if v.name in RuleParams._fields)

_KINDS: dict[str, Any] = {
    name: hint
    for name, hint in typing.get_type_hints(RuleParams).items()
    if hint in (float, int, bool)
}


_TUPLE_SHAPES = {"tier_classes": (len(TIERS),), "tier_bounds": (TIER_BANDS,),
                 "tier_paid": (TIER_BANDS + 1,)}  # fmt: skip
_NUMPY_KIND = {float: np.float64, int: np.int64, bool: np.bool_}


def record_dtype(fields: Mapping[str, Any], shapes: Mapping[str, tuple[int, ...]]) -> np.dtype[Any]:
    """A numpy structured dtype with one field per NamedTuple field (float64, int64, bool;
    float64 sub-arrays of ``shapes``): the compiled kernel reads a record of it by the same
    attribute names (``p.edge_multiple``)."""
    spec: list[Any] = []
    for name, hint in fields.items():
        if name in shapes:
            spec.append((name, np.float64, shapes[name]))
        else:
            spec.append((name, _NUMPY_KIND[hint]))
    return np.dtype(spec, align=True)


#: one county's RuleParams as a numpy record (MonthParameters.table)
RULE_DTYPE = record_dtype(typing.get_type_hints(RuleParams), _TUPLE_SHAPES)


@rule
def rule_params_of(r: Any) -> RuleParams:
    """The :class:`RuleParams` of one record of :data:`RULE_DTYPE` (``MonthParameters.table``),
    inside compiled code: the kernel reads the county's parameters as values, not from the
    table's memory (the tiered bands stay views of the record). Fields in declaration order."""
    return RuleParams(
        r.standard_urban,
        r.standard_rural,
        r.employment_cost_deduction_share,
        r.transfer_income_disregard_share,
        r.rigid_expenditure_deduction_share,
        r.asset_limit_months,
        r.edge_multiple,
        r.min_benefit,
        r.benefit_formula,
        r.tier_classes,
        r.tier_bounds,
        r.tier_paid,
        r.single_person_income_share,
        r.single_person_disability_grade_max,
        r.single_person_mental_grade_max,
        r.single_person_serious_illness,
        r.gradual_exit_months,
        r.tekun_standard,
        r.standard_multiple,
        r.minor_age_limit,
        r.elderly_age,
        r.care_subsidy_able,
        r.care_subsidy_partly,
        r.care_subsidy_unable,
        r.institution_share_willing,
        r.base_months_urgent,
        r.base_months_expenditure,
        r.severity_moderate,
        r.severity_severe,
        r.severity_major,
        r.max_persons_counted,
        r.duration_months_max,
        r.case_by_case_threshold_months,
        r.township_approval_limit,
        r.advance_hours,
        r.covers_dibao,
        r.covers_tekun,
        r.covers_edge,
        r.price_rate_urban,
        r.price_rate_rural,
        r.one_time_rate,
    )


def read(p: Any, path: str, key: str | None) -> Any:
    """The value of ``path`` (``key``) in the snapshot ``p = params.at(date)``: a scalar, or an
    array over the counties (county tables, per-county parameters)."""
    node = p
    for part in path.split("."):
        node = getattr(node, part)
    if key is None:
        return node
    if isinstance(node, CountyValues):
        return node[key]
    try:
        return node[key]
    except KeyError:
        raise KeyError(f"parameter {path} has no key {key!r}; keys: {sorted(node)}") from None


def tiered_layout(
    formula: str, shares: Mapping[str, Any]
) -> tuple[int, tuple[float, float, float], tuple[float, ...], tuple[float, ...]]:
    """``dibao.benefit_formula`` and ``dibao.tiered_shares`` as the rules read them: formula
    code, class shares, band bounds (padded with inf to TIER_BANDS) and band shares (padded
    with 0 to TIER_BANDS + 1); see ``dibao.tiered_share``."""
    classes = (0.0, 0.0, 0.0)
    bounds: list[float] = []
    paid: list[float] = []
    if formula not in ("gap", "tiered"):
        raise ValueError(f"dibao.benefit_formula: expected 'gap' or 'tiered', got {formula!r}")
    code = GAP
    if formula == "tiered" and set(shares) <= set(TIERS):
        missing = [k for k in TIERS if k not in shares]
        if missing:
            raise KeyError(f"parameter dibao.tiered_shares has no key {missing[0]!r}")
        code = TIERED_CLASSES
        classes = (float(shares["class_a"]), float(shares["class_b"]), float(shares["class_c"]))
    elif formula == "tiered":
        try:
            bands = sorted((float(k), float(v)) for k, v in shares.items())
        except ValueError:
            raise ValueError(
                "dibao.tiered_shares: keys must be income bounds such as '0.5' or "
                f"class_a/class_b/class_c, got {sorted(shares)}"
            ) from None
        if len(bands) > TIER_BANDS:
            raise ValueError(f"dibao.tiered_shares: at most {TIER_BANDS} bands, got {len(bands)}")
        code = TIERED_BANDS
        bounds = [b for b, _ in bands]
        paid = [v for _, v in bands]
    pad = TIER_BANDS - len(bounds)
    return code, classes, (*bounds, *([np.inf] * pad)), (*paid, *([0.0] * (pad + 1)))


@dataclass(frozen=True)
class MonthParameters:
    """The month's :class:`RuleParams` values: per field a scalar (province) or an array over
    the counties (``refdata.counties()`` order)."""

    values: Mapping[str, Any]

    def county(self, c: int) -> RuleParams:
        """The parameters of the county at position ``c`` of the county table."""
        out: dict[str, Any] = {}
        for name, v in self.values.items():
            if isinstance(v, np.ndarray) and v.ndim == 1 and name in _KINDS:
                v = v[c]
            kind = _KINDS.get(name)
            out[name] = kind(v) if kind is not None else v
        return RuleParams(**out)

    def column(self, name: str, positions: npt.ArrayLike) -> FloatArray:
        """Field ``name`` of the counties at ``positions`` (a scalar field copied to each)."""
        v = np.asarray(self.values[name], dtype=np.float64)
        idx = np.asarray(positions, dtype=np.int64)
        return v[idx] if v.ndim == 1 else np.full(idx.size, float(v))

    def table(self, positions: Sequence[int]) -> npt.NDArray[np.void]:
        """:meth:`county` of each of ``positions`` as one structured array (``RULE_DTYPE``),
        built field by field: what the monthly kernel reads, one record per county."""
        idx = np.asarray(positions, dtype=np.int64)
        out = np.zeros(idx.size, dtype=RULE_DTYPE)
        for name in RuleParams._fields:
            v = self.values[name]
            if isinstance(v, np.ndarray) and v.ndim == 1 and name in _KINDS:
                out[name] = v[idx]
            else:
                out[name] = v
        return out


def month_parameters(
    params: ParameterSet,
    date: dt.date,
    price_rate_urban: npt.ArrayLike = 0.0,
    price_rate_rural: npt.ArrayLike = 0.0,
    snapshot: Any = None,
) -> MonthParameters:
    """Read the household-rule parameters in force at ``date``. ``price_rate_*``: the month's
    price-subsidy rate per person (per county, from the model's prices phase; 0 otherwise).
    ``snapshot``: ``params.at(date)`` when the caller has it already (read once a month)."""
    from safetynet.rules import price_subsidy  # price_subsidy imports this module

    p = params.at(date) if snapshot is None else snapshot
    values: dict[str, Any] = {name: read(p, path, key) for name, (path, key) in SOURCES.items()}
    formula, classes, bounds, paid = tiered_layout(
        str(p.dibao.benefit_formula), p.dibao.tiered_shares
    )
    prices = p.price_subsidy
    values.update(
        benefit_formula=formula,
        tier_classes=classes,
        tier_bounds=bounds,
        tier_paid=paid,
        covers_dibao=price_subsidy.group_flag(prices, "dibao"),
        covers_tekun=price_subsidy.group_flag(prices, "tekun"),
        covers_edge=price_subsidy.group_flag(prices, "edge"),
        price_rate_urban=np.asarray(price_rate_urban, dtype=np.float64),
        price_rate_rural=np.asarray(price_rate_rural, dtype=np.float64),
        one_time_rate=price_subsidy.one_time_rate(params, date),
    )
    for name in ("price_rate_urban", "price_rate_rural"):
        if values[name].ndim == 0:
            values[name] = float(values[name])
    return MonthParameters({f: values[f] for f in RuleParams._fields})
