"""Rule cases (规则案例): small YAML files a civil-affairs officer can read and write.

A case gives a month, optional parameter overrides, one household with its members (and/or a
few counties), and the outputs the rules must give, with a margin. ``safetynet cases PATH...``
and pytest (tests/test_cases.py) run the same files. The format and every variable name are
documented in docs/cases.md; this module holds the loader, the one-household evaluation (it
calls the functions of :mod:`safetynet.rules` in the engine's order) and the runner.

Expected values may be arithmetic written as text, e.g. ``(640 - 300) * 2``; they are read by
:func:`safe_eval`, which accepts numbers, + - * /, parentheses, unary minus, min() and max()
only (never ``eval``).
"""

from __future__ import annotations

import ast
import datetime as dt
import difflib
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from safetynet import assessment, guard, refdata
from safetynet.constants import (
    CARE_LEVELS,
    DIBAO,
    DIBAO_SINGLE,
    MENTAL_DISABILITY,
    NO_DISABILITY,
    NONE,
    OTHER_DISABILITY,
    PROGRAMME_NAMES,
    PROGRAMMES,
)
from safetynet.errors import InputError, ParameterError
from safetynet.params import CountyParameter, Override, Parameter, ParameterSet, load_parameters
from safetynet.rules import checks, dibao, funding, price_subsidy, services, tekun, temporary
from safetynet.rules.compiled import plain
from safetynet.rules.dibao import TIERS
from safetynet.rules.parameters import RECORDED, month_parameters
from safetynet.schema import PERSON_COLUMN_BY_NAME

DEFAULT_MARGIN = 0.01
#: overrides in a case replace the parameter at every date from this day on
EPOCH = dt.date(1900, 1, 1)
MAX_EXPRESSION = 200

CASE_KEYS = (
    "name",
    "description",
    "reference",
    "period",
    "overrides",
    "household",
    "context",
    "counties",
    "expected",
    "margin",
)


class CaseError(InputError):
    """A case file or one of its cases is malformed: names the file, the case and the key."""


# ------------------------------------------------------------------ safe arithmetic


_BINOPS: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}
_FUNCS: dict[str, Callable[..., float]] = {"min": min, "max": max}


