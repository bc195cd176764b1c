"""Scenario files (``scenarios/*.toml``): a small, validated delta over the baseline.

A scenario names its horizon, run size, parameter overrides, CPI path, shocks and wanted
outputs (see docs/scenarios.md for the format and a full example). ``load_scenario`` parses the
TOML, checks its structure with pydantic (unknown keys are errors), then checks it against the
parameter tree, the county table and the output declarations. Every problem raises one
``ScenarioError(file, key, expected, got)``, e.g.
``scenarios/x.toml: overrides[2].value: expected a number (got 'high')``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import hashlib
import math
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from safetynet import guard, outputs, places
from safetynet.cpi_path import HISTORY_MONTHS, PRICE_PARAMETERS, Ar1, CpiPath, CpiSpec, cpi_path
from safetynet.errors import InputError, ParameterError, ScenarioError
from safetynet.params import (
    CountyParameter,
    DiffRow,
    Override,
    Parameter,
    ParameterSet,
    Value,
    load_parameters,
)

__all__ = [
    "Ar1",
    "CpiSpec",
    "OutputSpec",
    "Scenario",
    "Shock",
    "diff_scenarios",
    "load_scenario",
    "scenario_from_dict",
]

SHOCK_KINDS: tuple[str, ...] = ("disaster", "epidemic")
OUTPUT_FORMATS: tuple[str, ...] = ("netcdf",)  # results are written as NetCDF only
LANGS: tuple[str, ...] = ("zh", "en")
_NAME = re.compile(r"^[a-z0-9_]{1,64}$")
_PATH = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
_MONTH_TEXT = re.compile(r"^(\d{4})-(\d{2})(-01)?$")
_WORD = re.compile(r"^[A-Za-z0-9_]+$")
#: calendar years a scenario month may fall in (keeps date arithmetic in range)
YEARS: tuple[int, int] = (1950, 2150)


# ------------------------------------------------------------------------------ result types


@dataclass(frozen=True)
class Shock:
    """A disaster or epidemic hitting ``counties`` (current codes) for ``months`` from ``start``.

    ``severity``: share of households hit (0..1). Behaviour modules turn it into income losses
    and temporary-assistance needs (POLICY.md 因疫因灾; S4 四(十)).
    """

    kind: str
    counties: tuple[str, ...]
    start: dt.date
    months: int
    severity: float
    note: str = ""


@dataclass(frozen=True)
class OutputSpec:
    """Outputs wanted: variable names (``outputs.VARIABLE_BY_NAME``), file format, report."""

    variables: tuple[str, ...]
    format: str = "netcdf"
    report: bool = True
    lang: str = "zh"


@dataclass(frozen=True)
class Scenario:
    """A validated scenario file. ``overrides`` are ready for ``ParameterSet.with_overrides``.

    ``override_keys[i]`` names the file entry (``overrides[2]``) that produced ``overrides[i]``
    (one ``toward`` entry expands into one absolute override per county and key).
    """

    name: str
    title_zh: str
    title_en: str
    description: str
    baseline: str | None
    start: dt.date
    months: int
    replicates: int
    seed: int
    sample_fraction: float
    overrides: tuple[Override, ...]
    cpi: CpiSpec
    shocks: tuple[Shock, ...]
    outputs: OutputSpec
    source_path: Path
    sha256: str
    override_keys: tuple[str, ...] = ()
    #: the planner's workbook (``[inputs] file``, resolved), None if the scenario names none
    inputs_file: Path | None = None

    @property
    def end(self) -> dt.date:
        """First day of the last month of the horizon."""
        return _add_months(self.start, self.months - 1)

    @property
    def n_override_entries(self) -> int:
        """Number of ``[[overrides]]`` entries in the file."""
        return len(dict.fromkeys(self.override_keys))

    def month_starts(self) -> npt.NDArray[np.datetime64]:
        """Months of the horizon as ``datetime64[M]``."""
        first = np.datetime64(f"{self.start.year:04d}-{self.start.month:02d}", "M")
        return np.arange(first, first + np.timedelta64(self.months, "M"), dtype="datetime64[M]")

    def parameters(self, base: ParameterSet | None = None) -> ParameterSet:
        """The parameter set of this scenario: ``base`` (default ``load_parameters()``) with the
        overrides applied in file order and each year's standards set by rule through the end of
        the horizon (standards.py)."""
        from safetynet import standards

        ps = load_parameters() if base is None else base
        for ov, key in zip(self.overrides, self._keys(), strict=True):
            try:
                ps.with_overrides([ov])  # each override checked alone, named by its file key
            except ParameterError as exc:
                raise ScenarioError(self.source_path, key, exc.expected, exc.got) from None
        # rule inputs, standards set by rule, overrides of the standards, linked standards
        # (issue #14: standards.scenario_parameters)
        return standards.scenario_parameters(ps, self.overrides, self.end.year)

    def cpi_path(self, replicate: int, params: ParameterSet | None = None) -> CpiPath:
        """CPI path of one replicate over the horizon (AR(1) coefficients from ``params``,
        default this scenario's parameters)."""
        ps = self.parameters() if params is None else params
        return cpi_path(self.cpi, self.month_starts(), self.seed, replicate, params=ps)

    def _keys(self) -> tuple[str, ...]:
        if len(self.override_keys) == len(self.overrides):
            return self.override_keys
        return tuple(f"overrides[{i}]" for i in range(len(self.overrides)))


def diff_scenarios(a: Scenario, b: Scenario, base: ParameterSet | None = None) -> list[DiffRow]:
    """Parameter differences from scenario ``a`` (old) to ``b`` (new), with references."""
    ps = load_parameters() if base is None else base
    return a.parameters(ps).diff(b.parameters(ps))


# ------------------------------------------------------------------------------ pydantic schema


def _custom(expected: str, got: object = None) -> PydanticCustomError:
    detail = "" if got is None else f"got {_short(got)}"
    return PydanticCustomError("scenario", "{expected}", {"expected": expected, "got": detail})


def _short(value: object, width: int = 60) -> str:
    return guard.short(value, width)


def _to_month(value: object) -> dt.date:
    """``"2026-01"``, ``"2026-01-01"`` or a TOML date on the 1st -> date (first of month)."""
    if isinstance(value, dt.datetime):
        raise _custom("a month like 2026-01 (not a date-time)", value)
    out: dt.date | None = None
    if isinstance(value, dt.date):
        if value.day != 1:
            raise _custom("a month like 2026-01 (dates must be the 1st)", value)
        out = value
    elif isinstance(value, str):
        hit = _MONTH_TEXT.match(value.strip())
        if hit is not None and 1 <= int(hit.group(2)) <= 12 and int(hit.group(1)) >= 1:
            out = dt.date(int(hit.group(1)), int(hit.group(2)), 1)
    if out is None:
        raise _custom("a month like 2026-01", value)
    if not YEARS[0] <= out.year <= YEARS[1]:
        raise _custom(f"a month in the years {YEARS[0]}..{YEARS[1]}", value)
    return out


def _to_name(value: object) -> str:
    if isinstance(value, str) and _NAME.match(value):
        return value
    raise _custom("a name of lowercase letters, digits and _ (e.g. rural_standard_raise)", value)


def _to_text(value: object) -> str:
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise _custom("a non-empty string", value)


def _to_path(value: object) -> str:
    if isinstance(value, str) and _PATH.match(value):
        return value
    raise _custom("a parameter path like dibao.standard", value)


def _to_codes(value: object) -> list[str]:
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
        return [v.strip() for v in value]
    raise _custom(
        'a non-empty list of counties or prefectures by code or name like ["532901", "五华区"]',
        value,
    )


def _to_keys(value: object) -> list[str]:
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return list(value)
    raise _custom('a non-empty list of table keys like ["rural"]', value)


Month = Annotated[dt.date, BeforeValidator(_to_month)]
Name = Annotated[str, BeforeValidator(_to_name)]
Text = Annotated[str, BeforeValidator(_to_text)]
ParamPath = Annotated[str, BeforeValidator(_to_path)]
Codes = Annotated[list[str], BeforeValidator(_to_codes)]
Keys = Annotated[list[str], BeforeValidator(_to_keys)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


class _Title(_Model):
    zh: Text
    en: Text


class _Head(_Model):
    name: Name
    title: _Title
    description: str = ""
    baseline: Name | None = None


class _Horizon(_Model):
    start: Month
    months: Annotated[int, Field(ge=1, le=guard.limit("months"))] | None = None
    end: Month | None = None


class _Run(_Model):
    replicates: Annotated[int, Field(ge=1, le=guard.limit("replicates"))]
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)]
    sample_fraction: Annotated[float, Field(gt=0, le=1)]


