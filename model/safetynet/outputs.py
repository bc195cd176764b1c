"""Declared output variables of a run and the xarray Dataset they form.

Dims: ``scenario, replicate, county, month`` plus ``group`` (caseload groups) or ``programme``
(money lines) where it fits. All counts and money are weighted to the full population.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from safetynet.constants import GROUPS as GROUPS
from safetynet.constants import PROGRAMMES as PROGRAMMES

CORE_DIMS = ("scenario", "replicate", "county", "month")

GROUP_LABELS: dict[str, tuple[str, str]] = {
    "dibao_urban_whole": ("城市低保（整户）", "Urban dibao, whole household"),
    "dibao_urban_single": ("城市低保（单人保）", "Urban dibao, single person"),
    "dibao_rural_whole": ("农村低保（整户）", "Rural dibao, whole household"),
    "dibao_rural_single": ("农村低保（单人保）", "Rural dibao, single person"),
    "dibao_gradual_exit": ("低保渐退期", "Dibao gradual exit"),
    "tekun_dispersed": ("特困分散供养", "Tekun, dispersed care"),
    "tekun_institutional": ("特困集中供养", "Tekun, institutional care"),
    "edge": ("低保边缘家庭", "Dibao-edge families"),
    "temporary": ("临时救助", "Temporary assistance"),
}

PROGRAMME_LABELS: dict[str, tuple[str, str]] = {
    "dibao": ("最低生活保障金", "Dibao benefits"),
    "tekun_basic": ("特困基本生活费", "Tekun basic living"),
    "tekun_care": ("特困照料护理补贴", "Tekun care subsidy"),
    "temporary": ("临时救助金", "Temporary assistance"),
    "price_subsidy": ("价格临时补贴", "Price-linked subsidy"),
    "one_time_subsidy": ("一次性生活补贴", "One-time living subsidy"),
    "services": ("政府购买社会救助服务", "Purchased assistance services"),
}


@dataclass(frozen=True)
class Variable:
    """An output variable: its extra dims, unit, labels and description."""

    name: str
    extra_dims: tuple[str, ...]
    unit: str
    label_zh: str
    label_en: str
    description: str
    dtype: str = "float64"

    @property
    def dims(self) -> tuple[str, ...]:
        return (*CORE_DIMS, *self.extra_dims)


def _v(name: str, extra: tuple[str, ...], unit: str, zh: str, en: str, desc: str) -> Variable:
    return Variable(name, extra, unit, zh, en, desc)


VARIABLES: tuple[Variable, ...] = (
    _v("cases_households", ("group",), "households", "在保户数", "Households covered",
       "Households in each caseload group at the end of the month."),
    _v("cases_persons", ("group",), "persons", "在保人数", "Persons covered",
       "Covered persons in each caseload group at the end of the month."),
    _v("entries_households", ("group",), "households", "新增户数", "Households entering",
       "Households that entered the group during the month."),
    _v("exits_households", ("group",), "households", "退出户数", "Households exiting",
       "Households that left the group during the month."),
    _v("spending", ("programme",), "yuan", "支出", "Spending",
       "Money paid in the month by programme."),
    _v("price_trigger", (), "flag", "价格补贴启动", "Price subsidy triggered",
       "1 if the price-linked subsidy was triggered for the county in the month."),
    _v("price_subsidy_rate_urban", (), "yuan/person/month", "城市价格补贴标准",
       "Urban price subsidy per person", "Price-linked subsidy per covered urban person."),
    _v("price_subsidy_rate_rural", (), "yuan/person/month", "农村价格补贴标准",
       "Rural price subsidy per person", "Price-linked subsidy per covered rural person."),
    _v("services_demand", (), "yuan", "购买服务需求", "Service demand",
       "Cost of visits and care demanded by dependants in assistance households."),
    _v("services_cap", (), "yuan", "购买服务上限", "Service cap",
       "Cap share × year-to-date assistance spending, minus services already paid this year."),
    _v("services_unmet", (), "yuan", "未满足服务需求", "Unmet service demand",
       "Service demand not bought because of the cap."),
    _v("dibao_spending_urban", (), "yuan", "城市低保金支出", "Urban dibao paid",
       "Dibao paid to urban households in the month (spending of programme dibao minus this is "
       "rural dibao)."),
    _v("budget_need", (), "yuan", "资金需求", "Budget need",
       "Sum of all programme spending in the month."),
    _v("transfers", (), "yuan", "上级补助资金", "Central and provincial transfers",
       "Transfers allocated to the county by the factor method."),
    _v("county_budget", (), "yuan", "县级预算安排", "County budget", "County's own budget."),
    _v("funding_gap", (), "yuan", "资金缺口", "Funding gap",
       "Budget need − transfers − county budget (positive = shortfall)."),
    _v("eligible_households", (), "households", "符合低保条件户数", "Eligible households",
       "Households meeting the dibao income and asset test (whole or single-person)."),
    _v("eligible_covered_households", (), "households", "符合条件且在保户数",
       "Eligible households covered", "Eligible households receiving dibao."),
    _v("ineligible_covered_households", (), "households", "不符合条件在保户数",
       "Ineligible households covered", "Dibao households not meeting the test (inclusion)."),
    _v("standard_urban", (), "yuan/person/month", "城市低保标准", "Urban dibao standard",
       "County urban dibao standard in force."),
    _v("standard_rural", (), "yuan/person/month", "农村低保标准", "Rural dibao standard",
       "County rural dibao standard in force."),
    _v("floor_urban", (), "yuan/person/month", "城市低保省级指导标准", "Urban provincial floor",
       "Provincial guidance standard (floor), urban."),
    _v("floor_rural", (), "yuan/person/month", "农村低保省级指导标准", "Rural provincial floor",
       "Provincial guidance standard (floor), rural."),
    _v("tekun_standard", (), "yuan/person/month", "特困基本生活标准", "Tekun standard",
       "County tekun basic living standard in force."),
    _v("population_households", (), "households", "家庭户数", "Households",
       "Households in the county (weighted)."),
    _v("population_persons", (), "persons", "人口", "Persons", "Persons in the county."),
    # the monitored low-income population (issue 16, safetynet.monitoring; S2 二(二), S3 一(二))
    _v("tuopin_households", (), "households", "脱贫户数", "Households lifted out of poverty",
       "Households lifted out of poverty (脱贫户), covered or not."),
    _v("tuopin_at_risk_households", (), "households", "防止返贫监测户数（脱贫不稳定）",
       "Households at risk of returning to poverty",
       "脱贫 households on no programme with assessed income below monitoring.tuopin_risk_line."),
    _v("tuopin_at_risk_persons", (), "persons", "防止返贫监测人数（脱贫不稳定）",
       "Persons at risk of returning to poverty",
       "Members of the 脱贫 households at risk of returning to poverty."),
    _v("monitored_households", (), "households", "低收入监测户数（边缘及返贫风险）",
       "Monitored households (edge or at risk)",
       "Dibao-edge families or 脱贫 households at risk, each once (on no programme)."),
    _v("monitored_persons", (), "persons", "低收入监测人数（边缘及返贫风险）",
       "Monitored persons (edge or at risk)",
       "Members of the monitored households."),
)  # fmt: skip

#: county outputs computed after the monthly run from the caseloads (county_outputs.py)
COUNTY_OUTPUTS: tuple[Variable, ...] = (
    _v("tekun_institution_places", (), "places", "特困集中供养床位需求",
       "Institution places needed (tekun)",
       "Places the county must offer so that every tekun person willing to live in an "
       "institution gets one (S3 二(二)): institution_share_willing × persons in institutional "
       "care."),
    _v("temporary_township_cases", (), "households", "乡镇审批临时救助户次",
       "Temporary cases approved by the township",
       "Temporary-assistance cases whose amount is within the township approval limit "
       "(S4 四(九)); the county approves the others. Estimated from the case mix."),
    _v("temporary_advance", (), "yuan", "急难型先行救助金额", "Advance assistance paid",
       "Advance assistance (先行救助) of urgent cases, paid within the deadline up to the "
       "township limit (S4 四(九)); part of the temporary spending. Estimated from the case mix."),
    _v("temporary_case_by_case_cases", (), "households", "一事一议临时救助户次",
       "Temporary cases decided case by case",
       "Cases whose need is above the ordinary limit (一事一议, S3 二(三)). Estimated from the "
       "case mix."),
)  # fmt: skip

VARIABLE_BY_NAME: dict[str, Variable] = {v.name: v for v in (*VARIABLES, *COUNTY_OUTPUTS)}


def empty_dataset(
    scenarios: list[str],
    replicates: list[int],
    counties: list[str],
    months: np.ndarray,
    county_coords: dict[str, np.ndarray] | None = None,
) -> xr.Dataset:
    """A Dataset with every declared variable zero-filled and labelled (units in attrs)."""
    shape = {
        "scenario": len(scenarios),
        "replicate": len(replicates),
        "county": len(counties),
        "month": len(months),
        "group": len(GROUPS),
        "programme": len(PROGRAMMES),
    }
    data_vars = {}
    for v in VARIABLES:
        arr = np.zeros([shape[d] for d in v.dims], dtype=v.dtype)
        data_vars[v.name] = xr.Variable(v.dims, arr, attrs=attrs_of(v))
    coords: dict[str, object] = {
        "scenario": scenarios,
        "replicate": replicates,
        "county": counties,
        "month": months.astype("datetime64[ns]"),
        "group": list(GROUPS),
        "programme": list(PROGRAMMES),
        "group_label_zh": ("group", [GROUP_LABELS[g][0] for g in GROUPS]),
        "group_label_en": ("group", [GROUP_LABELS[g][1] for g in GROUPS]),
        "programme_label_zh": ("programme", [PROGRAMME_LABELS[p][0] for p in PROGRAMMES]),
        "programme_label_en": ("programme", [PROGRAMME_LABELS[p][1] for p in PROGRAMMES]),
    }
    for name, values in (county_coords or {}).items():
        coords[name] = ("county", values)
    return xr.Dataset(data_vars, coords=coords)


def attrs_of(v: Variable) -> dict[str, str]:
    """xarray attrs for a declared variable."""
    return {
        "units": v.unit,
        "long_name": v.label_en,
        "long_name_zh": v.label_zh,
        "description": v.description,
    }
