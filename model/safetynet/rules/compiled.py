"""How a household rule is compiled, and its plain-Python form.

Every household rule is a small scalar function (one household or one person, one quantity)
decorated with :func:`rule`: numba compiles it (``cache=True``) the first time it is called
with new argument types, so the monthly kernel (:mod:`safetynet.household_month`) calls it inside
its loop at compiled speed. The same function serves every other caller:

- array callers (start state, calibration) use a thin compiled loop over the same function
  (:mod:`safetynet.assessment`);
- the YAML rule cases and the per-household Mesa reference call :func:`plain` of it: the
  original Python function, with the rules it calls replaced by their plain forms too, so that
  no compiled code runs there.

With ``NUMBA_DISABLE_JIT=1`` numba compiles nothing and every rule is its plain Python
function (the debugging switch; the rule cases pass under it, see tests/test_cases.py).
"""

from __future__ import annotations

import dis
import hashlib
import types
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Generic, ParamSpec, Protocol, TypeVar, cast

import numba
import numpy as np

P = ParamSpec("P")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class Compiled(Protocol, Generic[P, R_co]):
    """A compiled rule: callable like the function it was made from, with ``py_func``."""

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R_co: ...

    @property
    def py_func(self) -> Callable[P, R_co]: ...


#: sources of compiled code that the cache of one function does not track: rules inlined into
#: their callers, and compiled loops reading package constants (numba freezes them)
_SOURCES = (
    "rules/*.py",
    "behaviour/*.py",
    "assessment.py",
    "county_outputs.py",
    "household_month.py",
    "members.py",
    "population.py",
    "prefetch.py",
)


def _refresh_cache() -> None:
    """Drop numba's cached machine code of the package when any rule source changed.

    Numba's cache checks only a function's own file, but a rule is compiled into its callers
    (the kernel, the composition): after an edit of a rule alone the callers' cache would run
    the old rule. A hash of the sources is kept beside the cache; a mismatch deletes it."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for pattern in _SOURCES:
        for f in sorted(root.glob(pattern)):
            digest.update(f.read_bytes())
    stamp = root / "__pycache__" / "rules-sources.sha256"
    value = digest.hexdigest()
    try:
        if stamp.read_text() == value:
            return
    except OSError:
        pass
    for pattern in ("**/*.nbi", "**/*.nbc"):
        for f in root.glob(pattern):
            f.unlink(missing_ok=True)
    try:
        stamp.parent.mkdir(exist_ok=True)
        stamp.write_text(value)
    except OSError:  # a read-only install: numba then does not cache either
        pass


_refresh_cache()

_njit = numba.njit(
    cache=True,
    nogil=True,
    fastmath=False,
    boundscheck=False,
    error_model="numpy",
    inline="always",
)


def rule(fn: Callable[P, R]) -> Compiled[P, R]:
    """Compile ``fn`` (a scalar rule) with numba; ``.py_func`` stays the Python function.

    Rules are inlined into their compiled callers (``inline="always"``): the monthly kernel
    then pays nothing for calling one small function per quantity. Numba's cache does not see
    a change of these options or of a callee, so the package's cache is dropped whenever a rule
    source changes (:func:`_refresh_cache`)."""
    compiled = _njit(fn)
    if not hasattr(compiled, "py_func"):  # NUMBA_DISABLE_JIT=1: numba hands back fn itself
        fn.py_func = fn  # type: ignore[attr-defined]
    return cast(Compiled[P, R], compiled)


def _at_least(x: float, floor: float) -> float:
    """``max(x, floor)`` for two numbers, written as a comparison (same value, NaN included).

    Numba compiles the builtin ``max`` of a rule inlined into a large loop (the monthly
    kernel) as an out-of-line call; this one stays a compare-and-select in the caller, so a
    rule on the path of every household uses it.

    >>> at_least(-2.0, 0.0), at_least(3.0, 1.0)
    (0.0, 3.0)
    """
    return floor if floor > x else x


at_least = rule(_at_least)


def _to_int(x: Any) -> int:
    """An integer array element (int8, int32 ...) as a 64-bit integer.

    Numba compiles the builtin ``int()`` inside a large inlined loop (the monthly kernel) as an
    out-of-line call; ``np.int64`` is a plain cast.

    >>> to_int(np.int8(-3)) + 200
    197
    """
    return np.int64(x)  # type: ignore[return-value]  # an np.int64 is used as an int


to_int = rule(_to_int)


def _is_compiled(x: Any) -> bool:
    return isinstance(getattr(x, "py_func", None), types.FunctionType) and x is not x.py_func


def _global_names(code: types.CodeType) -> set[str]:
    """Names a function's code loads as globals (nested code included)."""
    names = {i.argval for i in dis.get_instructions(code) if i.opname == "LOAD_GLOBAL"}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return {str(n) for n in names}


def attributes_read(fn: Any) -> frozenset[str]:
    """Attribute names a rule's code reads (``p.edge_multiple`` -> ``edge_multiple``),
    through the rules it calls by global or module-level name, recursively: which parameters
    a rule reads, for callers that must know when its result changes."""
    seen: set[int] = set()
    out: set[str] = set()

    def visit(f: Any) -> None:
        py = f.py_func if _is_compiled(f) else f
        if not isinstance(py, types.FunctionType) or id(py) in seen:
            return
        seen.add(id(py))
        env = py.__globals__
        module: Any = None
        for code in _codes(py.__code__):
            for ins in dis.get_instructions(code):
                if ins.opname == "LOAD_GLOBAL":
                    value = env.get(str(ins.argval))
                    module = value if isinstance(value, types.ModuleType) else None
                    if _is_compiled(value):
                        visit(value)
                elif ins.opname in ("LOAD_ATTR", "LOAD_METHOD"):
                    name = str(ins.argval)
                    out.add(name)
                    if module is not None and _is_compiled(getattr(module, name, None)):
                        visit(getattr(module, name))
                    module = None

    visit(fn)
    return frozenset(out)


def _codes(code: types.CodeType) -> list[types.CodeType]:
    out = [code]
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            out += _codes(const)
    return out


class _PlainModule:
    """A module seen through :func:`plain`: its compiled rules in their plain form."""

    def __init__(self, module: types.ModuleType) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._module, name)
        out = _plain(value) if _is_compiled(value) else value
        self.__dict__[name] = out  # resolved once: later reads skip __getattr__
        return out


@cache
def _plain(fn: Any) -> types.FunctionType:
    py = fn.py_func if _is_compiled(fn) else fn
    env = dict(py.__globals__)
    changed = False
    for name in _global_names(py.__code__):
        value = env.get(name)
        if _is_compiled(value):
            env[name] = _plain(value)
            changed = True
        elif isinstance(value, types.ModuleType) and value.__name__.startswith("safetynet."):
            env[name] = _PlainModule(value)
            changed = True
    if not changed:
        return cast(types.FunctionType, py)
    out = types.FunctionType(py.__code__, env, py.__name__, py.__defaults__, py.__closure__)
    out.__doc__ = py.__doc__
    return out


def plain(fn: Compiled[P, R]) -> Callable[P, R]:
    """The plain-Python form of a rule: its ``py_func``, calling the plain forms of the rules
    it uses (global names only; rules call rules by their module-level names).

    >>> from safetynet.rules import dibao
    >>> plain(dibao.per_capita_income)(300.0, 2)
    150.0
    """
    return cast(Callable[P, R], _plain(cast(Any, fn)))