class _Override(_Model):
    path: ParamPath
    keys: Keys | None = None
    counties: Codes | None = None
    start: Month = Field(alias="from")
    until: Month | None = None
    value: Any = None  # checked against the parameter's type after the structure
    relative: Annotated[float, Field(gt=-1)] | None = None
    toward: Text | None = None
    gap_closed: Annotated[float, Field(gt=0, le=1)] | None = None
    reference: Text | None = None


class _Ar1(_Model):
    mean: float | None = None
    ar: float | None = None
    sd: float | None = None


class _Cpi(_Model):
    mode: Literal["historical", "csv", "stochastic"] = "historical"
    file: Text | None = None
    cpi: _Ar1 | None = None
    food: _Ar1 | None = None
    correlation: float | None = None


class _Shock(_Model):
    kind: Literal["disaster", "epidemic"]
    counties: Codes
    start: Month = Field(alias="from")
    months: Annotated[int, Field(ge=1, le=guard.limit("months"))]
    severity: Annotated[float, Field(gt=0, le=1)]
    note: str = ""


class _Outputs(_Model):
    variables: list[str] | None = None
    format: Literal["netcdf"] = "netcdf"
    report: bool = True
    lang: Literal["zh", "en"] = "zh"


class _Inputs(_Model):
    file: Text  # the planner's workbook (safetynet template), relative to the scenario file


