"""Parameters as dated data: load the YAML tree, look values up at a date, apply scenario deltas.

Every policy number lives in one small YAML file under ``safetynet/parameters/`` (one file per
parameter, or a YAML header plus a long CSV table for county values). A file looks like::

    label: {zh: 低保边缘家庭收入倍数, en: Dibao-edge income multiple}
    unit: ratio
    description: Edge family if per-capita income < multiple × dibao standard.
    type: number            # number (default) | integer | bool | string | mapping
    min: 1                  # optional bounds, checked for every value
    values:
      - from: 2019-01-01
        value: 1.5
        status: estimated   # official | estimated | calibrated
        reference: POLICY.md §1 低保边缘 (ASSUMED)
        note: some places use 2

A county table has ``table: standard.csv`` and ``keys: [urban, rural]`` instead of ``values``; the
CSV has columns ``county_code,key,from,value,status,reference,note``. The path of a parameter is its
file path below the root with dots: ``dibao/edge_multiple.yaml`` -> ``dibao.edge_multiple``.

A scalar parameter whose meaning allows local values declares ``varies_by: county`` (an override
may then name counties or prefectures) or ``varies_by: prefecture`` (whole prefectures only).
Its file gives the province-wide value; overrides add dated values for some counties
(``Parameter.local``). ``params.at(date).services.cap_share`` stays the province value;
``params.at(date).services.per_county("cap_share")`` is the array in county-table order.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from safetynet.csvio import read_rows
from safetynet.errors import ParameterError

PARAMETERS_DIR = Path(__file__).parent / "parameters"
STATUSES = ("official", "estimated", "calibrated", "scenario")
TYPES = ("number", "integer", "bool", "string", "mapping")
HEADER_KEYS = {
    "label", "unit", "description", "type", "min", "max", "choices", "values", "varies_by",
}  # fmt: skip
#: levels a scalar parameter may vary by (``varies_by`` in its YAML)
VARIES_BY = ("county", "prefecture")
TABLE_KEYS = {"label", "unit", "description", "type", "min", "max", "table", "keys"}
ENTRY_KEYS = {"from", "value", "status", "reference", "note"}
TABLE_COLUMNS = ("county_code", "key", "from", "value", "status", "reference", "note")

Value = float | int | bool | str | dict[str, float]


def parse_date(text: object, file: str | Path, key: str) -> dt.date:
    """Parse ``YYYY-MM-DD`` or ``YYYY-MM`` (first of month) into a date.

    >>> parse_date("2022-07", "f", "k")
    datetime.date(2022, 7, 1)
    """
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    if isinstance(text, str):
        for fmt in ("%Y-%m-%d", "%Y-%m"):
            try:
                return dt.datetime.strptime(text.strip(), fmt).date()
            except ValueError:
                continue
    raise ParameterError(file, key, "a date like 2022-07-01 or 2022-07", f"got {text!r}")


@dataclass(frozen=True)
class Entry:
    """One dated value of a parameter with its provenance."""

    start: dt.date
    value: Value
    status: str
    reference: str
    note: str = ""
    #: entered by the planner (the ``safetynet template`` workbook), not by the package
    planner: bool = False


@dataclass(frozen=True)
class Parameter:
    """A scalar (or small mapping) parameter whose value changes on effective dates."""

    path: str
    label_zh: str
    label_en: str
    unit: str
    description: str
    type: str
    entries: tuple[Entry, ...]
    source_file: str = ""
    #: "" (province-wide only), "county" or "prefecture" (see the module docstring)
    varies_by: str = ""
    #: dated entries of the counties that have their own values (county code -> entries)
    local: Mapping[str, tuple[Entry, ...]] = field(default_factory=dict)

    def entry_at(self, when: dt.date) -> Entry:
        """The entry in force on ``when``; the first entry also covers earlier dates."""
        starts = [e.start for e in self.entries]
        i = bisect.bisect_right(starts, when) - 1
        return self.entries[max(i, 0)]

    def county_entry_at(self, when: dt.date, county_code: str) -> Entry:
        """The entry in force on ``when`` in one county (its own value, else the province's)."""
        entries = self.local.get(county_code, self.entries)
        starts = [e.start for e in entries]
        return entries[max(bisect.bisect_right(starts, when) - 1, 0)]

    def per_county(self, when: dt.date, county_codes: Sequence[str]) -> np.ndarray:
        """Values in force on ``when`` per county (float64, in the order of ``county_codes``)."""
        base = float(self.at(when))  # type: ignore[arg-type]
        out = np.full(len(county_codes), base, dtype=np.float64)
        if self.local:
            for j, code in enumerate(county_codes):
                if code in self.local:
                    out[j] = float(self.county_entry_at(when, code).value)  # type: ignore[arg-type]
        out.setflags(write=False)
        return out

    def at(self, when: dt.date) -> Value:
        """The value in force on ``when``."""
        return self.entry_at(when).value

    def dates(self) -> list[dt.date]:
        return [e.start for e in self.entries]


@dataclass(frozen=True)
class CountyParameter:
    """A parameter with one dated value per county (and key, e.g. urban/rural): a long table."""

    path: str
    label_zh: str
    label_en: str
    unit: str
    description: str
    keys: tuple[str, ...]
    county_codes: tuple[str, ...]
    # entries[(county_code, key)] -> dated entries, sorted by start
    entries: Mapping[tuple[str, str], tuple[Entry, ...]]
    source_file: str = ""
    type: str = "number"
    _cache: dict[tuple[str, dt.date], np.ndarray] = field(
        default_factory=dict, compare=False, repr=False
    )

    def at(self, when: dt.date, key: str) -> np.ndarray:
        """Values in force on ``when`` for every county (float64, in county order)."""
        if key not in self.keys:
            raise ParameterError(self.source_file, f"{self.path}[{key}]", f"one of {self.keys}")
        hit = self._cache.get((key, when))
        if hit is not None:
            return hit
        out = np.empty(len(self.county_codes), dtype=np.float64)
        for j, code in enumerate(self.county_codes):
            entries = self.entries[(code, key)]
            starts = [e.start for e in entries]
            i = max(bisect.bisect_right(starts, when) - 1, 0)
            out[j] = float(entries[i].value)  # type: ignore[arg-type]
        out.setflags(write=False)
        self._cache[(key, when)] = out
        return out

    def entry_at(self, when: dt.date, county_code: str, key: str) -> Entry:
        entries = self.entries[(county_code, key)]
        starts = [e.start for e in entries]
        return entries[max(bisect.bisect_right(starts, when) - 1, 0)]

    def statuses_at(self, when: dt.date, key: str) -> np.ndarray:
        """Status of the value in force per county (official / estimated / ...)."""
        return np.array([self.entry_at(when, c, key).status for c in self.county_codes])

    def dates(self) -> list[dt.date]:
        return sorted({e.start for es in self.entries.values() for e in es})


AnyParameter = Parameter | CountyParameter


class Branch:
    """Values of one branch of the parameter tree at a date, read by attribute.

    ``params.at(date).dibao.edge_multiple`` -> 1.5; county parameters give a
    :class:`CountyValues` (``.urban`` / ``.rural`` arrays in county order). A parameter declared
    ``varies_by`` reads as its province value; ``per_county(name)`` gives its array per county.
    """

    def __init__(
        self,
        prefix: str,
        values: Mapping[str, Any],
        local: Mapping[str, Callable[[], np.ndarray]] | None = None,
    ) -> None:
        self._prefix = prefix
        self._values = values
        self._local = local or {}
        self._local_cache: dict[str, np.ndarray] = {}

    def per_county(self, name: str) -> np.ndarray:
        """Values of the ``varies_by`` parameter ``name`` per county (county-table order)."""
        hit = self._local_cache.get(name)
        if hit is not None:
            return hit
        try:
            make = self._local[name]
        except KeyError:
            where = f"{self._prefix}.{name}" if self._prefix else name
            raise AttributeError(f"{where!r} is not a parameter that varies by county") from None
        out = self._local_cache[name] = make()
        return out

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            where = f"{self._prefix}.{name}" if self._prefix else name
            raise AttributeError(f"no parameter or branch {where!r}") from None

    def __dir__(self) -> Iterable[str]:
        return list(self._values)

    def __repr__(self) -> str:
        return f"Branch({self._prefix or '<root>'}: {sorted(self._values)})"


class CountyValues:
    """Per-county arrays of a county parameter at a date, by key (``.urban``, ``["rural"]``)."""

    def __init__(self, path: str, arrays: Mapping[str, np.ndarray]) -> None:
        self._path = path
        self._arrays = arrays

    def __getitem__(self, key: str) -> np.ndarray:
        try:
            return self._arrays[key]
        except KeyError:
            raise KeyError(
                f"{self._path} has no key {key!r}; keys: {sorted(self._arrays)}"
            ) from None

    def __getattr__(self, name: str) -> np.ndarray:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._arrays[name]
        except KeyError:
            raise AttributeError(f"{self._path} has no key {name!r}") from None

    def keys(self) -> list[str]:
        return list(self._arrays)


@dataclass(frozen=True)
class Override:
    """A scenario delta on one parameter.

    Absolute (``value``) replaces the value from ``start`` (until ``end`` if given); relative
    (``relative``, e.g. 0.08 for +8%) scales every value in force from ``start`` on. For county
    parameters and parameters declared ``varies_by``, ``counties`` (codes) restricts where it
    applies (``keys`` too, for county tables). ``status`` and ``planner`` mark the new entries
    (planner-supplied official figures come from the inputs workbook).
    """

    path: str
    start: dt.date
    value: Value | None = None
    relative: float | None = None
    end: dt.date | None = None
    counties: tuple[str, ...] | None = None
    keys: tuple[str, ...] | None = None
    reference: str = "scenario"
    status: str = "scenario"
    planner: bool = False


@dataclass(frozen=True)
class DiffRow:
    """One difference between two parameter sets (for reports and ``scenario diff``)."""

    path: str
    label_zh: str
    label_en: str
    unit: str
    start: dt.date
    where: str  # "" for scalars, "county_code/key" for county tables
    old: Value | None
    new: Value | None
    status: str
    reference: str
    planner: bool = False  # the new value was supplied by the planner (inputs workbook)


class ParameterSet:
    """The whole parameter tree: look-up by path, snapshots at a date, overrides, diffs."""

    def __init__(
        self,
        parameters: Mapping[str, AnyParameter],
        root: str = "",
        county_codes: Sequence[str] | None = None,
    ) -> None:
        self._params = dict(sorted(parameters.items()))
        self.root = root
        self._snapshots: dict[dt.date, Branch] = {}
        self._county_codes = tuple(county_codes) if county_codes is not None else None

    @property
    def county_codes(self) -> tuple[str, ...]:
        """County codes in county-table order (the order of every per-county array)."""
        if self._county_codes is None:
            from safetynet.refdata import counties

            self._county_codes = tuple(str(c) for c in counties().code)
        return self._county_codes

    def per_county(self, path: str, when: dt.date) -> np.ndarray:
        """Values per county (county-table order) of a parameter declared ``varies_by``."""
        p = self[path]
        if not isinstance(p, Parameter) or not p.varies_by:
            raise ParameterError(
                getattr(p, "source_file", ""), path, "a parameter declared varies_by"
            )
        return p.per_county(when, self.county_codes)

    def __getitem__(self, path: str) -> AnyParameter:
        try:
            return self._params[path]
        except KeyError:
            raise ParameterError(
                self.root or "parameters", path, "a known parameter path", _near(path, self._params)
            ) from None

    def __contains__(self, path: object) -> bool:
        return path in self._params

    def __iter__(self) -> Iterator[AnyParameter]:
        return iter(self._params.values())

    def __len__(self) -> int:
        return len(self._params)

    def paths(self) -> list[str]:
        return list(self._params)

    def value(self, path: str, when: dt.date) -> Value:
        """Value of a scalar parameter in force on ``when``."""
        p = self[path]
        if isinstance(p, CountyParameter):
            raise ParameterError(p.source_file, path, "a scalar parameter (this is a county table)")
        return p.at(when)

    def at(self, when: dt.date) -> Branch:
        """All values in force on ``when`` as a tree read by attribute (cached per date)."""
        hit = self._snapshots.get(when)
        if hit is not None:
            return hit
        tree = _Node()
        local: dict[str, dict[str, Callable[[], np.ndarray]]] = {}
        for path, p in self._params.items():
            *branches, leaf = path.split(".")
            node = tree
            for b in branches:
                node = node.setdefault(b, _Node())
            if isinstance(p, Parameter) and p.varies_by:
                local.setdefault(".".join(branches), {})[leaf] = functools.partial(
                    p.per_county, when, self.county_codes
                )
            if isinstance(p, CountyParameter):
                node[leaf] = CountyValues(path, {k: p.at(when, k) for k in p.keys})
            else:
                value = p.at(when)
                # a mapping value is handed out as a fresh dict (read with [key], .get, .items())
                node[leaf] = dict(value) if isinstance(value, dict) else value
        snap = _to_branch("", tree, local)
        self._snapshots[when] = snap
        return snap

    def with_overrides(self, overrides: Sequence[Override]) -> ParameterSet:
        """A new set with the scenario deltas applied (this one is unchanged)."""
        params = dict(self._params)
        for ov in overrides:
            p = params[ov.path] if ov.path in params else self[ov.path]
            params[ov.path] = _apply(p, ov, self.county_codes)
        return ParameterSet(params, self.root, self._county_codes)

    def diff(self, other: ParameterSet) -> list[DiffRow]:
        """Entries that differ between ``self`` (old) and ``other`` (new)."""
        rows: list[DiffRow] = []
        for path in sorted(set(self._params) | set(other._params)):
            a, b = self._params.get(path), other._params.get(path)
            if a == b or b is None:
                continue
            if isinstance(b, CountyParameter):
                assert a is None or isinstance(a, CountyParameter)
                for ck in sorted(b.entries):
                    old_entries = a.entries.get(ck, ()) if a else ()
                    rows += _diff_entries(b, old_entries, b.entries[ck], f"{ck[0]}/{ck[1]}")
            else:
                assert a is None or isinstance(a, Parameter)
                rows += _diff_entries(b, a.entries if a else (), b.entries, "")
                for code in sorted(b.local):
                    old = (a.local.get(code, a.entries) if a else ()) or ()
                    if a is not None and old == b.local[code]:
                        continue
                    rows += _diff_entries(b, old, b.local[code], code)
        return rows


def _near(path: str, known: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(path, list(known), n=3)
    return f"got {path!r}" + (f"; did you mean {', '.join(close)}?" if close else "")


class _Node(dict[str, Any]):
    """A branch of the snapshot tree under construction (a plain dict is a mapping value)."""


def _to_branch(
    prefix: str, tree: Mapping[str, Any], local: Mapping[str, Mapping[str, Callable[[], Any]]]
) -> Branch:
    values = {
        k: _to_branch(f"{prefix}.{k}" if prefix else k, v, local) if isinstance(v, _Node) else v
        for k, v in tree.items()
    }
    return Branch(prefix, values, local.get(prefix))


def _diff_entries(
    p: AnyParameter, old: Sequence[Entry], new: Sequence[Entry], where: str
) -> list[DiffRow]:
    dates = sorted({e.start for e in old} | {e.start for e in new})
    rows = []
    for d in dates:
        o = _in_force(old, d)
        n = _in_force(new, d)
        if n is None or (o is not None and o.value == n.value):
            continue
        if any(e.start == d for e in new) or (o is not None and o.value != n.value):
            rows.append(
                DiffRow(
                    p.path, p.label_zh, p.label_en, p.unit, d, where,
                    o.value if o else None, n.value, n.status, n.reference, n.planner,
                )
            )  # fmt: skip
    # collapse consecutive rows with the same new value (an old entry inside an override window)
    out: list[DiffRow] = []
    for r in rows:
        if out and out[-1].new == r.new and out[-1].where == r.where and r.old == out[-1].old:
            continue
        out.append(r)
    return out


def _in_force(entries: Sequence[Entry], when: dt.date) -> Entry | None:
    chosen = None
    for e in entries:
        if e.start <= when:
            chosen = e
    return chosen


def _scaled(value: Value, factor: float, where: str, kind: str = "number") -> Value:
    if isinstance(value, bool | str):
        raise ParameterError("scenario", where, "a numeric parameter for a relative change")
    if isinstance(value, dict):
        return {k: v * factor for k, v in value.items()}
    if kind == "integer":
        return round(value * factor)
    return value * factor


def _override_entries(
    entries: Sequence[Entry], ov: Override, kind: str = "number"
) -> tuple[Entry, ...]:
    """Entries with ``ov`` applied on ``[ov.start, ov.end)``; the old values resume at ``end``."""
    before = [e for e in entries if e.start < ov.start]
    current = _in_force(entries, ov.start) or entries[0]
    later = [e for e in entries if e.start > ov.start]
    if ov.end is not None:
        resume = _in_force(entries, ov.end) or entries[0]
        tail = [e for e in later if e.start > ov.end]
        later_in_window = [e for e in later if e.start < ov.end]
    else:
        resume, tail, later_in_window = None, [], later
    ref, st, planner = ov.reference, ov.status, ov.planner
    if ov.relative is not None:
        f = 1.0 + ov.relative
        head = [replace(current, start=ov.start, value=_scaled(current.value, f, ov.path, kind),
                        status=st, reference=ref, planner=planner)]  # fmt: skip
        window = [
            replace(e, value=_scaled(e.value, f, ov.path, kind), status=st, reference=ref,
                    planner=planner)
            for e in later_in_window
        ]  # fmt: skip
    else:
        assert ov.value is not None
        head = [Entry(ov.start, ov.value, st, ref, planner=planner)]
        window = []
    out = before + head + window
    if resume is not None and ov.end is not None:
        out.append(replace(resume, start=ov.end))
        out += tail
    return tuple(out)


def _check_override(ov: Override) -> None:
    if (ov.value is None) == (ov.relative is None):
        raise ParameterError("scenario", ov.path, "exactly one of value or relative")
    if ov.end is not None and ov.end <= ov.start:
        raise ParameterError(
            "scenario", f"{ov.path}.end", f"an end date after the start {ov.start}", str(ov.end)
        )


def _apply(p: AnyParameter, ov: Override, county_codes: Sequence[str] = ()) -> AnyParameter:
    _check_override(ov)
    if ov.status not in STATUSES:
        raise ParameterError("scenario", f"{ov.path}.status", f"one of {list(STATUSES)}", ov.status)
    if isinstance(p, Parameter):
        if ov.keys:
            raise ParameterError("scenario", ov.path, "no keys for a scalar parameter")
        if ov.counties and not p.varies_by:
            raise ParameterError(
                "scenario",
                f"{ov.path}.counties",
                f"no counties ({ov.path} is province-wide: its YAML declares no varies_by)",
            )
        if ov.value is not None:
            _check_value(p.type, ov.value, "scenario", ov.path, {})
            if p.type == "mapping":
                _check_same_keys(p.entries[0].value, ov.value, "scenario", ov.path)
        if ov.counties:
            unknown = [c for c in ov.counties if county_codes and c not in county_codes]
            if unknown:
                raise ParameterError(
                    "scenario", f"{ov.path}.counties", "known county codes", str(unknown)
                )
            local = dict(p.local)
            for c in ov.counties:
                local[c] = _override_entries(p.local.get(c, p.entries), ov, p.type)
            return replace(p, local=local)
        # province-wide: the counties with their own values change with the province
        return replace(
            p,
            entries=_override_entries(p.entries, ov, p.type),
            local={c: _override_entries(es, ov, p.type) for c, es in p.local.items()},
        )
    if ov.value is not None:
        _check_value(p.type, ov.value, "scenario", ov.path, {})
    keys = ov.keys or p.keys
    for k in keys:
        if k not in p.keys:
            raise ParameterError("scenario", f"{ov.path}.keys", f"one of {list(p.keys)}", k)
    codes = ov.counties or p.county_codes
    unknown = [c for c in codes if c not in p.county_codes]
    if unknown:
        raise ParameterError("scenario", f"{ov.path}.counties", "known county codes", str(unknown))
    new = dict(p.entries)
    for c in codes:
        for k in keys:
            new[(c, k)] = _override_entries(p.entries[(c, k)], ov, p.type)
    return replace(p, entries=new, _cache={})


# ---------------------------------------------------------------- loading and validation


def _check_value(
    kind: str, value: object, file: str | Path, key: str, spec: Mapping[str, Any]
) -> Value:
    ok: bool
    if kind == "bool":
        ok = isinstance(value, bool)
    elif kind == "string":
        ok = isinstance(value, str)
    elif kind == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind == "mapping":
        ok = isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, int | float) and not isinstance(v, bool)
            for k, v in value.items()
        )
    else:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        ok = ok and math.isfinite(float(value))  # type: ignore[arg-type]
    if not ok:
        raise ParameterError(file, key, f"a value of type {kind}", f"got {value!r}")
    nums: list[float] = []
    if kind in ("number", "integer"):
        nums = [float(value)]  # type: ignore[arg-type]
    elif kind == "mapping":
        nums = [float(v) for v in value.values()]  # type: ignore[attr-defined]
    lo, hi = spec.get("min"), spec.get("max")
    for x in nums:
        if (lo is not None and x < lo) or (hi is not None and x > hi):
            raise ParameterError(file, key, f"a value within [{lo}, {hi}]", f"got {x}")
    choices = spec.get("choices")
    if choices is not None and value not in choices:
        raise ParameterError(file, key, f"one of {choices}", f"got {value!r}")
    return value  # type: ignore[return-value]


