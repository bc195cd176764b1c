"""Hand-built rule parameters for the rule unit tests: every number used is visible here.

``params(**changes)`` is one county's :class:`safetynet.rules.parameters.RuleParams`;
``each(rule)`` applies a scalar rule element by element over array arguments (the parameters,
a ``RuleParams``, pass through), so a test can state several hand-computed cases at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
from safetynet.params import load_parameters
from safetynet.rules.dibao import GAP, TIER_BANDS, TIERED_CLASSES
from safetynet.rules.parameters import RuleParams, month_parameters

DEFAULTS: dict[str, Any] = {
    "standard_urban": 700.0,
    "standard_rural": 500.0,
    "employment_cost_deduction_share": 0.2,
    "rigid_expenditure_deduction_share": 1.0,
    "asset_limit_months": 24.0,
    "edge_multiple": 1.5,
    "min_benefit": 30.0,
    "benefit_formula": GAP,
    "tier_classes": (0.9, 0.6, 0.3),
    "tier_bounds": (0.3, 0.6, 1.0, *([np.inf] * (TIER_BANDS - 3))),
    "tier_paid": (0.8, 0.5, 0.25, *([0.0] * (TIER_BANDS - 2))),
    "rural_formula": TIERED_CLASSES,
    "rural_classes": (1.0, 0.6, 0.45),
    "single_person_income_share": 0.0,
    "single_person_disability_grade_max": 2,
    "single_person_mental_grade_max": 4,
    "single_person_serious_illness": True,
    "gradual_exit_months": 6,
    "tekun_standard": 910.0,
    "standard_multiple": 1.3,
    "minor_age_limit": 18,
    "elderly_age": 60,
    "care_subsidy_able": 50.0,
    "care_subsidy_partly": 250.0,
    "care_subsidy_unable": 500.0,
    "institution_share_willing": 1.0,
    "base_months_urgent": 2.0,
    "base_months_expenditure": 3.0,
    "severity_moderate": 1.0,
    "severity_severe": 2.0,
    "severity_major": 4.0,
    "max_persons_counted": 5,
    "duration_months_max": 3.0,
    "case_by_case_threshold_months": 12.0,
    "township_approval_limit": 1000.0,
    "advance_hours": 48.0,
    "covers_dibao": True,
    "covers_tekun": True,
    "covers_edge": False,
    "price_rate_urban": 0.0,
    "price_rate_rural": 0.0,
    "one_time_rate": 0.0,
}


@cache
def _package() -> dict[str, Any]:
    """The package parameters of the first county in 2022-08 (fields not in DEFAULTS)."""
    return month_parameters(load_parameters(), dt.date(2022, 8, 1)).county(0)._asdict()


def params(**changes: Any) -> RuleParams:
    """One county's rule parameters: :data:`DEFAULTS` with ``changes`` (a field added to
    ``RuleParams`` later and not listed here takes the package value)."""
    unknown = set(changes) - set(RuleParams._fields)
    assert not unknown, unknown
    return RuleParams(**{**_package(), **DEFAULTS, **changes})


def each(rule: Callable[..., Any]) -> Callable[..., np.ndarray]:
    """``rule`` applied element by element over its array arguments (broadcast)."""

    def apply(*args: Any) -> np.ndarray:
        arrays = [a for a in args if not isinstance(a, RuleParams)]
        shape = np.broadcast(*[np.asarray(a) for a in arrays]).shape if arrays else ()
        cols = [
            a if isinstance(a, RuleParams) else np.broadcast_to(np.asarray(a), shape).ravel()
            for a in args
        ]
        n = int(np.prod(shape)) if shape else 1
        out = [
            rule(*(c if isinstance(c, RuleParams) else c[i].item() for c in cols)) for i in range(n)
        ]
        return np.array(out).reshape(shape)

    return apply
