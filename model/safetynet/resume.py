"""Warm starts: resume a reform from its baseline's state at the month before its first change.

Every random draw is keyed by purpose, county and replicate (``streams.py``), never by the
scenario, so a reform is the same run as its baseline, draw for draw, up to the first date on
which any of its parameters, shocks or CPI months differ. A baseline run can therefore keep
the model's complete state at the start of chosen months (:class:`Snapshots`, filled by
``simulation.simulate(..., keep=...)``), and a reform run with ``start_from=`` that state
simulates only the months from the latest kept month on or before its first difference
(:func:`resume_month`); the months before are the baseline's, copied into the reform's
recorder, so the Dataset is identical to a full run (``tests/test_resume.py``).

What a snapshot holds (:func:`take`), generically so that new engine state is carried without
a change here: every attribute of the model that is a numpy array, a random generator or an
object of a ``safetynet`` class (households, and any other table the engine keeps), deep
copied, except ``NOT_CARRIED`` (the parameters, CPI path and shocks, which come from the
reform; the recorder, copied month by month; the model's own structure: county agents, thread
groups, phases, cached views); the month index ``t``; each county agent's random
streams (generator states), arrays and float totals (money year to date); and the recorder's
months before the snapshot.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from safetynet.cpi_path import CpiPath
from safetynet.params import CountyParameter, Entry, Parameter, ParameterSet

if TYPE_CHECKING:
    from safetynet.model import SafetyNetModel, ShockEvent

#: model attributes a snapshot never copies: they come from the reform's run (parameters, CPI
#: path, derived per-month caches) or are copied month by month (recorder)
NOT_CARRIED = frozenset(
    {
        "params",
        "cpi",
        "recorder",
        "_p",
        "_pool",
        "_tls",
        "shocks",
        "months",
        "county_agents",
        "_groups",
        "phases",
        "_views",
    }
)


@dataclass
class ModelSnapshot:
    """The state of one model (a batch of counties of one replicate) at the start of ``month``
    (before it is stepped): see the module docstring."""

    month: dt.date
    t: int
    state: dict[str, Any]
    agents: list[dict[str, Any]]
    recorder: dict[str, np.ndarray]

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays held (households and engine state, recorder)."""
        total = sum(int(a.nbytes) for a in self.recorder.values())
        for v in self.state.values():
            total += int(getattr(v, "nbytes", 0))
        return total


@dataclass(frozen=True)
class _Stream:
    """A random stream's position (its bit generator's state)."""

    state: Mapping[str, Any]


def _restored(current: Any, saved: Any) -> Any:
    """``saved`` as an agent's attribute. A stream is set to the saved position, on the agent's
    own generator when it has one of the same kind (cheaper than building a new one)."""
    if isinstance(saved, _Stream):
        bits = saved.state["bit_generator"]
        ok = isinstance(current, np.random.Generator)
        if not ok or type(current.bit_generator).__name__ != bits:
            current = np.random.Generator(getattr(np.random, bits)())
        current.bit_generator.state = copy.deepcopy(dict(saved.state))
        return current
    if isinstance(saved, dict):
        have = current if isinstance(current, dict) else {}
        return {k: _restored(have.get(k), v) for k, v in saved.items()}
    return copy.deepcopy(saved)


def _carried(value: Any) -> bool:
    if isinstance(value, np.ndarray | np.random.Generator):
        return True
    return type(value).__module__.startswith("safetynet.")


def take(model: SafetyNetModel) -> ModelSnapshot:
    """Snapshot of ``model`` at the start of its current month ``model.t``."""
    state = {
        k: copy.deepcopy(v) for k, v in vars(model).items() if k not in NOT_CARRIED and _carried(v)
    }
    agents = []
    for agent in model.county_agents:
        a: dict[str, Any] = {}
        for k, v in vars(agent).items():
            if k.startswith("_views") or k == "model":
                continue
            if isinstance(v, np.ndarray):
                a[k] = v.copy()
            elif isinstance(v, np.random.Generator):
                a[k] = _Stream(v.bit_generator.state)
            elif isinstance(v, float):
                a[k] = v
            elif (
                isinstance(v, dict)
                and v
                and all(isinstance(g, np.random.Generator) for g in v.values())
            ):
                a[k] = {p: _Stream(g.bit_generator.state) for p, g in v.items()}
        agents.append(a)
    t = int(model.t)
    recorder = {k: v[:, :t].copy() for k, v in model.recorder.arrays.items()}
    return ModelSnapshot(model.date, t, state, agents, recorder)


