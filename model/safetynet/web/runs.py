"""Runs of the web page: in worker threads, cached by scenario hash, shared by all users.

:class:`Runs` is one object per server. ``submit(levers)`` validates the levers' scenario (the
loader's one-line error comes back at once, before any work), then returns a :class:`Job` for
the scenario run and its baseline run. Jobs are keyed by the SHA-256 of the scenario TOML text
(which holds sample, replicates and months), so moving a lever back, or a second user asking for
the same levers, reuses the finished (or running) job instead of simulating again. Simulations
run on a small thread pool (``workers``); the server's event loop only waits on them, so a long
run never blocks another user's page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xarray as xr

from safetynet.resume import Snapshots
from safetynet.scenario import Scenario
from safetynet.web.levers import Levers, build_scenario
from safetynet.web.results import YearResults, add_checks, budget_year

#: finished runs kept in memory (a run at the page's default sample is a few MB)
CACHE_RUNS = 64


@dataclass
class Run:
    """One simulation of one scenario TOML (keyed by its SHA-256)."""

    key: str
    toml: str
    scenario: Scenario
    total: float
    done: float = 0.0
    future: Future[xr.Dataset] | None = None
    #: a baseline's states at the start of some Januaries: its reforms resume from them
    kept: Snapshots | None = None

    @property
    def progress(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0


@dataclass
class Job:
    """A page request: the scenario run, its baseline run and the budget-year tables."""

    key: str
    levers: Levers
    run: Run
    base: Run
    started: float = field(default_factory=time.perf_counter)
    _results: YearResults | None = None
    _checked: YearResults | None = None
    _checks_lock: threading.Lock = field(default_factory=threading.Lock)
    _report_data: Any = None  # safetynet.report.ReportData, built on the first download
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _report_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def progress(self) -> float:
        if self.run is self.base:
            return self.run.progress
        return 0.5 * (self.run.progress + self.base.progress)

    def done(self) -> bool:
        return all(r.future is not None and r.future.done() for r in (self.run, self.base))

    def wait(self, timeout: float) -> None:
        """Wait until both runs are done or ``timeout`` seconds have passed."""
        futures = [r.future for r in (self.run, self.base) if r.future is not None]
        wait(futures, timeout)

    def results(self, timeout: float | None = None) -> YearResults:
        """Wait for both runs and return the budget-year tables without the planners' checks
        (computed once; the page shows them at once)."""
        with self._lock:
            if self._results is None:
                assert self.run.future is not None and self.base.future is not None
                ds = self.run.future.result(timeout)
                base = self.base.future.result(timeout)
                self._results = budget_year(ds, base, self.levers.budget_year, with_checks=False)
            return self._results

    def checked_now(self) -> YearResults | None:
        """The tables with the checks if they are computed already, else None (no waiting)."""
        return self._checked

    def checked(self, timeout: float | None = None) -> YearResults:
        """The budget-year tables with the planners' checks (computed once, after
        :meth:`results`)."""
        res = self.results(timeout)
        with self._checks_lock:
            if self._checked is None:
                assert self.run.future is not None
                self._checked = add_checks(res, self.run.future.result(timeout))
            return self._checked

    def datasets(self) -> tuple[xr.Dataset, xr.Dataset]:
        assert self.run.future is not None and self.base.future is not None
        return self.run.future.result(), self.base.future.result()


#: ``simulate(scenario, progress, keep=Snapshots | None, start_from=Snapshots | None)``
Simulate = Callable[..., xr.Dataset]

#: Januaries kept by a baseline run for warm starts of its reforms: those of the budget year and
#: of the ``KEEP_YEARS - 1`` years before it (a lever from an earlier date runs in full)
KEEP_YEARS = 3


def _simulate(
    sc: Scenario,
    progress: Callable[[float], None],
    keep: Snapshots | None = None,
    start_from: Snapshots | None = None,
) -> xr.Dataset:
    from safetynet.simulation import simulate

    return simulate(sc, progress=progress, keep=keep, start_from=start_from)


def kept_months(budget_year: int) -> list[dt.date]:
    """Months whose start a baseline keeps (January of the last ``KEEP_YEARS`` years).

    >>> [f"{m:%Y-%m}" for m in kept_months(2026)]
    ['2024-01', '2025-01', '2026-01']
    """
    return [dt.date(y, 1, 1) for y in range(budget_year - KEEP_YEARS + 1, budget_year + 1)]


class Runs:
    """Thread-pool runner with a cache keyed by scenario hash (see the module docstring)."""

    def __init__(
        self, workers: int = 2, folder: Path | None = None, simulate: Simulate = _simulate
    ) -> None:
        self.folder = folder or Path(tempfile.mkdtemp(prefix="safetynet-web-"))
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="safetynet-web")
        self._simulate = simulate
        self._runs: OrderedDict[str, Run] = OrderedDict()
        self._jobs: OrderedDict[tuple[str, str, int], Job] = OrderedDict()
        self._built: OrderedDict[str, tuple[str, Scenario]] = OrderedDict()
        self._lock = threading.Lock()
        self.simulations = 0  # runs actually started (the cache's misses)

    def _build(self, levers: Levers) -> tuple[str, Scenario]:
        """Levers -> (TOML, validated Scenario), remembered by the levers' hash."""
        k = levers.key()
        with self._lock:
            hit = self._built.get(k)
        if hit is None:
            hit = build_scenario(levers, self.folder / "scenarios")
            with self._lock:
                self._built[k] = hit
                while len(self._built) > 4 * CACHE_RUNS:
                    self._built.popitem(last=False)
        return hit

    def _run(self, levers: Levers, base: Run | None = None) -> Run:
        """The run of ``levers``; a reform (``base`` given: its baseline's run, submitted
        first) waits for its baseline and resumes from the baseline's state at the latest kept
        month before its first change (``safetynet.resume``), so it steps only the months
        from there. A baseline never waits (no deadlock on the worker pool: whatever a worker
        waits for was queued before it)."""
        text, sc = self._build(levers)
        key = hashlib.sha256(text.encode()).hexdigest()
        with self._lock:
            hit = self._runs.get(key)
            if hit is not None and not _failed(hit):
                self._runs.move_to_end(key)
                return hit
            run = Run(key, text, sc, float(sc.replicates * sc.months))
            if base is None:
                run.kept = Snapshots(kept_months(levers.budget_year))

            def work() -> xr.Dataset:
                def advance(k: float) -> None:
                    run.done += k

                start = None
                if base is not None and base.future is not None and base.kept is not None:
                    try:
                        base.future.result()
                        start = base.kept
                    except Exception:  # a failed baseline: this run starts from month one
                        start = None
                return self._simulate(sc, advance, keep=run.kept, start_from=start)

            run.future = self.pool.submit(work)
            self.simulations += 1
            self._runs[key] = run
            while len(self._runs) > CACHE_RUNS:
                self._runs.popitem(last=False)
            return run

    def submit(self, levers: Levers) -> Job:
        """Validate and start (or reuse) the runs of ``levers`` and of its baseline.

        Raises the scenario loader's ``ScenarioError`` / ``InputError`` for a refused lever."""
        if levers.changed():
            self._build(levers)  # a refused lever stops here, before the baseline starts
            base = self._run(levers.baseline())
            run = self._run(levers, base)
        else:
            run = base = self._run(levers)
        jk = (run.key, base.key, levers.budget_year)
        with self._lock:
            job = self._jobs.get(jk)
            if job is None or job.run is not run or job.base is not base:
                job = Job(run.key, levers, run, base)
                self._jobs[jk] = job
                while len(self._jobs) > CACHE_RUNS:
                    self._jobs.popitem(last=False)
            return job

    def finished(self, levers: Levers) -> Job | None:
        """The job of ``levers`` if it has run and its tables are made, else None: no work,
        nothing started (the page shows a cached result in the same render)."""
        with self._lock:
            hit = self._built.get(levers.key())
        if hit is None:
            return None
        run_key = hashlib.sha256(hit[0].encode()).hexdigest()
        if levers.changed():
            base = self._built.get(levers.baseline().key())
            if base is None:
                return None
            base_key = hashlib.sha256(base[0].encode()).hexdigest()
        else:
            base_key = run_key
        with self._lock:
            job = self._jobs.get((run_key, base_key, levers.budget_year))
        if job is None or not job.done() or job._results is None:
            return None
        return job

    def report_file(self, job: Job, kind: str, lang: str) -> Path:
        """Write (once) the Excel workbook (``kind="xlsx"``) or PDF report (``"pdf"``) of a
        finished job in ``lang`` with safetynet.report; returns its path. The workbook does not
        wait for the PDF (the slower of the two)."""
        from safetynet.files import written_atomically
        from safetynet.report.content import build
        from safetynet.report.excel import write_excel
        from safetynet.report.html import chart_pngs
        from safetynet.report.pdf import write_pdf
        from safetynet.report.view import build_report

        if kind not in ("xlsx", "pdf"):
            raise ValueError(f"report kind {kind!r}")
        out = self.folder / "reports" / job.key[:16] / f"report_{lang}.{kind}"
        with job._report_lock:
            if out.exists():
                return out
            if job._report_data is None:
                ds, base = job.datasets()
                baseline = None if job.run is job.base else base
                job._report_data = build(ds, baseline, year=job.levers.budget_year)
            data = job._report_data
            out.parent.mkdir(parents=True, exist_ok=True)
            with written_atomically({kind: out}) as tmp:
                if kind == "xlsx":
                    write_excel(data, lang, tmp[kind], "web")
                else:
                    report = build_report(data, lang, "web")
                    write_pdf(report, tmp[kind], chart_pngs(report))
        return out

    def shutdown(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


def _failed(run: Run) -> bool:
    f = run.future
    return f is not None and f.done() and (f.cancelled() or f.exception() is not None)


_RUNS: Runs | None = None
_RUNS_LOCK = threading.Lock()


def shared_runs() -> Runs:
    """The server's one :class:`Runs` (created on first use)."""
    global _RUNS
    with _RUNS_LOCK:
        if _RUNS is None:
            _RUNS = Runs()
        return _RUNS