class _Budget(_Model):
    """``[budget]`` (issue #14): the budget year's settings, expanded into parameter overrides."""

    standard_rule: Literal["table", "consumption", "cpi", "rise"] | None = None
    standard_rule_from: Month | None = None
    pool_yuan: dict[str, Annotated[float, Field(ge=0)]] | None = None
    pool_growth: Annotated[float, Field(gt=-0.5, le=1)] | None = None
    reserve_share: Annotated[float, Field(ge=0, le=1)] | None = None
    county_budget_share: Annotated[float, Field(ge=0, le=1)] | None = None


class _File(_Model):
    scenario: _Head
    horizon: _Horizon
    run: _Run
    overrides: list[_Override] = []
    cpi: _Cpi = _Cpi()
    shocks: list[_Shock] = []
    outputs: _Outputs = _Outputs()
    inputs: _Inputs | None = None
    budget: _Budget | None = None


# ------------------------------------------------------------------------------ error text

_TYPE_WORDS: dict[str, str] = {
    "int_type": "an integer",
    "float_type": "a number",
    "string_type": "a string",
    "bool_type": "true or false",
    "list_type": "a list",
    "model_type": "a table",
    "dict_type": "a table",
    "finite_number": "a finite number",
    "int_from_float": "an integer",
}


def _key_path(loc: Sequence[int | str]) -> str:
    """``("overrides", 2, "value")`` -> ``"overrides[2].value"``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        word = part if _WORD.match(part) else repr(part)  # keep odd keys on one line
        out += f".{word}" if out else word
    return out or "<top level>"


def _inner_model(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is None:
        return None
    if origin is Annotated:
        return _inner_model(typing.get_args(annotation)[0])
    if origin in (list, tuple, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            hit = _inner_model(arg)
            if hit is not None:
                return hit
    return None


def _model_at(loc: Sequence[int | str]) -> type[BaseModel] | None:
    model: type[BaseModel] | None = _File
    for part in loc:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        fields = {f.alias or n: f for n, f in model.model_fields.items()}
        if part not in fields:
            return None
        model = _inner_model(fields[part].annotation)
    return model


def _allowed(model: type[BaseModel]) -> list[str]:
    return [f.alias or n for n, f in model.model_fields.items()]


def _near(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(close)}?" if close else ""


def _translate(exc: ValidationError, file: str | Path) -> ScenarioError:
    """The first pydantic error as one ScenarioError line (unknown keys first: a misspelt key
    also shows up as a missing one)."""
    errors = exc.errors()
    unknown_keys = [e for e in errors if e["type"] == "extra_forbidden"]
    err = (unknown_keys or errors)[0]
    loc = list(err["loc"])
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind == "scenario":
        return ScenarioError(file, _key_path(loc), str(ctx["expected"]), str(ctx.get("got", "")))
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        allowed = _allowed(model) if model is not None else []
        unknown = str(loc[-1])
        where = _key_path(loc[:-1])
        table = "the top level" if where == "<top level>" else f"[{where}]"
        return ScenarioError(
            file,
            _key_path(loc),
            f"only the keys {allowed} in {table}",
            f"unknown key {unknown!r}{_near(unknown, allowed)}",
        )
    if kind == "missing":
        return ScenarioError(file, _key_path(loc), "a value (this key is required)", "missing")
    if kind == "literal_error":
        return ScenarioError(
            file, _key_path(loc), f"one of {ctx.get('expected', '')}", f"got {_short(value)}"
        )
    bounds = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<"}
    bounds["less_than_equal"] = "<="
    if kind in bounds:
        limit = next(iter(ctx.values()), "")
        return ScenarioError(
            file, _key_path(loc), f"a number {bounds[kind]} {limit}", f"got {_short(value)}"
        )
    expected = _TYPE_WORDS.get(kind, str(err.get("msg", "a valid value")))
    return ScenarioError(file, _key_path(loc), expected, f"got {_short(value)}")


# ------------------------------------------------------------------------------ loading


def load_scenario(path: Path | str, params: ParameterSet | None = None) -> Scenario:
    """Read and validate a scenario file; ``params`` is the baseline parameter set it is checked
    against (default ``load_parameters()``). Raises ScenarioError (file, key, expected, got)."""
    file = Path(path)
    try:
        raw = guard.read_input_bytes(file, "scenario")
        data = guard.load_toml(guard.decode(raw, file, ("utf-8",)), file)
    except ScenarioError:
        raise
    except InputError as exc:
        raise ScenarioError(exc.file, exc.key, exc.expected, exc.got) from None
    return scenario_from_dict(data, file, params, sha256=hashlib.sha256(raw).hexdigest())


def scenario_from_dict(
    data: Mapping[str, Any],
    source: Path | str,
    params: ParameterSet | None = None,
    sha256: str = "",
) -> Scenario:
    """Validate parsed TOML ``data`` of the file ``source`` into a Scenario."""
    file = Path(source)
    if not isinstance(data, Mapping):
        raise ScenarioError(file, "<top level>", "a table")
    try:
        doc = _File.model_validate(dict(data))
    except ValidationError as exc:
        raise _translate(exc, file) from None
    return _Checker(doc, file, params).scenario(sha256)


class _Checker:
    """Checks of a structurally valid file against parameters, counties and outputs."""

    def __init__(self, doc: _File, file: Path, params: ParameterSet | None) -> None:
        self.doc = doc
        self.file = file
        self._params = params

    @functools.cached_property
    def params(self) -> ParameterSet:
        return load_parameters() if self._params is None else self._params

    def fail(self, key: str, expected: str, got: str = "") -> typing.NoReturn:
        raise ScenarioError(self.file, key, expected, got)

    def scenario(self, sha256: str) -> Scenario:
        head = self.doc.scenario
        if self.file.suffix == ".toml" and head.name != self.file.stem:
            self.fail(
                "scenario.name",
                f"the file name without .toml ({self.file.stem!r})",
                f"got {head.name!r}",
            )
        if head.baseline is not None:
            if head.baseline == head.name:
                self.fail("scenario.baseline", "another scenario's name", "got its own name")
            if not (self.file.parent / f"{head.baseline}.toml").is_file():
                self.fail(
                    "scenario.baseline",
                    f"the name of a scenario file next to this one ({head.baseline}.toml)",
                    "no such file",
                )
        start, months = self.horizon()
        end = _add_months(start, months - 1)
        overrides, keys = self.overrides(head.name, end)
        more, more_keys = self.budget(head.name, start, end)
        overrides, keys = overrides + more, keys + more_keys
        scenario = Scenario(
            name=head.name,
            title_zh=head.title.zh,
            title_en=head.title.en,
            description=head.description.strip(),
            baseline=head.baseline,
            start=start,
            months=months,
            replicates=self.doc.run.replicates,
            seed=self.doc.run.seed,
            sample_fraction=self.doc.run.sample_fraction,
            overrides=overrides,
            cpi=self.cpi_spec(),
            shocks=self.shocks(start, end),
            outputs=self.outputs(),
            source_path=self.file.resolve(),
            sha256=sha256,
            override_keys=keys,
            inputs_file=self.inputs_file(),
        )
        self.check_cpi(scenario)
        return scenario

    def inputs_file(self) -> Path | None:
        if self.doc.inputs is None:
            return None
        target = (self.file.parent / self.doc.inputs.file).resolve()
        if not target.is_file():
            self.fail(
                "inputs.file",
                "an existing workbook (relative to the scenario file; safetynet template)",
                f"not found: {target}",
            )
        return target

    # -------------------------------------------------------------------------- budget

    def budget(
        self, name: str, start: dt.date, end: dt.date
    ) -> tuple[tuple[Override, ...], tuple[str, ...]]:
        """``[budget]`` as overrides (funding.* and dibao.standard_rule), checked like others:
        ``pool_yuan = {"2026" = 12e9}`` fixes the pool of that year (pool_rule = given for the
        year; later years grow from it); the shares hold from the start of the horizon."""
        b = self.doc.budget
        if b is None:
            return (), ()
        ref = f"scenario {name} [budget]"
        out: list[Override] = []
        keys: list[str] = []
        if (b.standard_rule is None) != (b.standard_rule_from is None):
            self.fail("budget.standard_rule_from", "standard_rule and standard_rule_from together")
        if b.standard_rule is not None and b.standard_rule_from is not None:
            if not start <= b.standard_rule_from <= end:
                self.fail(
                    "budget.standard_rule_from",
                    f"a month within the horizon {start:%Y-%m}..{end:%Y-%m}",
                    _ym(b.standard_rule_from),
                )
            out.append(Override("dibao.standard_rule", b.standard_rule_from,
                                value=b.standard_rule, reference=ref))  # fmt: skip
            keys.append("budget.standard_rule")
        for year_text, amount in sorted((b.pool_yuan or {}).items()):
            key = f"budget.pool_yuan.{year_text}"
            if not year_text.isdigit() or not start.year <= int(year_text) <= end.year:
                self.fail(key, f"a year within the horizon {start.year}..{end.year}",
                          f"got {year_text!r}")  # fmt: skip
            y = int(year_text)
            first, stop = dt.date(y, 1, 1), dt.date(y + 1, 1, 1)
            out.append(Override("funding.pool_rule", first, value="given", end=stop,
                                reference=ref))  # fmt: skip
            out.append(Override("funding.transfer_pool_yuan", first, value=float(amount),
                                end=stop, reference=ref))  # fmt: skip
            keys += [key, key]
        for field_name, path in (
            ("pool_growth", "funding.pool_growth"),
            ("reserve_share", "funding.reserve_share"),
            ("county_budget_share", "funding.county_budget_share"),
        ):
            value = getattr(b, field_name)
            if value is not None:
                p = self.params[path]
                assert isinstance(p, Parameter)
                self.check_bounds(p, float(value), f"budget.{field_name}")
                first = dt.date(start.year, 1, 1)
                out.append(Override(path, first, value=float(value), reference=ref))
                keys.append(f"budget.{field_name}")
        ps = self.params
        for ov, key in zip(out, keys, strict=True):
            try:
                ps = ps.with_overrides([ov])
            except ParameterError as exc:
                self.fail(key, exc.expected, exc.got)
        return tuple(out), tuple(keys)

    # -------------------------------------------------------------------------- horizon

    def horizon(self) -> tuple[dt.date, int]:
        h = self.doc.horizon
        if (h.months is None) == (h.end is None):
            self.fail("horizon", 'exactly one of months = N or end = "YYYY-MM"')
        if h.end is not None:
            months = (h.end.year - h.start.year) * 12 + h.end.month - h.start.month + 1
            if months < 1:
                self.fail("horizon.end", f"a month not before start ({h.start:%Y-%m})", _ym(h.end))
            if months > guard.limit("months"):
                self.fail("horizon.end", f"at most {guard.limit('months')} months", f"{months}")
            return h.start, months
        assert h.months is not None
        last = _add_months(h.start, h.months - 1)
        if last.year > YEARS[1]:
            self.fail(
                "horizon.months",
                f"a horizon ending by {YEARS[1]}-12 (start {h.start:%Y-%m})",
                f"ends {last:%Y-%m}",
            )
        return h.start, h.months

    # -------------------------------------------------------------------------- overrides

    def overrides(self, name: str, end: dt.date) -> tuple[tuple[Override, ...], tuple[str, ...]]:
        out: list[Override] = []
        keys: list[str] = []
        if not self.doc.overrides:
            return (), ()
        from safetynet import standards

        # values in force (for ``toward``) include the standards set by rule (issue #14)
        ps = standards.set_standards(self.params, end.year)
        for i, item in enumerate(self.doc.overrides):
            key = f"overrides[{i}]"
            made = self.override(item, key, name, end, ps)
            for ov in made:
                try:
                    ps = ps.with_overrides([ov])
                except ParameterError as exc:
                    self.fail(key, exc.expected, exc.got)
            self.check_result(ps, item, key)
            out += made
            keys += [key] * len(made)
        return tuple(out), tuple(keys)

    def override(
        self, item: _Override, key: str, name: str, end: dt.date, ps: ParameterSet
    ) -> list[Override]:
        given = [k for k in ("value", "relative", "toward") if getattr(item, k) is not None]
        if len(given) != 1:
            self.fail(key, "exactly one of value, relative or toward", f"got {given or 'none'}")
        if (item.toward is None) != (item.gap_closed is None):
            self.fail(f"{key}.gap_closed", "gap_closed together with toward (and only then)")
        if item.start > end:
            self.fail(
                f"{key}.from", f"a month within the horizon (ends {end:%Y-%m})", _ym(item.start)
            )
        stop = None
        if item.until is not None:
            if item.until < item.start:
                self.fail(
                    f"{key}.until", f"a month not before from ({item.start:%Y-%m})", _ym(item.until)
                )
            stop = _add_months(item.until, 1)  # until is inclusive; Override.end is exclusive
        if item.path not in ps:
            near = _near(item.path, ps.paths())
            self.fail(f"{key}.path", "a parameter path of the tree", f"got {item.path!r}{near}")
        p = ps[item.path]
        base = Override(
            item.path, item.start, end=stop, reference=item.reference or f"scenario {name}"
        )
        if isinstance(p, Parameter):
            if item.counties is not None and not p.varies_by:
                self.fail(
                    f"{key}.counties",
                    f"no counties for {item.path} (province-wide: its YAML declares no varies_by)",
                )
            for k in ("keys", "toward"):
                if getattr(item, k) is not None:
                    self.fail(f"{key}.{k}", f"no {k} for {item.path} (not a county table)")
            if item.counties:
                kinds = ("prefecture",) if p.varies_by == "prefecture" else None
                base = replace(
                    base, counties=self.codes(item.counties, f"{key}.counties", kinds=kinds)
                )
            if item.relative is not None:
                if p.type not in ("number", "mapping"):
                    self.fail(f"{key}.relative", f"a value instead ({item.path} is a {p.type})")
                return [replace(base, relative=self.relative(p, item.relative, key))]
            return [
                replace(base, value=self.scalar_value(p, item.value, item.start, f"{key}.value"))
            ]
        base = replace(base, keys=self.table_keys(p, item.keys, f"{key}.keys"))
        if item.counties:
            base = replace(
                base, counties=self.codes(item.counties, f"{key}.counties", p.county_codes)
            )
        if item.relative is not None:
            return [replace(base, relative=self.relative(p, item.relative, key))]
        if item.value is not None:
            return [replace(base, value=self.number(p, item.value, f"{key}.value"))]
        return self.toward(p, item, base, key)

    def toward(
        self, p: CountyParameter, item: _Override, base: Override, key: str
    ) -> list[Override]:
        """Expand a gap-closing entry into absolute per-county overrides:
        new = now + gap_closed × (value of the ``toward`` key − now), at ``from``, to the fen."""
        assert item.toward is not None and item.gap_closed is not None
        if item.toward not in p.keys:
            self.fail(f"{key}.toward", f"one of the keys {list(p.keys)}", f"got {item.toward!r}")
        targets = base.keys or tuple(k for k in p.keys if k != item.toward)
        if item.toward in targets:
            self.fail(f"{key}.keys", f"keys other than toward ({item.toward!r})")
        share = item.gap_closed
        ref = f"{base.reference} (closes {share:.0%} of the gap to {item.toward})"
        made: list[Override] = []
        for c in base.counties or p.county_codes:
            goal = _num(p.entry_at(item.start, c, item.toward).value)
            for k in targets:
                now = _num(p.entry_at(item.start, c, k).value)
                new = round(now + share * (goal - now), 2)  # 0.01 yuan: the smallest unit paid
                made.append(replace(base, value=new, counties=(c,), keys=(k,), reference=ref))
        return made

    def relative(self, p: Parameter | CountyParameter, value: float, key: str) -> float:
        try:
            return guard.check_relative(self.file, f"{key}.relative", p, value)
        except InputError as exc:
            self.fail(exc.key, f"{exc.expected} for {p.path}", exc.got)

    def number(self, p: Parameter | CountyParameter, value: object, key: str) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            self.fail(key, f"a number ({p.path}: {p.unit})", f"got {_short(value)}")
        self.check_bounds(p, float(value), key)
        return float(value)

    def scalar_value(self, p: Parameter, value: object, when: dt.date, key: str) -> Value:
        """Check an absolute value against the parameter's type, bounds and choices; a table
        for a mapping parameter may give some of its keys (the others keep their values)."""
        if p.type == "mapping":
            current = p.at(when)
            assert isinstance(current, dict)
            if not isinstance(value, dict) or not value:
                self.fail(key, f"a table of numbers with keys from {sorted(current)}", _got(value))
            merged = dict(current)
            for k, v in value.items():
                if k not in current:
                    self.fail(f"{key}.{k}", f"one of the keys {sorted(current)}", f"got {k!r}")
                merged[k] = self.number(p, v, f"{key}.{k}")
            return merged
        if p.type == "number":
            out: Value = self.number(p, value, key)
        elif p.type == "integer" and isinstance(value, int) and not isinstance(value, bool):
            self.check_bounds(p, float(value), key)
            out = value
        elif (p.type == "bool" and isinstance(value, bool)) or (
            p.type == "string" and isinstance(value, str)
        ):
            out = value
        else:
            words = {"bool": "true or false", "string": "a string", "integer": "an integer"}
            self.fail(key, f"{words.get(p.type, p.type)} ({p.path}: {p.unit})", _got(value))
        choices = guard.parameter_spec(p).get("choices")
        if choices is not None and out not in choices:
            self.fail(key, f"one of {choices}", _got(value))
        return out

    def check_bounds(self, p: Parameter | CountyParameter, x: float, key: str) -> None:
        """The parameter's YAML min/max, else the plausibility bounds of its unit
        (``guard.parameter_bounds``)."""
        try:
            guard.check_parameter_value(self.file, key, p, x)
        except InputError as exc:
            self.fail(exc.key, exc.expected, exc.got)

    def check_result(self, ps: ParameterSet, item: _Override, key: str) -> None:
        """Values an override produced (relative changes, gap closing) stay within bounds."""
        p = ps[item.path]
        what = f"{key}.relative" if item.relative is not None else key
        if isinstance(p, Parameter):
            for e in (*p.entries, *(e for es in p.local.values() for e in es)):
                if (
                    e.status == "scenario"
                    and isinstance(e.value, int | float)
                    and not isinstance(e.value, bool)
                ):
                    self.check_bounds(p, float(e.value), what)
                if e.status == "scenario" and isinstance(e.value, dict):
                    for x in e.value.values():
                        self.check_bounds(p, float(x), what)
            return
        for (code, k), entries in p.entries.items():
            for e in entries:
                if e.status == "scenario":
                    try:
                        self.check_bounds(p, _num(e.value), what)
                    except ScenarioError as exc:
                        self.fail(exc.key, exc.expected, f"{exc.got} for {code}/{k}")

    def table_keys(
        self, p: CountyParameter, keys: list[str] | None, where: str
    ) -> tuple[str, ...] | None:
        if keys is None:
            return None
        for k in keys:
            if k not in p.keys:
                self.fail(where, f"keys of {p.path}: {list(p.keys)}", f"got {k!r}")
        return tuple(dict.fromkeys(keys))

    def codes(
        self,
        codes: list[str],
        where: str,
        allowed: Sequence[str] | None = None,
        kinds: tuple[str, ...] | None = None,
    ) -> tuple[str, ...]:
        """Counties or prefectures by code (current or census 2020) or name -> current county
        codes; unknown names are refused with the nearest known ones (:mod:`safetynet.places`)."""
        unique = places.county_codes(
            codes, self.file, where, ScenarioError, kinds or (places.COUNTY, places.PREFECTURE)
        )
        if allowed is not None:
            missing = [c for c in unique if c not in set(allowed)]
            if missing:
                self.fail(where, "counties of the parameter table", f"not in it: {missing[:3]}")
        return unique

    # -------------------------------------------------------------------------- cpi, shocks

    def cpi_spec(self) -> CpiSpec:
        c = self.doc.cpi
        if c.mode == "csv":
            if c.file is None:
                self.fail(
                    "cpi.file", "a CSV file name (relative to the scenario file) for mode csv"
                )
            for k in ("cpi", "food", "correlation"):
                if getattr(c, k) is not None:
                    self.fail(
                        f"cpi.{k}",
                        "no AR(1) coefficients for mode csv (the file gives every month)",
                    )
            target = (self.file.parent / c.file).resolve()
            if not target.exists():
                self.fail(
                    "cpi.file",
                    "an existing CSV file (relative to the scenario file)",
                    f"not found: {target}",
                )
            try:
                guard.check_input_file(target, "csv")
            except InputError as exc:
                self.fail("cpi.file", exc.expected, f"{target}: {exc.got}")
            return CpiSpec("csv", target, scenario_file=str(self.file))
        if c.file is not None:
            self.fail("cpi.file", 'no file unless mode = "csv"', f"mode is {c.mode!r}")
        spec = CpiSpec(
            c.mode,
            None,
            _ar1(c.cpi),
            _ar1(c.food),
            c.correlation,
            scenario_file=str(self.file),
        )
        given = {
            "cpi.mean_pct": (spec.cpi.mean_pct, "cpi.cpi.mean"),
            "cpi.ar": (spec.cpi.ar, "cpi.cpi.ar"),
            "cpi.sd_pct": (spec.cpi.sd_pct, "cpi.cpi.sd"),
            "food.mean_pct": (spec.food.mean_pct, "cpi.food.mean"),
            "food.ar": (spec.food.ar, "cpi.food.ar"),
            "food.sd_pct": (spec.food.sd_pct, "cpi.food.sd"),
            "correlation": (spec.correlation, "cpi.correlation"),
        }
        for name, (value, key) in given.items():
            if value is None:
                continue
            path = PRICE_PARAMETERS[name]
            if path in self.params:
                self.check_bounds(self.params[path], value, key)
        return spec

    def check_cpi(self, scenario: Scenario) -> None:
        """Build replicate 0's CPI path once over the horizon and the price history a run
        needs before it: checks data coverage and a CSV's contents."""
        needs_params = scenario.cpi.mode != "csv"
        ps = scenario.parameters(self.params) if needs_params else None
        horizon = scenario.month_starts()
        months = np.arange(
            horizon[0] - np.timedelta64(HISTORY_MONTHS, "M"),
            horizon[-1] + np.timedelta64(1, "M"),
            dtype="datetime64[M]",
        )
        try:
            cpi_path(scenario.cpi, months, scenario.seed, 0, params=ps)
        except ParameterError as exc:
            self.fail("cpi", f"parameters for the CPI projection: {exc}")

    def shocks(self, start: dt.date, end: dt.date) -> tuple[Shock, ...]:
        out = []
        for i, s in enumerate(self.doc.shocks):
            key = f"shocks[{i}]"
            if not start <= s.start <= end:
                self.fail(
                    f"{key}.from",
                    f"a month within the horizon {start:%Y-%m}..{end:%Y-%m}",
                    _ym(s.start),
                )
            codes = self.codes(s.counties, f"{key}.counties")
            out.append(Shock(s.kind, codes, s.start, s.months, s.severity, s.note.strip()))
        return tuple(out)

    def outputs(self) -> OutputSpec:
        o = self.doc.outputs
        known = list(outputs.VARIABLE_BY_NAME)
        if o.variables is None:
            names = tuple(known)
        else:
            if not o.variables:
                self.fail(
                    "outputs.variables", "a non-empty list of output variable names", "got []"
                )
            for i, v in enumerate(o.variables):
                if v not in outputs.VARIABLE_BY_NAME:
                    self.fail(
                        f"outputs.variables[{i}]",
                        "an output variable name (see outputs.py)",
                        f"got {v!r}{_near(v, known)}",
                    )
            names = tuple(dict.fromkeys(o.variables))
        return OutputSpec(names, o.format, o.report, o.lang)


def _got(value: object) -> str:
    return f"got {_short(value)}"


def _ym(d: dt.date) -> str:
    return f"got {d:%Y-%m}"


def _num(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


def _ar1(a: _Ar1 | None) -> Ar1:
    return Ar1() if a is None else Ar1(a.mean, a.ar, a.sd)


def _add_months(d: dt.date, n: int) -> dt.date:
    """``d`` (first of month) plus ``n`` months.

    >>> _add_months(dt.date(2019, 5, 1), 127)
    datetime.date(2029, 12, 1)
    """
    k = d.year * 12 + d.month - 1 + n
    return dt.date(k // 12, k % 12 + 1, 1)