def _check_entry_meta(status: object, reference: object, file: str | Path, key: str) -> None:
    if status not in STATUSES[:3]:
        raise ParameterError(
            file, f"{key}.status", f"one of {list(STATUSES[:3])}", f"got {status!r}"
        )
    if not isinstance(reference, str) or not reference.strip():
        raise ParameterError(file, f"{key}.reference", "a non-empty reference (seed § or notice)")


def _header(doc: Mapping[str, Any], file: Path) -> tuple[str, str, str, str, str]:
    label = doc.get("label")
    if not isinstance(label, dict):
        raise ParameterError(file, "label", "a mapping with non-empty zh and en strings")
    extra = sorted(str(k) for k in label if k not in ("zh", "en"))
    if extra:  # e.g. an unquoted comma in a flow mapping: {en: Share of medical, schooling}
        raise ParameterError(file, f"label.{extra[0]}", "only zh and en (quote text with commas)")
    for lang in ("zh", "en"):
        text = label.get(lang)
        if not isinstance(text, str) or not text.strip():
            raise ParameterError(file, f"label.{lang}", "a non-empty label string")
    unit = doc.get("unit")
    if not isinstance(unit, str) or not unit.strip():
        raise ParameterError(file, "unit", "a non-empty unit string (e.g. yuan/person/month)")
    kind = doc.get("type", "number")
    if kind not in TYPES:
        raise ParameterError(file, "type", f"one of {list(TYPES)}", f"got {kind!r}")
    desc = doc.get("description", "")
    if not isinstance(desc, str):
        raise ParameterError(file, "description", "a string")
    return label["zh"], label["en"], unit, desc, kind


