"""Household schema (家庭户数据结构): every column declared once, with dtype, unit and meaning.

One row per (sampled) household; ``weight`` = households it represents. The same declarations
give the xarray attributes (:meth:`Households.to_xarray`), the checks (:meth:`Households.validate`)
and the table in docs/population.md (:func:`schema_markdown`). Money is float32 yuan per
household per month (assets: yuan); counts are int8 persons. The ``*_z`` and ``propensity``
columns are persistent latent draws so that incomes, assessments and take-up stay consistent
over time and between a reform and its baseline.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import xarray as xr

from safetynet.errors import InputError

__all__ = [
    "CARE_LEVEL_CODES",
    "COLUMN_BY_NAME",
    "DISABILITY_CODES",
    "PERSON_SCHEMA",
    "PROGRAMME_CODES",
    "SCHEMA",
    "Column",
    "Households",
    "Persons",
    "empty",
    "schema_markdown",
]

Array = npt.NDArray[Any]

PROGRAMME_CODES: dict[int, tuple[str, str]] = {
    0: ("无", "none"),
    1: ("低保（整户）", "dibao, whole household"),
    2: ("低保（单人保）", "dibao, single person"),
    3: ("特困分散供养", "tekun, dispersed care"),
    4: ("特困集中供养", "tekun, institutional care"),
}
CARE_LEVEL_CODES: dict[int, tuple[str, str]] = {
    0: ("生活自理", "able to look after oneself"),
    1: ("部分失能", "partly dependent"),
    2: ("完全失能", "fully dependent"),
}

DISABILITY_CODES: dict[int, tuple[str, str]] = {
    0: ("无残疾", "none"),
    1: ("肢体等其他残疾", "physical or other"),
    2: ("智力或精神残疾", "intellectual or mental"),
}

MAX_MEMBERS = 20
MAX_MONTHS = 60


@dataclass(frozen=True)
class Column:
    """One household column: storage dtype, unit, zh/en label, meaning, allowed values.

    ``bounds`` is the closed range of allowed values (``None``: any finite value); ``codes``
    lists the allowed integer codes with zh/en labels for categorical columns.
    """

    name: str
    dtype: str
    unit: str
    label_zh: str
    label_en: str
    meaning: str
    bounds: tuple[float, float] | None = None
    codes: Mapping[int, tuple[str, str]] = field(default_factory=dict)
    default: float = 0

    @property
    def np_dtype(self) -> np.dtype[Any]:
        return np.dtype(self.dtype)

    def allowed(self) -> str:
        """Allowed values in words (for docs and xarray attrs)."""
        if self.codes:
            return ", ".join(f"{k} {en} ({zh})" for k, (zh, en) in self.codes.items())
        if self.dtype == "bool":
            return "False, True"
        if self.bounds is None:
            return "any finite value"
        lo, hi = self.bounds
        as_float = self.np_dtype.kind == "f"
        low = f"{lo:g}" if as_float else f"{int(lo)}"
        if not np.isfinite(hi):
            return f"≥ {low}"
        return f"{low} .. {hi:g}" if as_float else f"{low} .. {int(hi)}"


def _c(
    name: str,
    dtype: str,
    unit: str,
    zh: str,
    en: str,
    meaning: str,
    bounds: tuple[float, float] | None = None,
    codes: Mapping[int, tuple[str, str]] | None = None,
    default: float = 0,
) -> Column:
    return Column(name, dtype, unit, zh, en, meaning, bounds, dict(codes or {}), default)


_INF = float("inf")
_PERSONS = (0.0, float(MAX_MEMBERS))
_MONEY = (0.0, _INF)

SCHEMA: tuple[Column, ...] = (
    # -------------------------------------------------------------- where and how many
    _c("county", "int16", "index", "区县", "County",
       "Position of the county in refdata.counties() (sorted by current 6-digit code).",
       (0, 32767)),
    _c("urban", "bool", "flag", "城镇户", "Urban household",
       "True: urban residence (城市低保 standard applies); False: rural (农村)."),
    _c("weight", "float32", "households", "权重", "Weight",
       "Households of the county that this row represents (family_households / n sampled).",
       (1e-6, _INF), default=1.0),
    # -------------------------------------------------------------- members
    _c("size", "int8", "persons", "家庭人口", "Household size",
       "Members of the family household (census 家庭户); = n_0_15 + n_16_17 + n_18_59 + n_60p. "
       "The count columns below are derived from the person table (members.derive_counts).",
       (1, MAX_MEMBERS), default=1),
    _c("first_member", "int32", "index", "首位成员位置", "First member",
       "Position of the household's first member in the person table (members are "
       "persons[first_member : first_member + size], contiguous).", (0, 2**31 - 1)),
    _c("member_slots", "int8", "persons", "成员位数", "Member slots",
       "Person-table slots reserved for the household (size + room for births; slots of "
       "households follow each other: first_member of the next = first_member + member_slots).",
       (1, MAX_MEMBERS), default=1),
    _c("n_0_15", "int8", "persons", "0–15岁人数", "Members aged 0–15",
       "Children aged 0–15.", _PERSONS),
    _c("n_16_17", "int8", "persons", "16–17岁人数", "Members aged 16–17",
       "Minors aged 16–17 (tekun minors only after the age limit rose to 18, S4 二(一)).",
       _PERSONS),
    _c("n_18_59", "int8", "persons", "18–59岁人数", "Members aged 18–59",
       "Working-age adults aged 18–59.", _PERSONS),
    _c("n_60p", "int8", "persons", "60岁以上人数", "Members aged 60+",
       "Members aged 60 and over (tekun elderly, S4 二(一)).", _PERSONS),
    _c("n_65p", "int8", "persons", "65岁以上人数", "Members aged 65+",
       "Members aged 65 and over (subset of n_60p; census households-with-65+ marginal).",
       _PERSONS),
    _c("n_workers", "int8", "persons", "就业人数", "Workers",
       "Members who work (person column works); at generation members aged 16+ neither "
       "disabled nor seriously ill.",
       _PERSONS),
    _c("n_disabled_severe", "int8", "persons", "一二级残疾人数", "Grade 1–2 disabled",
       "Members with a grade 1–2 disability of any kind (重度残疾).", _PERSONS),
    _c("n_disabled_mental", "int8", "persons", "三四级智力精神残疾人数",
       "Grade 3–4 intellectual/mental disabled",
       "Members with a grade 3–4 intellectual or mental disability (S4 二(一)).", _PERSONS),
    _c("n_ill", "int8", "persons", "重病患者人数", "Seriously ill",
       "Members with a serious illness (重病).", _PERSONS),
    _c("care_level", "int8", "code", "失能等级", "Self-care level",
       "Self-care level of the most dependent member (highest member care_level; the rules "
       "read each member's level).",
       codes=CARE_LEVEL_CODES),
    # -------------------------------------------------------------- money
    _c("income_wage", "float32", "yuan/household/month", "工资性收入", "Wage income",
       "Wages of the household's workers.", _MONEY),
    _c("income_farm", "float32", "yuan/household/month", "经营性收入", "Farm/business income",
       "Net farm and own-business income.", _MONEY),
    _c("income_transfer", "float32", "yuan/household/month", "转移性收入", "Transfer income",
       "Pensions and support from family outside the household (赡养费); excludes dibao/tekun.",
       _MONEY),
    _c("assets", "float32", "yuan", "金融资产", "Financial assets",
       "Deposits and other financial assets of the household.", _MONEY),
    _c("exp_medical", "float32", "yuan/household/month", "刚性医疗支出", "Medical spending",
       "Out-of-pocket medical spending for seriously ill members (刚性支出, S2 二(一)).", _MONEY),
    _c("exp_schooling", "float32", "yuan/household/month", "刚性教育支出", "Schooling spending",
       "Schooling spending for members aged 0–17 (刚性支出, S3 二(一)).", _MONEY),
    _c("exp_disability", "float32", "yuan/household/month", "刚性残疾支出", "Disability spending",
       "Disability-related spending for grade 1–2 disabled members (刚性支出, S3 二(一)).",
       _MONEY),
    _c("has_supporter", "bool", "flag", "有赡养扶养能力的义务人", "Able supporter",
       "A legally obliged supporter able to support the household exists (inside: any worker; "
       "outside: drawn for households without workers). Tekun needs False (S4 二(一))."),
    _c("tuopin", "bool", "flag", "脱贫户", "Poverty-alleviated",
       "Registered poor household since 2014 that has been lifted out of poverty (脱贫户)."),
    # -------------------------------------------------------------- latent draws
    _c("earning_z", "float32", "standard normal", "收入能力潜变量", "Earning capacity (latent)",
       "Household earning capacity, N(0,1); wages and farm income are a function of it.",
       (-12.0, 12.0)),
    _c("assess_z", "float32", "standard normal", "收入核查误差潜变量",
       "Income assessment error (latent)",
       "N(0,1); assessed income = counted income × exp(calibrated.assessment_noise × assess_z).",
       (-12.0, 12.0)),
    _c("propensity", "float32", "probability", "申请倾向", "Take-up propensity (latent)",
       "Uniform(0,1); a household takes up a programme when propensity < take-up probability.",
       (0.0, 1.0)),
    # -------------------------------------------------------------- programme state
    _c("programme", "int8", "code", "救助项目", "Programme",
       "Programme the household (or a member) is in (rules.PROGRAMME_NAMES).",
       codes=PROGRAMME_CODES),
    _c("covered_persons", "int8", "persons", "保障人数", "Persons covered",
       "Members covered: all members for whole-household dibao and tekun; the qualifying "
       "members for single-person dibao; 0 when programme is 0.", _PERSONS),
    _c("exit_months_left", "int8", "months", "渐退剩余月数", "Gradual-exit months left",
       "Months of gradual-exit payment left (渐退期, S4 三(六)); 0 = not in exit.",
       (0, MAX_MONTHS)),
    _c("edge", "bool", "flag", "低保边缘家庭", "Dibao-edge family",
       "Per-capita income below edge_multiple × standard, assets within the limit, "
       "not dibao/tekun eligible (POLICY.md §1)."),
    _c("pending_months", "int8", "months", "申请待审批月数", "Pending application",
       "Months until a pending application is decided (0 = decided this month, counting down "
       "from behaviour.processing_delay_months); -1 = no application pending.",
       (-1, MAX_MONTHS), default=-1),
)  # fmt: skip

COLUMN_BY_NAME: dict[str, Column] = {c.name: c for c in SCHEMA}
COLUMNS: tuple[str, ...] = tuple(c.name for c in SCHEMA)

#: the person table: one row per member slot; household i's members are rows
#: first_member[i] .. first_member[i] + size[i] - 1 (slots beyond size are free)
PERSON_SCHEMA: tuple[Column, ...] = (
    _c("age", "int8", "years", "年龄", "Age",
       "Age in completed years; +1 in the person's birth month (monthly ageing).", (0, 120)),
    _c("birth_month", "int8", "month", "出生月份", "Birth month",
       "Calendar month (1–12) in which the person turns one year older.", (1, 12), default=1),
    _c("disability", "int8", "code", "残疾类别", "Disability kind",
       "Kind of certified disability (残疾人证).", codes=DISABILITY_CODES),
    _c("disability_grade", "int8", "grade", "残疾等级", "Disability grade",
       "1–4 (1 = most severe); 0 = no disability. Grades 1–2 = 重度残疾.", (0, 4)),
    _c("ill", "bool", "flag", "重病患者", "Seriously ill",
       "The person has a serious illness (重病)."),
    _c("care_level", "int8", "code", "自理能力", "Self-care level",
       "Self-care ability (照料护理 tier of the tekun care subsidy, S4 二(二)).",
       codes=CARE_LEVEL_CODES),
    _c("works", "bool", "flag", "就业", "Works",
       "Has wage or farm/business income of their own (counts in n_workers)."),
)  # fmt: skip
PERSON_COLUMN_BY_NAME: dict[str, Column] = {c.name: c for c in PERSON_SCHEMA}
PERSON_COLUMNS: tuple[str, ...] = tuple(c.name for c in PERSON_SCHEMA)
#: household columns derived from the members (members.derive_counts)
DERIVED_COLUMNS: tuple[str, ...] = (
    "n_0_15", "n_16_17", "n_18_59", "n_60p", "n_65p", "n_workers", "n_disabled_severe",
    "n_disabled_mental", "n_ill", "care_level",
)  # fmt: skip


class Persons:
    """The person table: struct of numpy arrays, one element per member slot (PERSON_SCHEMA).

    ``persons["age"]`` or ``persons.age``; ``take(slots)`` selects rows into a new table.
    """

    __slots__ = ("_data", "_n")

    def __init__(self, data: Mapping[str, npt.ArrayLike]) -> None:
        missing = [c for c in PERSON_COLUMNS if c not in data]
        if missing:
            raise _error("<persons>", "every declared person column", f"missing {missing}")
        unknown = [c for c in data if c not in PERSON_COLUMN_BY_NAME]
        if unknown:
            raise _error("<persons>", "only declared person columns", f"unknown {unknown}")
        arrays: dict[str, Array] = {}
        n: int | None = None
        for c in PERSON_SCHEMA:
            a = np.asarray(data[c.name])
            if a.ndim != 1 or (n is not None and a.shape[0] != n):
                raise _error(f"persons.{c.name}", "a 1-D array as long as the others",
                             f"shape {a.shape}")  # fmt: skip
            n = int(a.shape[0])
            arrays[c.name] = a if a.dtype == c.np_dtype else a.astype(c.np_dtype)
        self._data = arrays
        self._n = n or 0

    @classmethod
    def empty(cls, n: int) -> Persons:
        """``n`` slots at the declared defaults."""
        return cls({c.name: np.full(n, c.default, dtype=c.np_dtype) for c in PERSON_SCHEMA})

    @property
    def n(self) -> int:
        return self._n

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, name: str) -> Array:
        try:
            return self._data[name]
        except KeyError:
            raise KeyError(f"no person column {name!r}; columns: {PERSON_COLUMNS}") from None

    def __setitem__(self, name: str, values: npt.ArrayLike) -> None:
        col = PERSON_COLUMN_BY_NAME.get(name)
        if col is None:
            raise KeyError(f"no person column {name!r}")
        a = np.asarray(values)
        if a.shape != (self._n,):
            raise _error(f"persons.{name}", f"an array of shape ({self._n},)", f"{a.shape}")
        self._data[name][:] = a.astype(col.np_dtype, copy=False)

    def __getattr__(self, name: str) -> Array:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(f"no person column {name!r}") from None

    @property
    def nbytes(self) -> int:
        return sum(int(a.nbytes) for a in self._data.values())

    def take(self, slots: npt.ArrayLike) -> Persons:
        idx = np.asarray(slots, dtype=np.int64)
        return Persons({k: v[idx] for k, v in self._data.items()})

    def copy(self) -> Persons:
        return Persons({k: v.copy() for k, v in self._data.items()})

    @classmethod
    def concat(cls, parts: Sequence[Persons]) -> Persons:
        return cls({c: np.concatenate([p[c] for p in parts]) for c in PERSON_COLUMNS})


def slot_ranges(first: Array, slots: Array) -> Array:
    """Person-table rows of the slots of households with ``first``/``slots`` (in order)."""
    slots = slots.astype(np.int64)
    total = int(slots.sum())
    starts = np.repeat(first.astype(np.int64) - np.cumsum(slots) + slots, slots)
    rows: Array = np.arange(total, dtype=np.int64) + starts
    return rows


_AGE_COLUMNS = ("n_0_15", "n_16_17", "n_18_59", "n_60p")
#: household columns that lay out the members in the person table
LAYOUT_COLUMNS = ("first_member", "member_slots")


def _error(key: str, expected: str, got: str = "") -> InputError:
    return InputError("households", key, expected, got)


class Households:
    """Struct of numpy arrays, one element per (sampled) household, dtypes as in ``SCHEMA``.

    Read a column with ``hh["size"]`` or ``hh.size``; replace one with ``hh["size"] = arr``
    (cast to the declared dtype, length checked). ``take`` selects rows into a new object.
    """

    __slots__ = ("_data", "_n", "_persons", "_version")

    def __init__(self, data: Mapping[str, npt.ArrayLike], persons: Persons | None = None) -> None:
        layout_given = persons is not None
        required = [c for c in COLUMNS if layout_given or c not in LAYOUT_COLUMNS]
        missing = [c for c in required if c not in data]
        if missing:
            raise _error("<columns>", "every declared column", f"missing {missing}")
        unknown = [c for c in data if c not in COLUMN_BY_NAME]
        if unknown:
            raise _error("<columns>", "only declared columns", f"unknown {unknown}")
        arrays: dict[str, Array] = {}
        n: int | None = None
        for c in SCHEMA:
            if c.name not in data:
                continue
            a = np.asarray(data[c.name])
            if a.ndim != 1:
                raise _error(c.name, "a one-dimensional array", f"shape {a.shape}")
            if n is None:
                n = int(a.shape[0])
            elif a.shape[0] != n:
                raise _error(c.name, f"length {n} like the other columns", f"length {a.shape[0]}")
            arrays[c.name] = a if a.dtype == c.np_dtype else a.astype(c.np_dtype)
        self._data = arrays
        self._n = n or 0
        self._version = 0
        if persons is None:
            # count-only households (hand-made inputs, tests): members made from the counts
            self._persons = Persons.empty(0)
            self.members_from_counts()
        else:
            self._persons = persons

    def members_from_counts(self) -> None:
        """Rebuild the person table from the count columns (for households given by counts).

        Representative ages by band (8, 16, 40, 62, 70; 60–64 = n_60p − n_65p); grade 2
        physical disabilities, grade 3 mental ones and illnesses go to working-age members
        first, then the others; workers are the first members aged 18–59 (then 16–17, 60+)
        without disability or illness; the household ``care_level`` goes to its first
        disabled member (else its first member). One free slot per household."""
        from safetynet import members  # members imports this module

        members.from_counts(self)

    def set_members(self, persons: Persons, first: Array, slots: Array) -> None:
        """Replace the person table and the layout columns (``first_member``, ``member_slots``);
        the count columns are not touched (see ``members.derive_counts``)."""
        self._persons = persons
        self._data["first_member"] = np.asarray(first, dtype=np.int32)
        self._data["member_slots"] = np.asarray(slots, dtype=np.int8)
        self._version += 1

    @property
    def persons(self) -> Persons:
        """The person table (members of household i: rows first_member[i] .. + size[i])."""
        return self._persons

    def members(self, i: int) -> dict[str, Array]:
        """The member rows of household ``i`` (views), by person column."""
        f = int(self._data["first_member"][i])
        k = int(self._data["size"][i])
        return {c: self._persons[c][f : f + k] for c in PERSON_COLUMNS}

    # ------------------------------------------------------------------ access
    @property
    def n(self) -> int:
        """Number of rows (sampled households)."""
        return self._n

    def __len__(self) -> int:
        return self._n

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names in declaration order."""
        return COLUMNS

    def __getitem__(self, name: str) -> Array:
        try:
            return self._data[name]
        except KeyError:
            raise KeyError(f"no household column {name!r}; columns: {', '.join(COLUMNS)}") from None

    def __setitem__(self, name: str, values: npt.ArrayLike) -> None:
        col = COLUMN_BY_NAME.get(name)
        if col is None:
            raise KeyError(f"no household column {name!r}")
        a = np.asarray(values)
        if a.shape != (self._n,):
            raise _error(name, f"an array of shape ({self._n},)", f"shape {a.shape}")
        self._data[name] = a.astype(col.np_dtype, copy=a.dtype != col.np_dtype)
        self._version += 1

    @property
    def version(self) -> int:
        """Changes whenever a column is replaced (``hh[name] = ...``); views of the columns
        taken before then no longer see the data."""
        return self._version

    def __getattr__(self, name: str) -> Array:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(f"no household column {name!r}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(COLUMNS)

    def __repr__(self) -> str:
        return f"Households(n={self._n}, households={self.total_households():.0f})"

    @property
    def nbytes(self) -> int:
        """Bytes held by the column arrays and the person table."""
        return sum(int(a.nbytes) for a in self._data.values()) + self._persons.nbytes

    # ------------------------------------------------------------------ derived totals
    def total_households(self) -> float:
        """Weighted number of households represented."""
        return float(self._data["weight"].sum(dtype=np.float64))

    def total_persons(self) -> float:
        """Weighted number of persons represented."""
        w = self._data["weight"].astype(np.float64)
        return float(w @ self._data["size"].astype(np.float64))

    # ------------------------------------------------------------------ selection
    def take(self, rows: npt.ArrayLike) -> Households:
        """A new ``Households`` with the selected rows (boolean mask or integer index)."""
        idx = np.asarray(rows)
        if idx.dtype == np.bool_ and idx.shape != (self._n,):
            raise _error("<rows>", f"a boolean mask of length {self._n}", f"shape {idx.shape}")
        data = {k: v[idx] for k, v in self._data.items()}
        persons = self._persons.take(slot_ranges(data["first_member"], data["member_slots"]))
        data["first_member"] = first_members(data["member_slots"])
        return Households(data, persons)

    def copy(self) -> Households:
        """A deep copy."""
        return Households({k: v.copy() for k, v in self._data.items()}, self._persons.copy())

    @classmethod
    def concat(cls, parts: Sequence[Households]) -> Households:
        """Rows of ``parts`` one after the other."""
        if not parts:
            return empty(0)
        data = {c: np.concatenate([p[c] for p in parts]) for c in COLUMNS}
        data["first_member"] = first_members(data["member_slots"])
        return cls(data, Persons.concat([p.persons for p in parts]))

    # ------------------------------------------------------------------ checks
    def validate(self) -> None:
        """Check dtypes, allowed values and the identities between columns.

        Raises ``InputError`` (file ``households``, key = column) at the first violation.
        """
        for c in SCHEMA:
            a = self._data[c.name]
            if a.dtype != c.np_dtype:
                raise _error(c.name, f"dtype {c.dtype}", f"dtype {a.dtype}")
            if a.size == 0 or c.dtype == "bool":
                continue
            if a.dtype.kind == "f" and not np.isfinite(a).all():
                raise _error(c.name, "finite values", "NaN or infinity found")
            if c.codes:
                bad = ~np.isin(a, np.array(list(c.codes), dtype=a.dtype))
                if bad.any():
                    raise _error(c.name, f"one of {sorted(c.codes)}", f"{a[bad][0]!r}")
            if c.bounds is not None:
                lo, hi = c.bounds
                bad = (a < lo) | (a > hi)
                if bad.any():
                    raise _error(c.name, f"values within [{lo}, {hi}]", f"{a[bad][0]!r}")
        for c in PERSON_SCHEMA:
            a = self._persons[c.name]
            if a.size == 0 or c.dtype == "bool":
                continue
            if c.codes:
                bad = ~np.isin(a, np.array(list(c.codes), dtype=a.dtype))
                if bad.any():
                    raise _error(f"persons.{c.name}", f"one of {sorted(c.codes)}", f"{a[bad][0]!r}")
            if c.bounds is not None:
                lo, hi = c.bounds
                bad = (a < lo) | (a > hi)
                if bad.any():
                    raise _error(f"persons.{c.name}", f"values within [{lo}, {hi}]",
                                 f"{a[bad][0]!r}")  # fmt: skip
        self._check_identities()

    def _check_identities(self) -> None:
        d = self._data
        slots = d["member_slots"].astype(np.int64)
        _require(d["first_member"] == first_members(slots), "first_member",
                 "first_member = sum of member_slots of the households before")  # fmt: skip
        _require(d["size"] <= slots, "member_slots", "size ≤ member_slots")
        if int(slots.sum()) != self._persons.n:
            raise _error("persons", f"{int(slots.sum())} rows (sum of member_slots)",
                         f"{self._persons.n} rows")  # fmt: skip
        from safetynet import members  # members imports this module

        derived = members.counts(self)
        for name in DERIVED_COLUMNS:
            _require(d[name] == derived[name], name, f"{name} = count over the members")
        size = d["size"].astype(np.int64)
        ages = sum((d[c].astype(np.int64) for c in _AGE_COLUMNS), np.zeros(self._n, np.int64))
        _require(ages == size, "size", "size = n_0_15 + n_16_17 + n_18_59 + n_60p")
        _require(d["n_65p"] <= d["n_60p"], "n_65p", "n_65p ≤ n_60p")
        adults = d["n_16_17"].astype(np.int64) + d["n_18_59"] + d["n_60p"]
        _require(d["n_workers"] <= adults, "n_workers", "n_workers ≤ members aged 16+")
        for c in ("n_disabled_severe", "n_disabled_mental", "n_ill", "covered_persons"):
            _require(d[c] <= size, c, f"{c} ≤ size")
        covered = d["programme"] > 0
        _require(
            covered == (d["covered_persons"] > 0),
            "covered_persons",
            "covered_persons > 0 exactly when programme > 0",
        )

    # ------------------------------------------------------------------ xarray
    def to_xarray(self) -> xr.Dataset:
        """The columns as an ``xarray.Dataset`` over dim ``household`` with declared attrs."""
        data_vars = {c.name: xr.Variable(("household",), self._data[c.name], attrs=attrs_of(c))
                     for c in SCHEMA}  # fmt: skip
        for c in PERSON_SCHEMA:
            data_vars[f"person_{c.name}"] = xr.Variable(
                ("slot",), self._persons[c.name], attrs=attrs_of(c)
            )
        ds = xr.Dataset(data_vars, coords={"household": np.arange(self._n, dtype=np.int64)})
        ds.attrs["description"] = "safetynet synthetic households (one row per sampled household)"
        return ds

    @classmethod
    def from_xarray(cls, ds: xr.Dataset) -> Households:
        """Rebuild from :meth:`to_xarray` output (checks columns and dtypes)."""
        persons = Persons({c: ds[f"person_{c}"].values for c in PERSON_COLUMNS})
        return cls({c: ds[c].values for c in COLUMNS if c in ds}, persons)


def _require(ok: npt.NDArray[np.bool_], key: str, expected: str) -> None:
    if not bool(np.all(ok)):
        first = int(np.flatnonzero(~ok)[0])
        raise _error(key, expected, f"row {first} breaks it")


def attrs_of(c: Column) -> dict[str, str]:
    """xarray attrs of a declared column (CF ``units`` and ``long_name`` plus labels)."""
    return {
        "units": c.unit,
        "long_name": c.label_en,
        "long_name_zh": c.label_zh,
        "description": c.meaning,
        "allowed_values": c.allowed(),
        "storage_dtype": c.dtype,
    }


def empty(n: int) -> Households:
    """``n`` households with every column at its declared default (pending_months = -1)."""
    if n < 0:
        raise _error("<n>", "a non-negative number of rows", str(n))
    data = {c.name: np.full(n, c.default, dtype=c.np_dtype) for c in SCHEMA}
    data["first_member"] = np.arange(n, dtype=np.int32)
    return Households(data, Persons.empty(n))


def first_members(slots: npt.ArrayLike) -> npt.NDArray[np.int32]:
    """first_member of households laid out one after the other with ``slots`` slots each."""
    s = np.asarray(slots, dtype=np.int64)
    return (np.cumsum(s) - s).astype(np.int32)


def bytes_per_household() -> int:
    """Storage bytes of one household row (sum of the declared dtypes' item sizes), without
    its members (see :func:`bytes_per_person`)."""
    return sum(c.np_dtype.itemsize for c in SCHEMA)


def bytes_per_person() -> int:
    """Storage bytes of one member slot of the person table."""
    return sum(c.np_dtype.itemsize for c in PERSON_SCHEMA)


def schema_markdown(columns: Iterable[Column] = SCHEMA) -> str:
    """The schema as a Markdown table (pasted into docs/population.md; a test keeps it equal)."""
    lines = [
        "| column | dtype | unit | 中文 | meaning | allowed values |",
        "|---|---|---|---|---|---|",
    ]
    for c in columns:
        lines.append(
            f"| `{c.name}` | {c.dtype} | {c.unit} | {c.label_zh} | {c.label_en}: {c.meaning} "
            f"| {c.allowed()} |"
        )
    return "\n".join(lines) + "\n"