def restore(model: SafetyNetModel, snap: ModelSnapshot) -> None:
    """Put ``snap`` into a freshly built ``model`` of the same counties (its own parameters, CPI
    path, shocks and months): the model then steps on from ``snap.month``. The snapshot is
    copied, so it can start any number of runs."""
    if len(model.county_agents) != len(snap.agents):
        raise ValueError("snapshot of another set of counties")
    if model.months[snap.t] != snap.month:
        raise ValueError(f"snapshot month {snap.month} is not month {snap.t} of this run")
    for k, v in snap.state.items():
        setattr(model, k, copy.deepcopy(v))
    for agent, saved in zip(model.county_agents, snap.agents, strict=True):
        for k, v in saved.items():
            setattr(agent, k, _restored(getattr(agent, k, None), v))
    for obj in (model, *model.county_agents):
        if hasattr(obj, "_views"):
            obj._views = None  # views of the replaced arrays are taken again
    for k, v in snap.recorder.items():
        model.recorder.arrays[k][:, : snap.t] = v
    model.t = snap.t
    model._p_month = -1  # the parameters of the month are read again


# --------------------------------------------------------------------- when may a run resume


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def _value_at(entries: Sequence[Entry], when: dt.date) -> Any:
    chosen = entries[0]  # the first entry also covers earlier dates (params.Parameter.entry_at)
    for e in entries:
        if e.start <= when:
            chosen = e
    return chosen.value


def _first_difference(a: Sequence[Entry], b: Sequence[Entry]) -> dt.date | None:
    """First date on which the values in force of two dated entry lists differ (``date.min`` if
    they differ from the start), None if never."""
    if not a or not b:
        return None if not a and not b else dt.date.min
    dates = sorted({e.start for e in a} | {e.start for e in b})
    for i, d in enumerate(dates):
        if not _same(_value_at(a, d), _value_at(b, d)):
            return dt.date.min if i == 0 else d
    return None


def first_difference(a: ParameterSet, b: ParameterSet) -> dt.date | None:
    """The first date on which any parameter value in force differs between ``a`` and ``b``
    (``date.min`` if one differs from the start or exists in one set only), None if they are
    the same on every date. Values only: provenance (status, reference) does not change a run."""
    first: dt.date | None = None
    for path in sorted(set(a.paths()) | set(b.paths())):
        pa = a[path] if path in a else None  # noqa: SIM401 (a ParameterSet has no .get)
        pb = b[path] if path in b else None  # noqa: SIM401
        if pa is pb or pa == pb:
            continue
        if pa is None or pb is None or type(pa) is not type(pb):
            return dt.date.min
        pairs: list[tuple[Sequence[Entry], Sequence[Entry]]] = []
        if isinstance(pa, CountyParameter) and isinstance(pb, CountyParameter):
            keys = set(pa.entries) | set(pb.entries)
            pairs = [(pa.entries.get(k, ()), pb.entries.get(k, ())) for k in keys]
        elif isinstance(pa, Parameter) and isinstance(pb, Parameter):
            pairs = [(pa.entries, pb.entries)]
            for code in set(pa.local) | set(pb.local):
                pairs.append((pa.local.get(code, pa.entries), pb.local.get(code, pb.entries)))
        for ea, eb in pairs:
            d = _first_difference(ea, eb)
            if d is not None and (first is None or d < first):
                first = d
                if first == dt.date.min:
                    return first
    return first


def _cpi_same_until(a: CpiPath, b: CpiPath, n: int) -> bool:
    """The first ``n`` months of two CPI paths are the same (every series the model reads)."""
    if len(a) < n or len(b) < n or not np.array_equal(a.months[:n], b.months[:n]):
        return False
    for name in ("cpi_yoy_pct", "food_cpi_yoy_pct"):
        if not np.array_equal(getattr(a, name)[:n], getattr(b, name)[:n], equal_nan=True):
            return False
    for ma, mb in ((a.food_cpi_by_prefecture, b.food_cpi_by_prefecture),
                   (a.activation_by_prefecture, b.activation_by_prefecture)):  # fmt: skip
        if set(ma) != set(mb):
            return False
        if any(not np.array_equal(ma[k][:n], mb[k][:n], equal_nan=True) for k in ma):
            return False
    return True