_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_parameter_file(file: Path, path: str, county_codes: Sequence[str]) -> AnyParameter:
    """Load and validate one YAML parameter file (or a county-table header)."""
    try:
        # libyaml's safe loader when PyYAML has it (same documents, ~10× faster: the report
        # and every run read all ~130 files)
        doc = yaml.load(file.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise ParameterError(file, "<file>", "valid YAML", str(exc).splitlines()[0]) from None
    if not isinstance(doc, dict):
        raise ParameterError(file, "<file>", "a YAML mapping at the top level")
    if "table" in doc:
        return _load_table(file, path, doc, county_codes)
    unknown = set(doc) - HEADER_KEYS
    if unknown:
        raise ParameterError(file, sorted(unknown)[0], f"only the keys {sorted(HEADER_KEYS)}")
    zh, en, unit, desc, kind = _header(doc, file)
    varies = doc.get("varies_by", "")
    if varies and varies not in VARIES_BY:
        raise ParameterError(file, "varies_by", f"one of {list(VARIES_BY)}", f"got {varies!r}")
    if varies and kind not in ("number", "integer"):
        raise ParameterError(file, "varies_by", "a number or integer parameter (type)", kind)
    values = doc.get("values")
    if not isinstance(values, list) or not values:
        raise ParameterError(file, "values", "a non-empty list of {from, value, status, reference}")
    entries: list[Entry] = []
    for i, item in enumerate(values):
        key = f"values[{i}]"
        if not isinstance(item, dict):
            raise ParameterError(file, key, "a mapping with from, value, status, reference")
        extra = set(item) - ENTRY_KEYS
        if extra:
            raise ParameterError(file, f"{key}.{sorted(extra)[0]}", f"only {sorted(ENTRY_KEYS)}")
        for req in ("from", "value", "status", "reference"):
            if req not in item:
                raise ParameterError(file, f"{key}.{req}", "a value (missing)")
        start = parse_date(item["from"], file, f"{key}.from")
        value = _check_value(kind, item["value"], file, f"{key}.value", doc)
        _check_entry_meta(item["status"], item["reference"], file, key)
        note = item.get("note", "") or ""
        entries.append(Entry(start, value, item["status"], item["reference"].strip(), str(note)))
    _check_sorted([e.start for e in entries], file, "values")
    if kind == "mapping":
        for i, e in enumerate(entries[1:], start=1):
            _check_same_keys(entries[0].value, e.value, file, f"values[{i}].value")
    return Parameter(path, zh, en, unit, desc, kind, tuple(entries), str(file), str(varies or ""))


def _check_same_keys(first: object, value: object, file: str | Path, key: str) -> None:
    """Every value of a mapping parameter has the same keys (rules may index any of them)."""
    assert isinstance(first, dict) and isinstance(value, dict)
    if set(value) != set(first):
        raise ParameterError(file, key, f"the keys {sorted(first)}", f"got {sorted(value)}")


def _check_sorted(starts: Sequence[dt.date], file: str | Path, key: str) -> None:
    for a, b in itertools.pairwise(starts):
        if b == a:
            raise ParameterError(file, key, "distinct effective dates", f"duplicate {b}")
        if b < a:
            raise ParameterError(file, key, "effective dates in increasing order", f"{b} after {a}")


def _load_table(
    file: Path, path: str, doc: Mapping[str, Any], county_codes: Sequence[str]
) -> CountyParameter:
    unknown = set(doc) - TABLE_KEYS
    if unknown:
        raise ParameterError(file, sorted(unknown)[0], f"only the keys {sorted(TABLE_KEYS)}")
    zh, en, unit, desc, kind = _header(doc, file)
    if kind not in ("number", "integer"):
        raise ParameterError(file, "type", "number or integer for a county table")
    keys = doc.get("keys", ["all"])
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
        raise ParameterError(file, "keys", "a non-empty list of strings (e.g. [urban, rural])")
    table = file.parent / str(doc["table"])
    if not table.is_file():
        raise ParameterError(file, "table", "an existing CSV file next to the YAML", str(table))
    known = set(county_codes)
    rows: dict[tuple[str, str], list[Entry]] = {}
    header, table_rows = read_rows(table, ParameterError)
    missing = [c for c in TABLE_COLUMNS[:-1] if c not in header]
    if missing:
        raise ParameterError(
            table, "<header>", f"columns {list(TABLE_COLUMNS)}", f"missing {missing}"
        )
    for n, row in enumerate(table_rows, start=2):
        where = f"line {n}"
        code = (row["county_code"] or "").strip()
        if code not in known:
            raise ParameterError(table, f"{where}.county_code", "a known county code", repr(code))
        k = (row["key"] or "").strip()
        if k not in keys:
            raise ParameterError(table, f"{where}.key", f"one of {keys}", repr(k))
        try:
            num: float = float(row["value"])
        except (TypeError, ValueError):
            raise ParameterError(table, f"{where}.value", "a number", repr(row["value"])) from None
        _check_value("number", num, table, f"{where}.value", doc)
        _check_entry_meta(row["status"], row["reference"], table, where)
        start = parse_date(row["from"], table, f"{where}.from")
        rows.setdefault((code, k), []).append(
            Entry(start, num, row["status"], row["reference"].strip(), row.get("note") or "")
        )
    entries: dict[tuple[str, str], tuple[Entry, ...]] = {}
    for c in county_codes:
        for k in keys:
            es = rows.get((c, k))
            if not es:
                raise ParameterError(table, f"{c}/{k}", "at least one row for every county and key")
            _check_sorted([e.start for e in es], table, f"{c}/{k}")
            entries[(c, k)] = tuple(es)
    return CountyParameter(
        path, zh, en, unit, desc, tuple(keys), tuple(county_codes), entries, str(file), kind
    )


def load_parameters(
    root: Path | None = None, county_codes: Sequence[str] | None = None
) -> ParameterSet:
    """Load every ``*.yaml`` under ``root`` (default: the package's parameter tree).

    County tables are checked against ``county_codes`` (default: the package county table).
    """
    if root is None and county_codes is None:
        return _default_parameters()
    return _load(root or PARAMETERS_DIR, county_codes)


@cache
def _default_parameters() -> ParameterSet:
    return _load(PARAMETERS_DIR, None)


def _load(root: Path, county_codes: Sequence[str] | None) -> ParameterSet:
    if county_codes is None:
        from safetynet.refdata import counties

        county_codes = [str(c) for c in counties().code]
    if not root.is_dir():
        raise ParameterError(root, "<dir>", "a directory of parameter YAML files")
    params: dict[str, AnyParameter] = {}
    for file in sorted(root.rglob("*.yaml")):
        rel = file.relative_to(root).with_suffix("")
        path = ".".join(rel.parts)
        params[path] = load_parameter_file(file, path, county_codes)
    return ParameterSet(params, str(root), county_codes)