def safe_eval(text: str) -> float:
    """Value of a small arithmetic expression: numbers, + - * /, (), unary minus, min, max.

    >>> safe_eval("(640 - 300) * 2")
    680.0
    >>> safe_eval("max(10, 640 * 0.031)")
    19.84
    """
    if len(text) > MAX_EXPRESSION:
        raise ValueError(f"expression longer than {MAX_EXPRESSION} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
        value = float(_eval_node(tree.body))
    except (SyntaxError, RecursionError, MemoryError):
        raise ValueError(f"not an arithmetic expression: {text[:60]!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text[:60]!r}")
    return value


def _eval_node(node: ast.AST) -> float:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise ValueError(f"only numbers are allowed, got {node.value!r}")
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _eval_node(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        left, right = _eval_node(node.left), _eval_node(node.right)
        if isinstance(node.op, ast.Div) and right == 0.0:
            raise ValueError("division by zero")
        return _BINOPS[type(node.op)](left, right)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCS
        and node.args
        and not node.keywords
    ):
        return float(_FUNCS[node.func.id](*(_eval_node(a) for a in node.args)))
    raise ValueError("only numbers, + - * /, parentheses, unary minus, min() and max() are allowed")


# ------------------------------------------------------------------ variables


@dataclass(frozen=True)
class Var:
    """A case variable: kind (number, integer, bool, label, code, list), unit, default, labels."""

    name: str
    kind: str
    unit: str
    default: Any
    zh: str
    en: str
    choices: tuple[str, ...] = ()


DISABILITIES = ("none", "physical", "visual", "hearing", "speech", "intellectual", "mental",
                "multiple")  # fmt: skip
PROGRAMME_LABELS = tuple(PROGRAMME_NAMES[k] for k in sorted(PROGRAMME_NAMES))
CHOICES: dict[str, tuple[str, ...]] = {
    "disability": DISABILITIES,
    "care_level": CARE_LEVELS,
    "programme": PROGRAMME_LABELS,
    "temporary_kind": ("none", *temporary.KINDS),
    "temporary_severity": temporary.SEVERITIES,
    "dibao_category": TIERS,
}

# name | kind | unit | default ("" = required or computed) | 中文 | English
_MEMBER = """
age | integer | years | | 年龄 | Age in completed years (required)
disability | label | - | none | 残疾类别 | Kind of disability
disability_grade | integer | grade | 0 | 残疾等级 | Grade 1–4 (1 = most severe), 0 = none
serious_illness | bool | - | false | 重病患者 | Seriously ill
works | bool | - | false | 就业 | Has work (counts as a worker)
care_level | label | - | able | 自理能力 | Self-care: able / partly / unable
income_wage | number | yuan/month | 0 | 工资性收入 | Wage income
income_farm | number | yuan/month | 0 | 经营性收入 | Farm and business income
income_transfer | number | yuan/month | 0 | 转移性收入 | Transfer income (pensions, …)
"""
_HOUSEHOLD = """
members | list | - | | 家庭成员 | List of members (required)
urban | bool | - | | 城镇户 | Urban (urban standard) or rural residence (required)
county | code | - | | 所在县 | County code (default: the first county, 530102)
income_wage | number | yuan/month | 0 | 工资性收入 | Wage income not given per member
income_farm | number | yuan/month | 0 | 经营性收入 | Farm/business income not given per member
income_transfer | number | yuan/month | 0 | 转移性收入 | Transfer income not given per member
assets | number | yuan | 0 | 金融资产 | Financial assets of the household
exp_medical | number | yuan/month | 0 | 医疗支出 | Out-of-pocket medical spending
exp_schooling | number | yuan/month | 0 | 教育支出 | Schooling spending
exp_disability | number | yuan/month | 0 | 残疾支出 | Disability-related spending
has_supporter | bool | - | false | 有法定赡养人 | A legally obliged supporter able to support
tuopin | bool | - | false | 脱贫户 | Out-of-poverty household (not used by the rules)
programme | label | - | none | 上月救助类别 | Programme last month
covered_persons | integer | persons | | 上月保障人数 | Persons covered last month (default: size)
exit_months_left | integer | months | 0 | 渐退剩余月数 | Gradual-exit months left last month
benefit_last_month | number | yuan/month | 0 | 上月低保金 | Dibao paid last month
rise_from_work | bool | - | false | 因就业增收 | Income rose through work or a new business
willing_institution | bool | - | false | 愿意集中供养 | Wants institutional care (tekun)
institution_place | bool | - | true | 有供养床位 | An institution place is available
temporary_kind | label | - | none | 临时救助类型 | none / urgent 急难型 / expenditure 支出型
temporary_severity | label | - | moderate | 困难程度 | moderate / severe / major
temporary_duration_months | number | months | 1 | 困难持续月数 | Months the difficulty lasts
"""
_CONTEXT = """
cpi_yoy_pct | number | percent | 0 | CPI同比 | Province CPI YoY of the index month
food_cpi_yoy_pct | number | percent | 0 | 食品CPI同比 | Province food CPI YoY of the index month
prefecture_cpi_yoy_pct | number | percent | nan | 州市CPI同比 | Prefecture CPI YoY (or province)
prefecture_food_cpi_yoy_pct | number | percent | nan | 州市食品CPI同比 | Prefecture food CPI YoY
local_cpi_threshold_pct | number | percent | nan | 地方CPI启动条件 | Local CPI threshold
local_food_cpi_threshold_pct | number | percent | nan | 地方食品启动条件 | Local food threshold
services_paid_ytd | number | yuan | 0 | 本年已购服务 | County services paid this year so far
assistance_spending_ytd | number | yuan | nan | 本年其他救助支出 | Other spending YTD (none: no cap)
"""
_COUNTY = """
code | code | - | | 县代码 | County code (required)
workload | number | - | 0 | 任务量 | Workload factor (e.g. caseload)
fiscal_difficulty | number | - | 0 | 财政困难程度 | Fiscal difficulty factor
fiscal_effort | number | - | 0 | 财政努力程度 | Fiscal effort factor
performance | number | - | 0 | 工作绩效 | Performance factor
standard_urban | number | yuan/person/month | | 城市低保标准 | Urban standard (or parameters)
standard_rural | number | yuan/person/month | | 农村低保标准 | Rural standard (or parameters)
tekun_standard | number | yuan/person/month | | 特困基本生活标准 | Tekun standard (or parameters)
services_paid | number | yuan | 0 | 购买服务支出 | Purchased services paid in the year
assistance_spending | number | yuan | 0 | 救助资金总支出 | Spending in the year incl. services
temporary_per_case | number | yuan/case | 0 | 临时救助人次均 | Per case this year
temporary_per_case_last_year | number | yuan/case | nan | 上年人次均 | Per case last year
band_route | bool | - | false | 按增幅确定标准 | Standard set by the 10% rise route
price_trigger_months | integer | months | 0 | 联动启动月数 | Months the price trigger held
price_paid_months | integer | months | 0 | 已发放月数 | Months the price subsidy was paid
"""
_HOUSEHOLD_OUT = """
size | integer | persons | | 家庭人口 | Members
dibao_standard | number | yuan/person/month | | 低保标准 | County standard for the residence type
counted_income | number | yuan/month | | 核算家庭收入 | Income counted after deductions
per_capita_income | number | yuan/person/month | | 家庭人均收入 | Counted income per member
asset_limit | number | yuan | | 资产上限 | Financial asset limit
assets_ok | bool | - | | 财产符合规定 | Assets within the limit
able_bodied | integer | persons | | 有劳动能力人数 | Members presumed able to work
tekun_eligible | bool | - | | 符合特困条件 | Eligible for tekun
dibao_eligible | bool | - | | 符合整户低保条件 | Eligible for whole-household dibao
dibao_category | label | - | | 分档类别 | class_a / class_b / class_c (tiered formula)
dibao_benefit_per_person | number | yuan/person/month | | 人均低保金 | Benefit per person
edge | bool | - | | 低保边缘家庭 | Dibao-edge family
single_person_candidates | integer | persons | | 可单人保人数 | Members who may be covered alone
single_person_count | integer | persons | | 单人保人数 | Members covered alone
gradual_exit_start | bool | - | | 进入渐退期 | Gradual exit starts this month
exit_months_left | integer | months | | 渐退剩余月数 | Exit months left, counting this month
gradual_exit | bool | - | | 渐退期内 | Paid under the gradual exit this month
programme | label | - | | 救助类别 | Programme this month
covered_persons | integer | persons | | 保障人数 | Persons covered this month
dibao_benefit | number | yuan/month | | 低保金 | Dibao paid to the household
tekun_standard | number | yuan/person/month | | 特困基本生活标准 | County tekun standard
tekun_floor | number | yuan/person/month | | 特困标准下限 | multiple × urban dibao standard
tekun_basic | number | yuan/month | | 特困基本生活费 | Tekun basic living paid
tekun_care | number | yuan/month | | 照料护理补贴 | Tekun care subsidy paid
temporary_need | number | yuan/case | | 临时救助测算额 | Assessed need
temporary_limit | number | yuan/case | | 一事一议起点 | Ordinary limit (case by case above)
temporary_case_by_case | bool | - | | 一事一议 | Need above the ordinary limit
temporary_amount | number | yuan/case | | 临时救助金 | Amount granted
temporary_township_approves | bool | - | | 乡镇审批 | Township approves (within its limit)
temporary_advance | number | yuan/case | | 先行救助 | Advance paid within 48 hours
price_index_month | label | - | | 所用物价指数月份 | Month of the index used (YYYY-MM)
price_cpi_trigger | bool | - | | CPI启动 | CPI reaches its threshold
price_food_trigger | bool | - | | 食品CPI启动 | Food CPI reaches its threshold
price_trigger | bool | - | | 联动机制启动 | Either index triggers
price_rise_pct | number | percent | | 计算涨幅 | Rise the subsidy is computed on
price_rate | number | yuan/person/month | | 价格临时补贴标准 | Subsidy per covered person
price_persons | integer | persons | | 补贴人数 | Members receiving the subsidy
price_subsidy | number | yuan/month | | 价格临时补贴 | Price subsidy paid to the household
one_time_subsidy | number | yuan | | 一次性生活补贴 | One-time living subsidy paid
services_dependants | integer | persons | | 需服务人数 | Dependants needing visits and care
services_demand | number | yuan/month | | 服务需求 | Cost of the services demanded
services_headroom | number | yuan | | 服务可用额度 | Room left under the cap (inf: no cap)
services_allowed | number | yuan/month | | 购买服务 | Services bought
services_unmet | number | yuan/month | | 未满足需求 | Demand not bought
total_paid | number | yuan/month | | 救助金合计 | Dibao + tekun + temporary + price + one-time
"""
_COUNTY_OUT = """
budget_need | number | yuan | | 资金需求 | Sum of the spending lines
transfer_pool | number | yuan | | 上级补助资金总额 | transfer_share × total need (one value)
factor_share | number | share | | 因素法分配比例 | County's weighted factor share
transfers | number | yuan | | 上级补助资金 | Transfers to the county
county_budget | number | yuan | | 县级预算 | County's own budget
funding_gap | number | yuan | | 资金缺口 | need − transfers − county budget
tekun_floor_amount | number | yuan/person/month | | 特困标准下限 | multiple × urban standard
services_cap_amount | number | yuan | | 购买服务上限 | cap_share × assistance spending
rise_band_limit_urban | number | yuan/person/month | | 城市增幅上限 | urban floor × (1 + band)
rise_band_limit_rural | number | yuan/person/month | | 农村增幅上限 | rural floor × (1 + band)
"""


def _default(kind: str, text: str) -> Any:
    if text == "":
        return None
    if kind == "bool":
        return text == "true"
    if kind == "integer":
        return int(text)
    if kind == "number":
        return float(text)
    return text


def _table(text: str) -> tuple[Var, ...]:
    out = []
    for line in text.strip().splitlines():
        name, kind, unit, default, zh, en = (x.strip() for x in line.split("|"))
        out.append(Var(name, kind, unit, _default(kind, default), zh, en, CHOICES.get(name, ())))
    return tuple(out)


MEMBER_VARS = _table(_MEMBER)
HOUSEHOLD_VARS = _table(_HOUSEHOLD)
CONTEXT_VARS = _table(_CONTEXT)
COUNTY_VARS = (
    *_table(_COUNTY)[:1],
    *(Var(f"spending_{k}", "number", "yuan", 0.0, f"{k}支出", f"Need for {k}") for k in PROGRAMMES),
    *_table(_COUNTY)[1:],
)
HOUSEHOLD_OUTPUTS = _table(_HOUSEHOLD_OUT)
COUNTY_OUTPUTS = (
    *_table(_COUNTY_OUT),
    *(
        Var(f"check_{name}", "bool", "-", None, zh, en)
        for name, (zh, en) in checks.LABELS.items()
        if name != "local_threshold"
    ),
)
INPUTS: dict[str, dict[str, Var]] = {
    "member": {v.name: v for v in MEMBER_VARS},
    "household": {v.name: v for v in HOUSEHOLD_VARS},
    "context": {v.name: v for v in CONTEXT_VARS},
    "county": {v.name: v for v in COUNTY_VARS},
}
OUTPUTS: dict[str, Var] = {v.name: v for v in (*HOUSEHOLD_OUTPUTS, *COUNTY_OUTPUTS)}
HOUSEHOLD_OUTPUT_NAMES = frozenset(v.name for v in HOUSEHOLD_OUTPUTS)


# ------------------------------------------------------------------ cases


@dataclass(frozen=True)
class Case:
    """One rule case, validated."""

    file: str
    name: str
    period: dt.date
    overrides: tuple[Override, ...]
    household: Mapping[str, Any] | None
    context: Mapping[str, Any]
    counties: tuple[Mapping[str, Any], ...]
    expected: Mapping[str, Any]
    margin: float
    description: str = ""
    reference: str = ""

    @property
    def id(self) -> str:
        return f"{Path(self.file).name}::{self.name}"


@dataclass(frozen=True)
class Row:
    """One expected output compared with the rules' value."""

    variable: str
    expected: Any
    actual: Any
    ok: bool
    diff: float | None = None


@dataclass(frozen=True)
class CaseResult:
    """A case with its compared rows."""

    case: Case
    rows: tuple[Row, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return all(r.ok for r in self.rows)


class _Where:
    """Builds CaseErrors that name the file and the case."""

    def __init__(self, file: str, case: str) -> None:
        self.file = file
        self.case = case

    def error(self, key: str, expected: str, got: str = "") -> CaseError:
        return CaseError(self.file, f"case {self.case!r}: {key}", expected, got)


def _unknown(key: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(known), n=2)
    return f"got {key!r}" + (f"; did you mean {' or '.join(close)}?" if close else "")


def _in_unit_range(w: _Where, key: str, var: Var, value: float) -> None:
    """Case inputs within the range of their unit (``input_limits.yaml`` ``case_units``)."""
    lo, hi = guard.unit_range(var.unit, "case_units")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise w.error(key, f"a value within [{lo:g}, {hi:g}] ({var.unit})", guard.short(value))


def _check_value(w: _Where, key: str, var: Var, value: Any) -> Any:
    """Validate one input value against its variable spec; returns the normalised value."""
    kind = var.kind
    if kind == "bool":
        if not isinstance(value, bool):
            raise w.error(key, "true or false", f"got {value!r}")
        return value
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise w.error(key, "a whole number", f"got {guard.short(value)}")
        _in_unit_range(w, key, var, value)
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise w.error(key, f"a number ({var.unit})", f"got {guard.short(value)}")
        if not math.isfinite(float(value)):
            raise w.error(key, "a finite number", f"got {value!r}")
        _in_unit_range(w, key, var, value)
        return float(value)
    if kind == "label":
        if value not in var.choices:
            raise w.error(key, f"one of {list(var.choices)}", f"got {value!r}")
        return value
    if kind == "code":
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise w.error(key, "a county code such as 530102", f"got {value!r}")
        return str(value)
    raise AssertionError(kind)  # pragma: no cover


def _inputs(
    w: _Where, where: str, raw: Any, group: str, required: Sequence[str] = ()
) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise w.error(where, "a mapping of variable: value", f"got {type(raw).__name__}")
    known = INPUTS[group]
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or key not in known:
            raise w.error(
                f"{where}.{key}",
                f"a known {group} variable (docs/cases.md)",
                _unknown(str(key), known),
            )
        if key == "members":
            continue
        out[key] = _check_value(w, f"{where}.{key}", known[key], value)
    for key in required:
        if key not in raw:
            raise w.error(f"{where}.{key}", "a value (required)")
    for name, var in known.items():
        if name not in out and name != "members":
            out.setdefault(name, var.default)
    return out


def _household(w: _Where, raw: Any) -> dict[str, Any]:
    hh = _inputs(w, "household", raw, "household", required=("urban", "members"))
    members = raw["members"]
    if not isinstance(members, list) or not members:
        raise w.error("household.members", "a non-empty list of members")
    if len(members) > guard.limit("case_members"):
        raise w.error(
            "household.members", f"at most {guard.limit('case_members')} members", str(len(members))
        )
    hh["members"] = [
        _inputs(w, f"household.members[{i}]", m, "member", required=("age",))
        for i, m in enumerate(members)
    ]
    for i, m in enumerate(hh["members"]):
        if m["age"] < 0:
            raise w.error(f"household.members[{i}].age", "an age ≥ 0", f"got {m['age']}")
        if (m["disability"] == "none") != (m["disability_grade"] == 0):
            raise w.error(
                f"household.members[{i}]",
                "disability and disability_grade (1–4) given together",
                f"got {m['disability']!r} grade {m['disability_grade']}",
            )
        if not 0 <= m["disability_grade"] <= 4:
            raise w.error(f"household.members[{i}].disability_grade", "a grade 1–4")
    return hh


def _period(w: _Where, raw: Any) -> dt.date:
    if isinstance(raw, dt.date):
        return raw.replace(day=1)
    if isinstance(raw, str):
        for fmt in ("%Y-%m", "%Y-%m-%d"):
            try:
                return dt.datetime.strptime(raw.strip(), fmt).date().replace(day=1)
            except ValueError:
                continue
    raise w.error("period", "a month like 2022-08", f"got {raw!r}")


def _overrides(w: _Where, raw: Any, params: ParameterSet, period: dt.date) -> tuple[Override, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise w.error("overrides", "a mapping of parameter path: value")
    out: list[Override] = []
    for path, value in raw.items():
        key = f"overrides.{path}"
        path = str(path)
        if path in params:
            p = params[path]
            if isinstance(p, CountyParameter):
                out += _county_override(w, key, p, value)
            else:
                out.append(_scalar_override(w, key, p, value))
            continue
        parent, _, sub = path.rpartition(".")
        if parent in params and isinstance(params[parent], Parameter):
            mp = params[parent]
            assert isinstance(mp, Parameter)
            if mp.type == "mapping":
                out.append(_mapping_key_override(w, key, mp, sub, value, out, period))
                continue
        raise w.error(
            key, "a known parameter path (docs/architecture.md)", _unknown(path, params.paths())
        )
    return tuple(out)


def _bounded(w: _Where, key: str, p: Parameter | CountyParameter, value: Any) -> float:
    """A number given for parameter ``p`` within its bounds (``guard.parameter_bounds``)."""
    try:
        return guard.check_parameter_value(w.file, key, p, value)
    except InputError as exc:
        raise w.error(key, exc.expected, exc.got) from None


def _scalar_override(w: _Where, key: str, p: Parameter, value: Any) -> Override:
    kinds = {
        "number": "a number",
        "integer": "a whole number",
        "bool": "true or false",
        "string": "a text value",
        "mapping": "a mapping of key: number",
    }
    if p.type == "number":
        value = _bounded(w, key, p, value)
    elif p.type == "integer" and isinstance(value, int) and not isinstance(value, bool):
        _bounded(w, key, p, value)
    elif p.type == "mapping" and isinstance(value, dict):
        for sub, x in value.items():
            _bounded(w, f"{key}.{sub}", p, x)
    probe = Override(p.path, EPOCH, value=value, reference="case")
    try:
        ParameterSet({p.path: p}).with_overrides([probe])
    except ParameterError as exc:
        raise w.error(key, kinds.get(p.type, p.type), exc.got or f"got {value!r}") from None
    return probe


def _mapping_key_override(
    w: _Where,
    key: str,
    p: Parameter,
    sub: str,
    value: Any,
    earlier: list[Override],
    period: dt.date,
) -> Override:
    base = dict(p.at(period))  # type: ignore[arg-type]
    for ov in earlier:  # several keys of the same mapping
        if ov.path == p.path and isinstance(ov.value, dict):
            base = dict(ov.value)
    if sub not in base:
        raise w.error(key, f"a key of {p.path}: {sorted(base)}", f"got {sub!r}")
    base[sub] = _bounded(w, key, p, value)
    earlier[:] = [ov for ov in earlier if ov.path != p.path]
    return Override(p.path, EPOCH, value=base, reference="case")


def _county_override(w: _Where, key: str, p: CountyParameter, value: Any) -> list[Override]:
    def number(k: str, v: Any) -> float:
        return _bounded(w, k, p, v)

    def by_key(k: str, v: Any, counties: tuple[str, ...] | None) -> list[Override]:
        if not isinstance(v, dict):
            if len(p.keys) != 1:
                raise w.error(k, f"a mapping of {list(p.keys)}: number", f"got {v!r}")
            v = {p.keys[0]: v}
        out = []
        for sub, x in v.items():
            if sub not in p.keys:
                raise w.error(f"{k}.{sub}", f"one of {list(p.keys)}", _unknown(str(sub), p.keys))
            out.append(
                Override(
                    p.path,
                    EPOCH,
                    value=number(f"{k}.{sub}", x),
                    counties=counties,
                    keys=(sub,),
                    reference="case",
                )
            )
        return out

    if isinstance(value, dict) and value and all(str(k) in p.county_codes for k in value):
        return [o for c, v in value.items() for o in by_key(f"{key}.{c}", v, (str(c),))]
    return by_key(key, value, None)


def _expected(w: _Where, raw: Any, has_household: bool, n_counties: int) -> dict[str, Any]:
    if not isinstance(raw, dict) or not raw:
        raise w.error("expected", "a non-empty mapping of output variable: value")
    out: dict[str, Any] = {}
    for name, value in raw.items():
        key = f"expected.{name}"
        if name not in OUTPUTS:
            raise w.error(
                key, "a known output variable (docs/cases.md)", _unknown(str(name), OUTPUTS)
            )
        var = OUTPUTS[name]
        if name in HOUSEHOLD_OUTPUT_NAMES:
            if not has_household:
                raise w.error(key, "a household section for this household output")
            out[name] = _expected_value(w, key, var, value)
            continue
        if n_counties == 0:
            raise w.error(key, "a counties section for this county output")
        if name == "transfer_pool":
            out[name] = _expected_value(w, key, var, value)
        elif isinstance(value, list):
            if len(value) != n_counties:
                raise w.error(key, f"{n_counties} values (one per county)", f"got {len(value)}")
            out[name] = [_expected_value(w, f"{key}[{i}]", var, v) for i, v in enumerate(value)]
        else:
            out[name] = [_expected_value(w, key, var, value)] * n_counties
    return out


def _expected_value(w: _Where, key: str, var: Var, value: Any) -> Any:
    if var.kind == "number":
        if isinstance(value, str):
            try:
                return safe_eval(value)
            except ValueError as exc:
                raise w.error(
                    key, "a number or arithmetic like (640 - 300) * 2", str(exc)
                ) from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise w.error(key, "a number", f"got {value!r}")
        return float(value)
    if var.kind == "label":
        if not isinstance(value, str) or (var.choices and value not in var.choices):
            raise w.error(
                key,
                f"one of {list(var.choices)}" if var.choices else "a text value",
                f"got {value!r}",
            )
        return value
    return _check_value(w, key, var, value)


def parse_case(raw: Any, file: str, index: int, params: ParameterSet) -> Case:
    """Validate one case mapping read from ``file`` (``index`` = its position, from 0)."""
    name = raw.get("name") if isinstance(raw, dict) else None
    w = _Where(file, str(name) if isinstance(name, str) and name.strip() else f"#{index + 1}")
    if not isinstance(raw, dict):
        raise w.error("<case>", "a mapping with name, period, household or counties, expected")
    for key in raw:
        if key not in CASE_KEYS:
            raise w.error(str(key), f"one of {list(CASE_KEYS)}", _unknown(str(key), CASE_KEYS))
    if not isinstance(name, str) or not name.strip():
        raise w.error("name", "a non-empty name")
    if "period" not in raw:
        raise w.error("period", "a month like 2022-08 (missing)")
    period = _period(w, raw["period"])
    household = _household(w, raw["household"]) if "household" in raw else None
    counties_raw = raw.get("counties", [])
    if not isinstance(counties_raw, list):
        raise w.error("counties", "a list of counties")
    counties = tuple(
        _inputs(w, f"counties[{i}]", c, "county", required=("code",))
        for i, c in enumerate(counties_raw)
    )
    codes = set(refdata.counties().code.tolist())
    for i, c in enumerate(counties):
        if c["code"] not in codes:
            raise w.error(
                f"counties[{i}].code", "a county code of the county table", repr(c["code"])
            )
    if household is not None and household["county"] not in (None, *codes):
        raise w.error(
            "household.county", "a county code of the county table", repr(household["county"])
        )
    if household is None and not counties:
        raise w.error("household", "a household or a counties section")
    context = _inputs(w, "context", raw.get("context", {}) or {}, "context")
    margin = raw.get("margin", DEFAULT_MARGIN)
    if (
        isinstance(margin, bool)
        or not isinstance(margin, int | float)
        or not math.isfinite(margin)
        or not 0 <= margin <= guard.limit("number_abs")
    ):
        raise w.error("margin", "a finite number ≥ 0", f"got {guard.short(margin)}")
    for key in ("description", "reference"):
        if key in raw and not isinstance(raw[key], str):
            raise w.error(key, "text")
    return Case(
        file=file,
        name=name.strip(),
        period=period,
        overrides=_overrides(w, raw.get("overrides"), params, period),
        household=household,
        context=context,
        counties=counties,
        expected=_expected(w, raw.get("expected"), household is not None, len(counties)),
        margin=float(margin),
        description=str(raw.get("description", "")),
        reference=str(raw.get("reference", "")),
    )


def load_case_file(path: Path, params: ParameterSet | None = None) -> list[Case]:
    """Read and validate every case of one YAML file (a list of cases)."""
    params = params if params is not None else load_parameters()
    try:
        doc = guard.load_yaml(guard.read_input_text(path, "case"), path)
    except InputError as exc:
        raise CaseError(exc.file, exc.key, exc.expected, exc.got) from None
    if not isinstance(doc, list) or not doc:
        raise CaseError(path, "<file>", "a non-empty YAML list of cases")
    cases = [parse_case(raw, str(path), i, params) for i, raw in enumerate(doc)]
    seen: set[str] = set()
    for c in cases:
        if c.name in seen:
            raise CaseError(path, f"case {c.name!r}", "a name used once in the file", "duplicate")
        seen.add(c.name)
    return cases


def case_files(paths: Iterable[Path | str]) -> list[Path]:
    """The YAML case files named by ``paths`` (files, or folders searched recursively)."""
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted([*p.rglob("*.yaml"), *p.rglob("*.yml")])
            if not found:
                raise CaseError(p, "<dir>", "a folder with *.yaml case files")
            files += found
        elif p.exists():  # a file, or a FIFO/device refused with its type when read
            files.append(p)
        else:
            raise CaseError(p, "<path>", "an existing case file or folder")
    return files


def load_cases(paths: Iterable[Path | str], params: ParameterSet | None = None) -> list[Case]:
    """Every case of the files and folders in ``paths``, validated before any is run."""
    params = params if params is not None else load_parameters()
    return [c for f in case_files(paths) for c in load_case_file(f, params)]


# ------------------------------------------------------------------ evaluation


def _arr(x: Any, dtype: Any = np.float64) -> npt.NDArray[Any]:
    return np.array([x], dtype=dtype)


#: person-table disability kind of each case disability label
_KIND = {label: (NO_DISABILITY if label == "none" else
                 MENTAL_DISABILITY if label in ("intellectual", "mental") else OTHER_DISABILITY)
         for label in DISABILITIES}  # fmt: skip


def person_arrays(household: Mapping[str, Any]) -> dict[str, npt.NDArray[Any]]:
    """The case household's members as person-table arrays (schema.PERSON_SCHEMA dtypes),
    one row per member in the order given; the rules read them member by member."""
    m = household["members"]
    values = {
        "age": [x["age"] for x in m],
        "disability": [_KIND[x["disability"]] for x in m],
        "disability_grade": [x["disability_grade"] for x in m],
        "ill": [bool(x["serious_illness"]) for x in m],
        "care_level": [CARE_LEVELS.index(x["care_level"]) for x in m],
        "works": [bool(x["works"]) for x in m],
    }
    return {name: np.array(v, dtype=PERSON_COLUMN_BY_NAME[name].np_dtype)
            for name, v in values.items()}  # fmt: skip


def household_columns(household: Mapping[str, Any]) -> dict[str, Any]:
    """The household columns of one case household, as Python scalars; counts (workers) from
    the members, everything a rule reads per person stays in :func:`person_arrays`."""
    table = refdata.counties()
    m = household["members"]
    covered = household["covered_persons"]
    h: dict[str, Any] = {
        "county": int(table.index_of([household["county"] or str(table.code[0])])[0]),
        "urban": bool(household["urban"]),
        "size": len(m),
        "n_workers": sum(bool(x["works"]) for x in m),
        "programme": PROGRAMME_LABELS.index(household["programme"]),
        "covered_persons": len(m) if covered is None else int(covered),
        "exit_months_left": int(household["exit_months_left"]),
    }
    for col in ("income_wage", "income_farm", "income_transfer"):
        h[col] = float(household[col] + sum(x[col] for x in m))
    for col in ("assets", "exp_medical", "exp_schooling", "exp_disability"):
        h[col] = float(household[col])
    h["has_supporter"] = bool(household["has_supporter"])
    return h


def _price_rate(ps_p: Any, std: float, context: Mapping[str, Any]) -> tuple[Any, ...]:
    """The price-subsidy county rules on the case's context: (cpi trigger, food trigger,
    triggering rise, rate per person) for the household's standard."""
    unit = str(ps_p.activation_unit)
    pref0 = np.zeros(1, dtype=np.int64)
    cpi = price_subsidy.unit_index(
        unit, context["cpi_yoy_pct"], _arr(context["prefecture_cpi_yoy_pct"]), pref0
    )
    food = price_subsidy.unit_index(
        unit, context["food_cpi_yoy_pct"], _arr(context["prefecture_food_cpi_yoy_pct"]), pref0
    )
    c_hit = price_subsidy.cpi_trigger(ps_p, cpi, _arr(context["local_cpi_threshold_pct"]))
    f_hit = price_subsidy.food_trigger(ps_p, food, _arr(context["local_food_cpi_threshold_pct"]))
    rise = price_subsidy.triggering_rise(cpi, food, c_hit, f_hit)
    rate = price_subsidy.rate_per_person(ps_p, _arr(std), rise)
    return bool(c_hit[0]), bool(f_hit[0]), float(rise[0]), float(rate[0])


def evaluate_household(
    params: ParameterSet, period: dt.date, household: Mapping[str, Any], context: Mapping[str, Any]
) -> dict[str, Any]:
    """Every household output of one case household, computed with the rule functions (their
    plain-Python form) and their one composition (:mod:`safetynet.assessment`).

    ``params`` already carries the case's overrides. Order: standard and income, asset test,
    tekun, whole-household dibao, edge and single-person inclusion, gradual exit, benefits,
    temporary assistance, price subsidy, services.
    """
    ps = params.at(period)
    ps_p, sv = ps.price_subsidy, ps.services
    h = household_columns(household)
    pa = person_arrays(household)
    month = month_parameters(params, period)
    r = month.county(h["county"])
    size, care = h["size"], pa["care_level"]
    std, ok, able, cand, category = _r.household_tests(
        r,
        h["urban"],
        size,
        0,
        pa["age"],
        pa["disability"],
        pa["disability_grade"],
        pa["ill"],
        h["assets"],
    )
    income = (h["income_wage"], h["income_farm"], h["income_transfer"])
    spending = (h["exp_medical"], h["exp_schooling"], h["exp_disability"])
    inc = _r.counted_income(r, *income, *spending)
    pci = _r.per_capita_income(r, *income, *spending, size)
    is_tekun, whole, edge, n_single = _r.eligibility(
        r, pci, std, ok, able, h["n_workers"], h["has_supporter"], size, cand
    )
    # gradual exit of households that were on whole-household dibao
    eligible_now = whole or is_tekun
    start = _r.gradual_exit_start(
        h["programme"] == DIBAO, eligible_now, household["rise_from_work"], h["exit_months_left"]
    )
    left = _r.gradual_exit_months_left(r, h["exit_months_left"], start, eligible_now)
    in_exit = left > 0 and not eligible_now
    if is_tekun:
        programme = _r.care_mode(household["willing_institution"], household["institution_place"])
    elif whole or in_exit:
        programme = DIBAO
    elif n_single > 0:
        programme = DIBAO_SINGLE
    else:
        programme = NONE
    persons = h["covered_persons"] if in_exit else _r.covered_persons(programme, size, n_single)
    dibao_paid = _r.dibao_benefit(
        r,
        programme,
        h["urban"],
        left if in_exit else 0,
        float(household["benefit_last_month"]),
        pci,
        std,
        size,
        category,
        cand,
        n_single,
    )
    # temporary assistance (standard unified for urban and rural: the urban standard)
    kind_name = household["temporary_kind"]
    has_event = kind_name != "none"
    kind = temporary.KINDS.index(kind_name) if has_event else temporary.URGENT
    severity = temporary.SEVERITIES.index(household["temporary_severity"])
    limit = _r.case_by_case_limit(r)
    duration = float(household["temporary_duration_months"])
    need = _r.need(r, kind, severity, size, duration) if has_event else 0.0
    granted = _r.temporary_amount(r, kind, severity, size, duration) if has_event else 0.0
    advance = _r.advance_payment(r, kind, granted) if has_event else 0.0
    # price-linked subsidy on the index of the lagged month, per activation unit
    c_hit, f_hit, rise, rate = _price_rate(ps_p, std, context)
    rate_urban, rate_rural = (rate, 0.0) if h["urban"] else (0.0, rate)
    r = price_subsidy.with_rates(r, rate_urban, rate_rural)
    tekun_basic, tekun_care, price, one_time = _r.payments(
        r, programme, h["urban"], edge, size, persons, _r.care_subsidy(r, 0, size, care)
    )
    price_n = _r.price_covered_persons(r, programme, edge, persons, size)
    index_m = price_subsidy.index_month(period, int(ps_p.index_lag_months))
    # purchased services against the county's year-to-date cap
    deps = _r.dependants(programme, 0, size, care)
    demand = services.demand(sv, _arr(deps))
    spent = context["assistance_spending_ytd"]
    if math.isnan(spent):
        room = np.full(1, np.inf)
    else:
        room = services.headroom(sv, _arr(context["services_paid_ytd"]), _arr(spent))
    bought = services.allowed(demand, room)
    total = dibao_paid + tekun_basic + tekun_care + granted + price + one_time

    def f(a: npt.NDArray[Any]) -> float:
        return float(a.reshape(-1)[0])

    return {
        "size": size,
        "dibao_standard": std,
        "counted_income": inc,
        "per_capita_income": pci,
        "asset_limit": _r.asset_limit(r, size, std),
        "assets_ok": ok,
        "able_bodied": able,
        "tekun_eligible": is_tekun,
        "dibao_eligible": whole,
        "dibao_category": TIERS[category],
        "dibao_benefit_per_person": _r.benefit_per_person(r, pci, std, category, h["urban"]),
        "edge": edge,
        "single_person_candidates": cand,
        "single_person_count": n_single if programme == DIBAO_SINGLE else 0,
        "gradual_exit_start": start,
        "exit_months_left": left,
        "gradual_exit": in_exit,
        "programme": PROGRAMME_NAMES[programme],
        "covered_persons": persons,
        "dibao_benefit": dibao_paid,
        "tekun_standard": _r.basic_living(r, 1),  # per person
        "tekun_floor": _r.standard_floor(r),
        "tekun_basic": tekun_basic,
        "tekun_care": tekun_care,
        "temporary_need": need,
        "temporary_limit": limit,
        "temporary_case_by_case": has_event and _r.is_case_by_case(need, limit),
        "temporary_amount": granted,
        "temporary_township_approves": has_event and _r.township_approves(r, granted),
        "temporary_advance": advance,
        "price_index_month": index_m.strftime("%Y-%m"),
        "price_cpi_trigger": c_hit,
        "price_food_trigger": f_hit,
        "price_trigger": c_hit or f_hit,
        "price_rise_pct": rise,
        "price_rate": rate,
        "price_persons": int(price_n),
        "price_subsidy": price,
        "one_time_subsidy": one_time,
        "services_dependants": deps,
        "services_demand": f(demand),
        "services_headroom": f(room),
        "services_allowed": f(bought),
        "services_unmet": f(services.unmet(demand, bought)),
        "total_paid": total,
    }


class _Rules:
    """The household rules and their composition in plain Python, as the cases call them."""

    household_tests = staticmethod(plain(assessment.household_tests))
    per_capita_income = staticmethod(plain(assessment.per_capita_income))
    eligibility = staticmethod(plain(assessment.eligibility))
    covered_persons = staticmethod(plain(assessment.covered_persons))
    dibao_benefit = staticmethod(plain(assessment.dibao_benefit))
    payments = staticmethod(plain(assessment.payments))
    temporary_amount = staticmethod(plain(assessment.temporary_amount))
    counted_income = staticmethod(plain(dibao.counted_income))
    asset_limit = staticmethod(plain(dibao.asset_limit))
    benefit_per_person = staticmethod(plain(dibao.benefit_per_person))
    gradual_exit_start = staticmethod(plain(dibao.gradual_exit_start))
    gradual_exit_months_left = staticmethod(plain(dibao.gradual_exit_months_left))
    care_mode = staticmethod(plain(tekun.care_mode))
    standard_floor = staticmethod(plain(tekun.standard_floor))
    basic_living = staticmethod(plain(tekun.basic_living))
    care_subsidy = staticmethod(plain(tekun.care_subsidy))
    need = staticmethod(plain(temporary.need))
    case_by_case_limit = staticmethod(plain(temporary.case_by_case_limit))
    is_case_by_case = staticmethod(plain(temporary.is_case_by_case))
    township_approves = staticmethod(plain(temporary.township_approves))
    advance_payment = staticmethod(plain(temporary.advance_payment))
    price_covered_persons = staticmethod(plain(price_subsidy.covered_persons))
    dependants = staticmethod(plain(services.dependants))


_r = _Rules


def evaluate_counties(
    params: ParameterSet, period: dt.date, counties: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """Every county output (money and checks) for the counties of a case, in their order."""
    ps = params.at(period)
    table = refdata.counties()
    idx = table.index_of([c["code"] for c in counties])

    month = month_parameters(params, period)

    def col(name: str) -> npt.NDArray[Any]:
        """County column ``name``; a rule parameter recorded as a Dataset variable (the
        standards, ``parameters.RECORDED``) defaults to the county's value this month."""
        vals = [c[name] for c in counties]
        if name in RECORDED:
            default = month.column(name, idx)
            return np.array(
                [v if v is not None else default[j] for j, v in enumerate(vals)], dtype=np.float64
            )
        return np.array(vals, dtype=np.float64)

    need = funding.budget_need({k: col(f"spending_{k}") for k in PROGRAMMES})
    shares = funding.factor_shares(ps.funding, {k: col(k) for k in funding.FACTORS})
    pool = funding.transfer_pool(ps.funding, need)
    got = funding.transfers(pool, shares)
    own = funding.county_budget(ps.funding, need)
    std_u = col("standard_urban")
    std_r = col("standard_rural")
    tk = col("tekun_standard")
    route = np.array([c["band_route"] for c in counties], dtype=np.bool_)
    d, lim = ps.dibao, checks.limits_at(params, period)
    band = lim["standard_rise_band"]
    results = [
        checks.standard_floor(std_u, d.floor_urban, "urban"),
        checks.standard_floor(std_r, d.floor_rural, "rural"),
        checks.tekun_floor(tk, std_u, lim["tekun_multiple"]),
        checks.tekun_provincial_floor(tk, lim["tekun_provincial_floor"]),
        checks.services_cap(
            col("services_paid"), col("assistance_spending"), lim["services_cap_share"]
        ),
        checks.temporary_per_case(col("temporary_per_case"), col("temporary_per_case_last_year")),
        checks.rise_band(std_u, d.floor_urban, band, "urban", route),
        checks.rise_band(std_r, d.floor_rural, band, "rural", route),
        checks.price_paid(col("price_trigger_months"), col("price_paid_months")),
    ]
    by_name = {c.name: c for c in results}
    out: dict[str, Any] = {
        "budget_need": need.tolist(),
        "transfer_pool": float(pool),
        "factor_share": shares.tolist(),
        "transfers": got.tolist(),
        "county_budget": own.tolist(),
        "funding_gap": funding.funding_gap(need, got, own).tolist(),
        "tekun_floor_amount": by_name["tekun_floor"].limit.tolist(),
        "services_cap_amount": by_name["services_cap"].limit.tolist(),
        "rise_band_limit_urban": by_name["rise_band_urban"].limit.tolist(),
        "rise_band_limit_rural": by_name["rise_band_rural"].limit.tolist(),
    }
    for c in results:
        out[f"check_{c.name}"] = c.ok.tolist()
    return out


def case_parameters(case: Case, params: ParameterSet) -> ParameterSet:
    """The parameter set of a case: ``params`` with the case's overrides applied."""
    if not case.overrides:
        return params
    try:
        return params.with_overrides(case.overrides)
    except ParameterError as exc:
        raise CaseError(
            case.file, f"case {case.name!r}: overrides.{exc.key}", exc.expected, exc.got
        ) from None


def evaluate(case: Case, params: ParameterSet) -> dict[str, Any]:
    """All outputs of a case (household and/or county outputs)."""
    cp = case_parameters(case, params)
    out: dict[str, Any] = {}
    if case.household is not None:
        out.update(evaluate_household(cp, case.period, case.household, case.context))
    if case.counties:
        out.update(evaluate_counties(cp, case.period, case.counties))
    return out


def _compare(var: Var, expected: Any, actual: Any, margin: float) -> Row:
    if var.kind == "number":
        diff = float(actual) - float(expected)
        ok = (math.isfinite(diff) and abs(diff) <= margin) or float(actual) == float(expected)
        return Row(var.name, expected, actual, ok, diff)
    return Row(var.name, expected, actual, expected == actual)


def run_case(case: Case, params: ParameterSet) -> CaseResult:
    """Evaluate a case and compare every expected output with the rules' value."""
    try:
        got = evaluate(case, params)
    except CaseError:
        raise
    except (ValueError, KeyError) as exc:  # e.g. an override the rules cannot use
        raise CaseError(
            case.file, f"case {case.name!r}", "inputs the rules accept", str(exc).strip("'\"")
        ) from None
    rows: list[Row] = []
    for name, expected in case.expected.items():
        var = OUTPUTS[name]
        actual = got[name]
        if isinstance(expected, list):
            for j, (e, a) in enumerate(zip(expected, actual, strict=True)):
                row = _compare(var, e, a, case.margin)
                rows.append(Row(f"{name}[{j}]", row.expected, row.actual, row.ok, row.diff))
        else:
            rows.append(_compare(var, expected, actual, case.margin))
    return CaseResult(case, tuple(rows))


def run_cases(cases: Sequence[Case], params: ParameterSet | None = None) -> list[CaseResult]:
    """Run every case; returns one result per case, in order."""
    params = params if params is not None else load_parameters()
    return [run_case(c, params) for c in cases]


def format_result(result: CaseResult, verbose: bool = False) -> list[str]:
    """Lines for the terminal: PASS/FAIL with the case, then the failing (or all) outputs."""
    head = "PASS" if result.passed else "FAIL"
    lines = [f"{head}  {result.case.id}"]
    for r in result.rows:
        if r.ok and not verbose:
            continue
        mark = "ok " if r.ok else "!! "
        if r.diff is not None:
            lines.append(
                f"    {mark}{r.variable}: expected {r.expected:g}, got {r.actual:g} "
                f"(difference {r.diff:+.4g}, margin {result.case.margin:g})"
            )
        else:
            lines.append(f"    {mark}{r.variable}: expected {r.expected!r}, got {r.actual!r}")
    return lines
