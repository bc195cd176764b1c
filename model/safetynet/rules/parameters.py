"""The parameters the household rules read, by name: one county's values in a month.

:class:`RuleParams` is a typed ``NamedTuple``; compiled rules read it by attribute
(``p.edge_multiple``). It is built once a month for every county by
:func:`month_parameters` (the whole month) and :meth:`MonthParameters.county` (one county), and
handed to the monthly kernel, the start state, calibration, the rule cases and the
per-household Mesa reference alike.

This module names no parameter. Each programme declares the fields its rules read next to them,
with where each value comes from (:mod:`safetynet.rules.declare`): ``dibao.DibaoParams``,
``tekun.TekunParams``, ``temporary.TemporaryParams``, ``price_subsidy.PriceSubsidyParams``
(:data:`DECLARATIONS`). ``RuleParams`` is their union, in that order; :data:`SOURCES` (field ->
parameter path and key) and :data:`DERIVED` are read from the declarations. The builder is
generic: a value that is one number in force for the whole province is copied to every county;
a value that is an array over the counties (a county table, or any parameter that
``params.at(date)`` gives per county) is read per county. A parameter therefore moves from
province-wide to per-county by its data alone; no rule changes. Derived fields are built by the
declaring class (``derive``: the tiered formula's arrays, the price-subsidy groups, this month's
price-subsidy rate and one-time rate).
"""

from __future__ import annotations

import collections
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import numpy.typing as npt
from numba import types
from numba.core import config as _numba_config
from numba.extending import intrinsic

from safetynet import outputs
from safetynet.params import CountyValues, ParameterSet
from safetynet.rules.compiled import attributes_read, rule
from safetynet.rules.declare import Declared, Field, declared
from safetynet.rules.dibao import DibaoParams
from safetynet.rules.price_subsidy import PriceSubsidyParams
from safetynet.rules.tekun import TekunParams
from safetynet.rules.temporary import TemporaryParams

FloatArray = npt.NDArray[np.float64]

#: the programmes' parameter declarations; RuleParams has their fields in this order
DECLARATIONS: tuple[type[Declared], ...] = (DibaoParams, TekunParams, TemporaryParams,
                                          PriceSubsidyParams)  # fmt: skip


def _union() -> dict[str, tuple[Any, Field]]:
    out: dict[str, tuple[Any, Field]] = {}
    for cls in DECLARATIONS:
        for name, decl in declared(cls).items():
            if name in out:
                raise TypeError(f"{cls.__name__}.{name}: field declared twice")
            out[name] = decl
    return out


#: field -> (type, declaration), every programme's fields
FIELDS: dict[str, tuple[Any, Field]] = _union()

if TYPE_CHECKING:

    class RuleParams(DibaoParams, TekunParams, TemporaryParams, PriceSubsidyParams):
        """One county's household-rule parameters in force this month (units as the YAML):
        the fields of :data:`DECLARATIONS` (as mypy sees it; at run time a ``NamedTuple``)."""

        _fields: ClassVar[tuple[str, ...]]

        def __init__(self, *values: Any, **by_name: Any) -> None: ...
        def _replace(self, **values: Any) -> RuleParams: ...
        def _asdict(self) -> dict[str, Any]: ...
        def __iter__(self) -> Any: ...

else:
    RuleParams = collections.namedtuple("RuleParams", list(FIELDS), module=__name__)
    RuleParams.__doc__ = (
        "One county's household-rule parameters in force this month (units as the YAML): "
        "the fields of DECLARATIONS."
    )

#: where each field comes from: parameter path and key (mapping key or county-table key)
SOURCES: dict[str, tuple[str, str | None]] = {
    name: (f.path, f.key) for name, (_, f) in FIELDS.items() if not f.derived and f.path
}
#: fields built by their class's ``derive`` -> the parameter they come from (None: an input of
#: the month, not a parameter)
DERIVED: dict[str, str | None] = {name: f.path for name, (_, f) in FIELDS.items() if f.derived}

