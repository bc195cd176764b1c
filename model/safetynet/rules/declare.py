"""Declaring a programme's household-rule parameters next to its rules.

Each programme module (``rules/dibao.py``, ``rules/tekun.py``, ...) declares the parameters its
rules read as one class of annotated fields, each with where its value comes from::

    class DibaoParams(Declared):
        edge_multiple: float = field("dibao.edge_multiple")
        standard_urban: float = field("dibao.standard", "urban")  # a mapping or county key
        benefit_formula: int = derived("dibao.benefit_formula")  # built by DibaoParams.derive

:mod:`safetynet.rules.parameters` assembles the flat ``RuleParams`` the compiled rules read
(``p.edge_multiple``) from the union of these classes, generically: it names no parameter. A
field is one number per county in the month: ``float``, ``int``, ``bool``, or a tuple of
floats of a fixed ``shape`` (a derived field). Fields declared with :func:`derived` are given by
the class's :meth:`Declared.derive` (the module that owns them builds them).
"""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Field:
    """Where one field's value comes from: parameter ``path`` and ``key`` (mapping key or
    county-table key), or ``derived`` by the class (``path``: the parameter it is built from,
    None for an input of the month that is not a parameter, e.g. the price-subsidy rate);
    ``shape``: of a tuple of floats."""

    path: str | None
    key: str | None = None
    derived: bool = False
    shape: tuple[int, ...] = ()


def field(path: str, key: str | None = None) -> Any:
    """A field read from parameter ``path`` (``params.at(date)``), at ``key`` for a mapping or
    county-table parameter; a value per county is read per county."""
    return Field(path, key)


def derived(path: str | None, shape: tuple[int, ...] = ()) -> Any:
    """A field built by the class's :meth:`Declared.derive` from parameter ``path`` (None: an
    input of the month, not a parameter); ``shape``: of a tuple of floats."""
    return Field(path, None, True, shape)


class Declared:
    """Base of a programme's parameter class (see the module docstring)."""

    @staticmethod
    def derive(p: Any, params: Any, date: dt.date, inputs: Mapping[str, Any]) -> Mapping[str, Any]:
        """The values of the class's :func:`derived` fields in the month: ``p`` the snapshot
        ``params.at(date)``, ``inputs`` the month's inputs given to ``month_parameters``."""
        return {}


def declared(cls: type[Declared]) -> dict[str, tuple[Any, Field]]:
    """Field name -> (type, :class:`Field`) of ``cls``, in declaration order."""
    hints = typing.get_type_hints(cls)
    return {
        name: (hints[name], value) for name, value in vars(cls).items() if isinstance(value, Field)
    }
