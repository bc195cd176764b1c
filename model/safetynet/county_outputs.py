"""County outputs the rule book asks for, computed after the monthly run from its Dataset.

Added to every run by :func:`add_county_outputs` (called by ``simulation.assemble``; variables
declared in :data:`safetynet.outputs.COUNTY_OUTPUTS`), per scenario × replicate × county × month:

- ``tekun_institution_places``: institution places the county must offer, places
  (S3 二(二): every tekun person willing to live in an institution gets a place) —
  ``rules.tekun.institution_places_needed`` of the persons in institutional care (in the model
  every willing person is placed, so they are the willing ones);
- ``temporary_township_cases``, ``temporary_case_by_case_cases``: temporary-assistance cases the
  township approves itself (amount within ``temporary.township_approval_limit``; the county
  approves the rest) and cases whose need is above the ordinary limit (一事一议), household-cases
  (S4 四(九) 县、乡两级审批; S3 二(三));
- ``temporary_advance``: advance assistance (先行救助) paid within ``temporary.advance_hours`` for
  urgent cases, up to the township limit, yuan (S4 四(九); paid from the township reserve funds
  临时救助备用金).

The temporary-assistance outputs use the same rules as the monthly step
(``assessment.temporary_amount``, ``rules.temporary.township_approves``, ``advance_payment``,
``is_case_by_case``) on the month's cases of the county split by case type: urgent/expenditure ×
severe/moderate in the shares of ``behaviour.temporary_urgent_share`` and
``behaviour.temporary_severe_share`` (one uniform draw decides both in the monthly step, so
severe cases are the urgent ones first), household size from the cases' persons per case (split
between the two neighbouring sizes to keep the mean). Shock cases (urgent, major hardship) are
counted with this ordinary mix (ASSUMED): in shock months the township cases are overstated and
the advance understated. Status: estimated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from safetynet import outputs, refdata
from safetynet.assessment import temporary_amount
from safetynet.params import ParameterSet
from safetynet.rules import tekun, temporary
from safetynet.rules.compiled import rule
from safetynet.rules.parameters import RuleParams, month_parameters

FloatArray = npt.NDArray[np.float64]

#: case types of the split: (kind, severity)
CASE_TYPES: tuple[tuple[int, int], ...] = (
    (temporary.URGENT, temporary.SEVERE),
    (temporary.URGENT, temporary.MODERATE),
    (temporary.EXPENDITURE, temporary.SEVERE),
    (temporary.EXPENDITURE, temporary.MODERATE),
)
#: largest household size tabulated (sizes above count as this one; the amount counts at most
#: ``temporary.max_persons_counted`` members, whose YAML maximum is 20)
MAX_SIZE = 21


@rule
def case_table(p: RuleParams, out: FloatArray) -> None:
    """Per case type (:data:`CASE_TYPES`) and household size 1..MAX_SIZE: township approves
    (1/0), advance paid (yuan/case), case by case (1/0), into ``out[type, size - 1, 0:3]``."""
    limit = temporary.case_by_case_limit(p)
    for t in range(4):
        kind = temporary.URGENT if t < 2 else temporary.EXPENDITURE
        severity = temporary.SEVERE if t % 2 == 0 else temporary.MODERATE
        months = temporary.case_months(p, kind)
        for s in range(MAX_SIZE):
            granted = temporary_amount(p, kind, severity, s + 1, months)
            need = temporary.need(p, kind, severity, s + 1, months)
            out[t, s, 0] = 1.0 if temporary.township_approves(p, granted) else 0.0
            out[t, s, 1] = temporary.advance_payment(p, kind, granted)
            out[t, s, 2] = 1.0 if temporary.is_case_by_case(need, limit) else 0.0


@rule
def places_needed(p: RuleParams, willing: FloatArray, out: FloatArray) -> None:
    """:func:`rules.tekun.institution_places_needed` of each element of ``willing``."""
    for i in range(willing.shape[0]):
        out[i] = tekun.institution_places_needed(p, willing[i])


def type_shares(urgent_share: float, severe_share: float) -> FloatArray:
    """Shares of :data:`CASE_TYPES` among ordinary cases: in the monthly step one uniform ``v``
    makes a case urgent if ``v < urgent_share`` and severe if ``v < severe_share``."""
    u = min(max(urgent_share, 0.0), 1.0)
    s = min(max(severe_share, 0.0), 1.0)
    both = min(u, s)
    return np.array([both, u - both, s - both, 1.0 - max(u, s)], dtype=np.float64)


def _same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether two months' parameter values are equal (parameters change on a few dates)."""
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def _month(m: np.datetime64) -> dt.date:
    return pd.Timestamp(m).date()


def add_county_outputs(ds: xr.Dataset, ps: ParameterSet) -> None:
    """Add :data:`safetynet.outputs.COUNTY_OUTPUTS` to ``ds`` (dims scenario, replicate, county,
    month), from its caseloads and the parameters ``ps`` of the run."""
    table = refdata.counties()
    positions = [int(i) for i in table.index_of([str(c) for c in ds["county"].values])]
    cases = ds["cases_households"].sel(group="temporary").values  # s, r, c, t
    persons = ds["cases_persons"].sel(group="temporary").values
    willing = ds["cases_persons"].sel(group="tekun_institutional").values
    n_c, n_t = cases.shape[2], cases.shape[3]
    places = np.zeros_like(willing)
    per_size = np.zeros((n_c, n_t, MAX_SIZE, 3), dtype=np.float64)
    tables: dict[RuleParams, FloatArray] = {}  # parameters change on a few dates only
    column = np.zeros(willing.shape[0] * willing.shape[1], dtype=np.float64)
    last: tuple[Mapping[str, Any], list[RuleParams]] | None = None
    for t, m in enumerate(ds["month"].values):
        when = _month(m)
        behaviour = ps.at(when).behaviour
        shares = type_shares(
            float(behaviour.temporary_urgent_share), float(behaviour.temporary_severe_share)
        )
        month = month_parameters(ps, when)
        if last is None or not _same(month.values, last[0]):
            last = (month.values, [month.county(pos) for pos in positions])
        for c, p in enumerate(last[1]):
            places_needed(p, np.ascontiguousarray(willing[:, :, c, t]).ravel(), column)
            places[:, :, c, t] = column.reshape(willing.shape[:2])
            grid = tables.get(p)
            if grid is None:
                grid = np.zeros((len(CASE_TYPES), MAX_SIZE, 3), dtype=np.float64)
                case_table(p, grid)
                tables[p] = grid
            per_size[c, t] = np.tensordot(shares, grid, axes=1)  # size × (township, advance, cbc)
    with np.errstate(divide="ignore", invalid="ignore"):
        size = np.clip(np.where(cases > 0, persons / cases, 1.0), 1.0, float(MAX_SIZE))
    low = np.floor(size).astype(np.int64)
    frac = (size - low)[..., None]
    high = np.minimum(low + 1, MAX_SIZE)
    ci = np.arange(n_c)[None, None, :, None]
    ti = np.arange(n_t)[None, None, None, :]
    mix = per_size[ci, ti, low - 1] * (1.0 - frac) + per_size[ci, ti, high - 1] * frac
    values = {
        "tekun_institution_places": places,
        "temporary_township_cases": cases * mix[..., 0],
        "temporary_advance": cases * mix[..., 1],
        "temporary_case_by_case_cases": cases * mix[..., 2],
    }
    for v in outputs.COUNTY_OUTPUTS:
        ds[v.name] = (v.dims, values[v.name], outputs.attrs_of(v))