#: Dataset variables (``outputs.VARIABLES``) that are a household-rule parameter of the month,
#: one value per county: recorded (and defaulted in the county cases) under their field name
RECORDED: tuple[str, ...] = tuple(v.name for v in outputs.VARIABLES if v.name in RuleParams._fields)

_KINDS: dict[str, Any] = {
    name: hint for name, (hint, _) in FIELDS.items() if hint in (float, int, bool)
}
_NUMPY_KIND = {float: np.float64, int: np.int64, bool: np.bool_}


def fields_read(rule: Any) -> tuple[str, ...]:
    """The :class:`RuleParams` fields a compiled rule reads, through the rules it calls
    (``compiled.attributes_read``), in field order: a caller that keeps the rule's results
    redoes them when one of these changes."""
    names = attributes_read(rule)
    return tuple(f for f in RuleParams._fields if f in names)


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
RULE_DTYPE = record_dtype(
    {name: hint for name, (hint, _) in FIELDS.items()},
    {name: f.shape for name, (_, f) in FIELDS.items() if f.shape},
)


def record_as(r: Any, cls: Any) -> Any:
    """The NamedTuple ``cls`` of the fields of the numpy record ``r``, by field name, in Python
    (numpy scalars and sub-arrays of the record); compiled code uses :data:`record_values`."""
    return cls(*(r[name] for name in cls._fields))


def record_params(r: Any) -> RuleParams:
    """The :class:`RuleParams` of one record of :data:`RULE_DTYPE`, in Python; compiled code
    uses :data:`rule_params_of`."""
    return record_as(r, RuleParams)  # type: ignore[no-any-return]


def _record_values_typing(typingctx: Any, record: Any, cls: Any) -> Any:
    """Compiled: the NamedTuple ``cls`` of the fields of a record, by field name (each field
    as numba's record attribute read gives it)."""
    nt = cls.instance_class
    names = nt._fields
    kinds = [typingctx.resolve_getattr(record, name) for name in names]
    named: Any = types.NamedTuple  # numba type of a NamedTuple class
    sig = named(kinds, nt)(record, cls)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        rec = signature.args[0]
        values = [
            context.get_getattr(rec, name)(context, builder, rec, args[0], name) for name in names
        ]
        return context.make_tuple(builder, signature.return_type, values)

    return sig, codegen


#: ``record_values(record, cls)``: the NamedTuple ``cls`` of a record's fields, compiled (an
#: intrinsic); with ``NUMBA_DISABLE_JIT=1`` (compiled callers run as Python) :func:`record_as`
record_values: Any = (
    record_as if getattr(_numba_config, "DISABLE_JIT", False) else intrinsic(_record_values_typing)
)


def _rule_params_of(r: Any) -> RuleParams:
    """The :class:`RuleParams` of one record of :data:`RULE_DTYPE` (``MonthParameters.table``),
    inside compiled code: the kernel reads the county's parameters as values, not from the
    table's memory (the tiered bands stay views of the record). One load per field, by name
    (:data:`record_values`)."""
    return record_values(r, RuleParams)  # type: ignore[no-any-return]


#: compiled and inlined into its caller like every rule (a call to a separately compiled
#: function returning the record's views cost the kernel ~40% in reference counting)
rule_params_of = rule(_rule_params_of)


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
    inputs: Mapping[str, Any] | None = None,
    snapshot: Any = None,
) -> MonthParameters:
    """Read the household-rule parameters in force at ``date``. ``inputs``: the month's values
    that are not parameters, by field (the price-subsidy rate per person per county from the
    model's prices phase, ``price_subsidy.month_inputs``; 0 otherwise). ``snapshot``:
    ``params.at(date)`` when the caller has it already (read once a month)."""
    p = params.at(date) if snapshot is None else snapshot
    values: dict[str, Any] = {name: read(p, path, key) for name, (path, key) in SOURCES.items()}
    for cls in DECLARATIONS:
        values.update(cls.derive(p, params, date, inputs or {}))
    missing = [f for f in RuleParams._fields if f not in values]
    if missing:
        raise KeyError(f"RuleParams fields built by no declaration: {missing}")
    return MonthParameters({f: values[f] for f in RuleParams._fields})