@dataclass
class _Kept:
    """What one replicate of the kept run was simulated with."""

    cpi: CpiPath
    shocks: tuple[ShockEvent, ...]
    months: tuple[dt.date, ...]
    batches: dict[tuple[int, ...], dict[dt.date, ModelSnapshot]] = field(default_factory=dict)


class Snapshots:
    """States of a run kept at the start of ``months`` (``simulate(..., keep=Snapshots(...))``),
    for warm starts of other runs (``simulate(..., start_from=...)``). Months outside the run
    (or its first month) are not kept."""

    def __init__(self, months: Iterable[dt.date]) -> None:
        self.months = frozenset(dt.date(m.year, m.month, 1) for m in months)
        self.params: ParameterSet | None = None
        self.seed: int | None = None
        self.sample_fraction: float | None = None
        self.replicates: dict[int, _Kept] = {}
        self._first: tuple[ParameterSet, dt.date | None] | None = None  # last one asked

    @property
    def nbytes(self) -> int:
        return sum(
            s.nbytes
            for r in self.replicates.values()
            for b in r.batches.values()
            for s in b.values()
        )

    def begin(self, params: ParameterSet, seed: int, sample_fraction: float) -> None:
        """Called by ``simulate`` for the run whose states are kept."""
        self.params, self.seed, self.sample_fraction = params, seed, sample_fraction
        self.replicates.clear()
        self._first = None

    def add(
        self,
        replicate: int,
        cpi: CpiPath,
        shocks: Sequence[ShockEvent],
        months: Sequence[dt.date],
        counties: Sequence[int],
        kept: Mapping[dt.date, ModelSnapshot],
    ) -> None:
        r = self.replicates.setdefault(replicate, _Kept(cpi, tuple(shocks), tuple(months)))
        r.batches[tuple(int(c) for c in counties)] = dict(kept)

    def find(
        self,
        params: ParameterSet,
        seed: int,
        sample_fraction: float,
        replicate: int,
        cpi: CpiPath,
        shocks: Sequence[ShockEvent],
        months: Sequence[dt.date],
        counties: Sequence[int],
    ) -> ModelSnapshot | None:
        """The latest kept state from which a run with these inputs is the kept run's up to
        then (None: simulate from the first month). See :func:`resume_month`."""
        if self.params is None or seed != self.seed or sample_fraction != self.sample_fraction:
            return None
        kept = self.replicates.get(replicate)
        if kept is None:
            return None
        batch = kept.batches.get(tuple(int(c) for c in counties))
        if not batch:
            return None
        if self._first is None or self._first[0] is not params:
            self._first = (params, first_difference(self.params, params))
        month = resume_month(sorted(batch), self._first[1], kept, cpi, tuple(shocks), tuple(months))
        return batch[month] if month is not None else None


def resume_month(
    kept_months: Sequence[dt.date],
    first_change: dt.date | None,
    kept: _Kept,
    cpi: CpiPath,
    shocks: tuple[ShockEvent, ...],
    months: tuple[dt.date, ...],
) -> dt.date | None:
    """The latest of ``kept_months`` from which a run may resume: every month stepped before it
    reads the same parameters (``first_change``, from :func:`first_difference`, is on or after
    it), the same CPI months (the path up to it and its history) and the same shocks (those
    starting before it), and the run has the kept run's months up to it."""
    best = None
    for m in kept_months:
        if first_change is not None and first_change < m:
            break
        if m not in months or months[: months.index(m)] != kept.months[: months.index(m)]:
            continue
        t = months.index(m)
        offset = int(
            (np.datetime64(months[0], "M") - cpi.months[0].astype("datetime64[M]")).astype(int)
        )
        if not _cpi_same_until(cpi, kept.cpi, offset + t):
            continue
        if sorted(_before(shocks, m), key=repr) != sorted(_before(kept.shocks, m), key=repr):
            continue
        best = m
    return best


def _before(shocks: Iterable[ShockEvent], month: dt.date) -> list[ShockEvent]:
    return [s for s in shocks if s.start < month]
