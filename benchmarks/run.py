"""Benchmarks: the vectorised engine against the per-household Mesa reference, in one run.

Usage::

    .venv/bin/python benchmarks/run.py            # everything (`make bench`), about 20-30 min
    .venv/bin/python benchmarks/run.py --quick    # without the full province and Mesa at 1M

Measures on this machine, each size in its own subprocess (so that peak memory does not mix):
household-months per second of the engine (``SafetyNetModel.run``) at 10k, 100k, 1M households
and the full province (sample fraction 1); of the per-household Mesa reference
(``benchmarks/reference_mesa.py``) at 10k and 100k (and 1M without ``--quick``); their ratio;
population generation time; peak memory per household; a 2-worker dask sweep against the same
runs in-process. Writes the table to ``benchmarks/RESULTS.md`` (atomically) with the machine,
date, commit and versions. The scenario is ``scenarios/baseline.toml`` (2019-05 onwards).

A run whose projected time exceeds its budget stops after ``--min-months`` months and its time
for the full horizon is extrapolated from the months run (first month + mean of the others);
the table says so.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
SCENARIO = ROOT / "scenarios" / "baseline.toml"
RESULTS = HERE / "RESULTS.md"
MARK = "RESULT "

# issue 8 targets (2-core machine)
TARGET_RATIO = 100.0
TARGET_WALL_S = 60.0
TARGET_PEAK_GB = 3.0
TARGET_BYTES = 200.0
TARGET_GENERATE_S = 60.0  # issue 3 (benchmarks/bench_population.py)
MONTHS = 60
FULL = "full"


# ---------------------------------------------------------------------------- measuring


def rss_mb() -> float:
    """Resident memory of this process now, MiB."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, MiB (Linux: ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _fraction(rows: str) -> float:
    from safetynet import refdata

    if rows == FULL:
        return 1.0
    total = float(refdata.counties().family_households.sum())
    return min(int(rows) / total, 1.0)


def _steps(model: Any, months: int, budget_s: float, min_months: int) -> list[float]:
    """Step ``model`` month by month; stop after ``min_months`` once the projection of the
    whole horizon exceeds ``budget_s``. Returns the seconds of each month run."""
    seconds: list[float] = []
    for t in range(months):
        started = time.perf_counter()
        model.step()
        seconds.append(time.perf_counter() - started)
        if t + 1 >= min_months and t + 1 < months and _project(seconds, months) > budget_s:
            break
    return seconds


def _project(seconds: Sequence[float], months: int) -> float:
    """Seconds for ``months`` months: the first month as measured, the rest at the mean of the
    later months run (the first month carries one-off warm-up)."""
    if len(seconds) >= months:
        return float(sum(seconds[:months]))
    if len(seconds) == 1:
        return seconds[0] * months
    rest = sum(seconds[1:]) / (len(seconds) - 1)
    return seconds[0] + rest * (months - 1)


SHIPPED_MONTHS = 60  # months of the full-province run through run_replicate


def worker(
    kind: str,
    rows: str,
    months: int,
    budget_s: float,
    min_months: int,
    threads: int | None = None,
) -> dict[str, Any]:
    """One measurement (engine or mesa) in this process; returns a JSON-able dict.

    ``threads``: threads of the compiled step (default: as shipped, one per core)."""
    sys.path.insert(0, str(HERE))
    import reference_mesa as rm
    from safetynet import refdata
    from safetynet.params import load_parameters
    from safetynet.scenario import load_scenario
    from safetynet.simulation import make_specs

    sc = load_scenario(SCENARIO)
    ps = sc.parameters(load_parameters())
    refdata.counties()
    spec = make_specs(sc, 1, sample_fraction=_fraction(rows), months=months)[0]
    base = rss_mb()
    timings: dict[str, float] = {}
    inputs = rm.prepare(spec, ps, timings)
    n = inputs.households.n
    started = time.perf_counter()
    from safetynet.model import default_threads

    used_threads = threads or default_threads()
    if kind == "engine":
        options: dict[str, Any] = {"keep_money": False, "threads": used_threads}
        model: Any = inputs.engine(copy=False, **options)
    else:
        model = inputs.reference()
    setup = time.perf_counter() - started
    if kind == "engine":
        used_threads = int(getattr(model, "threads", 1))  # the model may use fewer
    phases = _time_phases(model) if kind == "engine" else {}
    seconds = _steps(model, months, budget_s, min_months)
    if kind == "engine":
        model.close()
    if phases:
        phases["outside the phases"] = sum(seconds) - sum(phases.values())
    run_s = float(sum(seconds))
    peak = peak_rss_mb()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "kind": kind,
        "engine": "compiled" if kind == "engine" else "mesa",
        "threads": used_threads if kind == "engine" else 1,
        "rows": n,
        "households": float(inputs.households["weight"].sum(dtype="float64")),
        "fraction": spec.sample_fraction,
        "months": months,
        "months_run": len(seconds),
        "generate_s": timings["generate"],
        "initial_s": timings["initial_state"],
        "setup_s": setup,
        "run_s": run_s,
        "projected_run_s": _project(seconds, months),
        "rate": n * len(seconds) / run_s,
        "base_rss_mb": base,
        "peak_rss_mb": peak,
        "bytes_per_household": (peak - base) * 2**20 / n,
        "storage_bytes_per_household": inputs.households.nbytes / n,
        "user_cpu_s": usage.ru_utime,
        "system_cpu_s": usage.ru_stime,
        "phase_s": phases,
    }


def shipped_worker(months: int) -> dict[str, Any]:
    """The full province through ``simulation.run_replicate`` as shipped (counties stepped in
    batches of about ``BATCH_HOUSEHOLDS``, generation and start state included): wall time of
    ``months`` months and peak memory."""
    from safetynet import refdata
    from safetynet.params import load_parameters
    from safetynet.scenario import load_scenario
    from safetynet.simulation import BATCH_HOUSEHOLDS, make_specs, run_replicate

    sc = load_scenario(SCENARIO)
    ps = sc.parameters(load_parameters())
    table = refdata.counties()
    spec = make_specs(sc, 1, sample_fraction=1.0, months=months)[0]
    base = rss_mb()
    started = time.perf_counter()
    run_replicate(spec, ps)
    wall = time.perf_counter() - started
    peak = peak_rss_mb()
    n = int(table.family_households.sum())
    from safetynet.model import default_threads

    return {
        "kind": "shipped",
        "threads": default_threads(),
        "rows": n,
        "months": months,
        "batch_households": BATCH_HOUSEHOLDS,
        "wall_s": wall,
        "base_rss_mb": base,
        "peak_rss_mb": peak,
        "bytes_per_household": (peak - base) * 2**20 / n,
    }


def _time_phases(model: Any) -> dict[str, float]:
    """Wrap the engine's ordered phases with timers; returns the dict they add seconds to."""
    spent: dict[str, float] = {}
    if not hasattr(model, "phases"):
        return spent

    def timed(name: str, phase: Any) -> Any:
        def run() -> None:
            started = time.perf_counter()
            phase()
            spent[name] += time.perf_counter() - started

        return run

    spent.update({name: 0.0 for name, _ in model.phases})
    model.phases = tuple((name, timed(name, phase)) for name, phase in model.phases)
    return spent


def dask_worker(fraction: float, months: int, replicates: int) -> dict[str, Any]:
    """The same small sweep in-process and on a 2-worker local dask cluster."""
    import dask
    import distributed  # noqa: F401  (loads the distributed.* config defaults)
    import numpy as np
    from safetynet import refdata
    from safetynet.population import household_counts
    from safetynet.scenario import load_scenario
    from safetynet.simulation import simulate
    from safetynet.sweep import sweep

    sc = load_scenario(SCENARIO)
    started = time.perf_counter()
    local = simulate(sc, replicates=replicates, sample_fraction=fraction, months=months)
    in_process = time.perf_counter() - started
    seconds: list[float] = []
    same = True
    # without the MALLOC_TRIM_THRESHOLD_ that dask's nanny sets in its workers (it turns off
    # glibc's dynamic mmap threshold: every large numpy temporary is then mapped and zeroed
    # afresh), then as shipped. The nanny also writes the variable into this process's
    # environment, which its workers inherit: remove it before each sweep.
    for environ in ({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}, {}):
        os.environ.pop("MALLOC_TRIM_THRESHOLD_", None)
        out = Path(tempfile.mkdtemp(prefix="safetynet-bench-"))
        try:
            with dask.config.set(environ):
                started = time.perf_counter()
                swept = sweep(
                    [SCENARIO], out, replicates=replicates, sample_fraction=fraction, months=months
                )
                seconds.append(time.perf_counter() - started)
        finally:
            shutil.rmtree(out, ignore_errors=True)
        same = same and all(
            np.allclose(local[v].values, swept[v].values, rtol=1e-12, atol=0.0, equal_nan=True)
            for v in ("cases_households", "spending", "budget_need")
        )
    return {
        "replicates": replicates,
        "fraction": fraction,
        "months": months,
        "rows_per_replicate": int(household_counts(refdata.counties(), fraction).sum()),
        "in_process_s": in_process,
        "dask_no_trim_s": seconds[0],
        "dask_s": seconds[1],
        "identical": bool(same),
    }


# ---------------------------------------------------------------------------- orchestration


def _run_worker(args: list[str], timeout_s: float) -> dict[str, Any]:
    """Run this script as a worker subprocess; its result is the line starting with MARK."""
    cmd = [sys.executable, str(Path(__file__).resolve()), *args]
    print("  $ " + " ".join(args), file=sys.stderr, flush=True)
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout_s, cwd=ROOT, check=False
        )
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish within {timeout_s:.0f} s"}
    for line in proc.stdout.splitlines():
        if line.startswith(MARK):
            result: dict[str, Any] = json.loads(line[len(MARK) :])
            return result
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    return {"error": f"exit {proc.returncode}: " + " | ".join(tail)}


def machine() -> dict[str, str]:
    """CPU model, cores, memory, OS, versions, commit and date."""
    import dask
    import mesa
    import numpy

    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo", encoding="ascii") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    changed = [line[3:] for line in (_git("status", "--porcelain") or "").splitlines()]
    dirty = [p for p in changed if p.startswith(("model/", "scenarios/", "pyproject"))]
    return {
        "cpu": cpu,
        "cores": str(len(os.sched_getaffinity(0))),
        "memory": f"{mem_kb / 2**20:.1f} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "mesa": mesa.__version__,
        "dask": dask.__version__,
        "commit": commit,
        "dirty": ", ".join(dirty),
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }


def _git(*args: str) -> str:
    try:
        out = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False
        )
    except OSError:
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def measure(quick: bool) -> dict[str, Any]:
    """Every measurement of the table, each in its own subprocess."""
    engine_sizes = ["10000", "100000", "1000000"] + ([] if quick else [FULL])
    mesa_sizes = [("10000", 24), ("100000", 12)] + ([] if quick else [("1000000", 2)])
    results: dict[str, Any] = {"engine": {}, "single": {}, "mesa": {}, "quick": quick}
    print("compiled engine, as shipped", file=sys.stderr)
    for rows in engine_sizes:
        budget = 540.0 if rows == FULL else 1e9
        args = ["--worker", "engine", "--rows", rows, "--months", str(MONTHS)]
        args += ["--budget", str(budget), "--min-months", "12"]
        results["engine"][rows] = _run_worker(args, timeout_s=1800)
    print("compiled engine on one thread", file=sys.stderr)
    for rows in ("10000", "100000", "1000000"):
        args = ["--worker", "engine", "--rows", rows, "--months", str(MONTHS), "--threads", "1"]
        results["single"][rows] = _run_worker(args, timeout_s=1800)
    if not quick:
        args = ["--worker", "shipped", "--months", str(SHIPPED_MONTHS)]
        results["shipped"] = _run_worker(args, timeout_s=1800)
    print("per-household Mesa reference", file=sys.stderr)
    for rows, months in mesa_sizes:
        args = ["--worker", "mesa", "--rows", rows, "--months", str(months)]
        args += ["--budget", "600", "--min-months", "1"]
        results["mesa"][rows] = _run_worker(args, timeout_s=1800)
    print("dask sweep", file=sys.stderr)
    results["dask"] = _run_worker(["--worker", "dask"], timeout_s=1800)
    return results


# ---------------------------------------------------------------------------- the table


def _fmt(x: float | None, digits: int = 0) -> str:
    if x is None:
        return "–"
    return f"{x:,.{digits}f}"


def _label(rows: str, r: dict[str, Any]) -> str:
    if rows == FULL:
        return f"full province ({r.get('rows', 0):,})" if "rows" in r else "full province"
    return f"{int(rows):,}"


def _threads(r: dict[str, Any]) -> str:
    t = r.get("threads", "?")
    return f"{t} thread" + ("" if t == 1 else "s")


def _rate_text(r: dict[str, Any]) -> str:
    return _fmt(r["rate"]) if "rate" in r else "–"


def render(results: dict[str, Any], info: dict[str, str], seconds: float) -> str:
    """RESULTS.md from the measurements."""
    eng, ref = results["engine"], results["mesa"]
    lines = [
        "# Benchmarks 性能基准",
        "",
        "Written by `benchmarks/run.py` (`make bench`); do not edit by hand. How the reference",
        "works and what is compared: `docs/benchmarks.md`.",
        "",
        f"- Date: {info['date']}; total benchmark time {seconds / 60:.1f} min"
        + (" (`--quick`: no full province, no Mesa at 1M)" if results["quick"] else ""),
        f"- Machine: {info['cpu']}, {info['cores']} cores, {info['memory']} RAM; {info['os']}",
        f"- Code: commit `{info['commit']}`"
        + (
            f" with uncommitted changes in {info['dirty']}"
            if info["dirty"]
            else " (model and scenarios as committed)"
        ),
        f"- Python {info['python']}, numpy {info['numpy']}, mesa {info['mesa']}, "
        f"dask {info['dask']}",
        "- Scenario: `scenarios/baseline.toml` (2019-05 onwards), one replicate per run; "
        "household = one simulated row (at sample fraction 1 every census family household).",
        "",
        "## Targets (issue 8)",
        "",
        "| target | measured | result |",
        "|---|---|---|",
    ]
    lines += _targets(results)
    lines += [
        "",
        "## Engine (`SafetyNetModel`)",
        "",
        "As shipped the household phases run compiled (`safetynet.household_month`), counties "
        "spread over one thread per core; the rows *1 thread* show the same on one core.",
        "",
        "| households | step | months run | generate s | start state s | model setup s | run s "
        "| household-months/s | 60 months s | peak RSS MiB | bytes/household "
        "| CPU user / system s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    variants = (
        ("engine", "compiled, {t}"),
        ("single", "compiled, 1 thread"),
    )
    for key, step in variants:
        for rows, r in results.get(key, {}).items():
            if "error" in r:
                lines.append(f"| {_label(rows, r)} | {step} | failed: {r['error']} ||||||||||")
                continue
            run_note = "" if r["months_run"] == r["months"] else " (extrapolated)"
            lines.append(
                f"| {_label(rows, r)} | {step.format(t=_threads(r))} | "
                f"{r['months_run']} of {r['months']} | "
                f"{_fmt(r['generate_s'], 2)} | {_fmt(r['initial_s'], 2)} | "
                f"{_fmt(r['setup_s'], 2)} | {_fmt(r['run_s'], 1)} | {_rate_text(r)} | "
                f"{_fmt(r['projected_run_s'], 1)}{run_note} | {_fmt(r['peak_rss_mb'])} | "
                f"{_fmt(r['bytes_per_household'])} "
                f"| {_fmt(r['user_cpu_s'])} / {_fmt(r['system_cpu_s'])} |"
            )
    shipped = results.get("shipped", {})
    if "wall_s" in shipped:
        lines += [
            "",
            f"As shipped (`simulation.run_replicate`, counties in batches of about "
            f"{shipped['batch_households']:,} households, each batch generated, given its "
            f"start state and stepped in turn): full province, {shipped['months']} months, "
            f"{shipped['wall_s']:.1f} s wall, peak RSS {shipped['peak_rss_mb']:,.0f} MiB "
            f"({shipped['bytes_per_household']:,.0f} bytes per household above the RSS "
            "before generation).",
        ]
    lines += _phase_table(eng)
    lines += [
        "",
        "## Per-household Mesa reference (`benchmarks/reference_mesa.py`)",
        "",
        "| households | months run | agent creation s | run s | household-months/s "
        "| peak RSS MiB | bytes/household | engine ÷ Mesa, as shipped | engine ÷ Mesa, "
        "1 thread |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for rows, r in ref.items():
        if "error" in r:
            lines.append(f"| {_label(rows, r)} | failed: {r['error']} ||||||||")
            continue
        ratios = []
        for key in ("engine", "single"):
            e = results.get(key, {}).get(rows, {})
            ratios.append(_fmt(e["rate"] / r["rate"], 1) + "×" if "rate" in e else "–")
        lines.append(
            f"| {_label(rows, r)} | {r['months_run']} | {_fmt(r['setup_s'], 1)} | "
            f"{_fmt(r['run_s'], 1)} | {_rate_text(r)} | {_fmt(r['peak_rss_mb'])} | "
            f"{_fmt(r['bytes_per_household'])} | {ratios[0]} | {ratios[1]} |"
        )
    d = results["dask"]
    lines += ["", "## Dask sweep: 2 workers against in-process", ""]
    if "error" in d:
        lines.append(f"Failed: {d['error']}")
    else:
        lines += [
            f"{d['replicates']} replicates of the baseline, sample fraction {d['fraction']} "
            f"({d['rows_per_replicate']:,} households each), "
            f"{d['months']} months, all counties (`simulation.simulate` against "
            "`sweep.sweep(workers=2)`: local cluster start, parts written to NetCDF and merged).",
            "",
            "| mode | wall s | speed-up | same results |",
            "|---|---|---|---|",
            f"| in-process, one after the other | {_fmt(d['in_process_s'], 1)} | 1.00× | – |",
            f"| dask, 2 worker processes (`sweep` as shipped) | {_fmt(d['dask_s'], 1)} | "
            f"{d['in_process_s'] / d['dask_s']:.2f}× | {'yes' if d['identical'] else 'NO'} |",
            "| dask, 2 workers, `MALLOC_TRIM_THRESHOLD_` not set in the workers | "
            f"{_fmt(d['dask_no_trim_s'], 1)} | {d['in_process_s'] / d['dask_no_trim_s']:.2f}× "
            f"| {'yes' if d['identical'] else 'NO'} |",
            "",
            "In-process, the compiled step already uses both cores (threads over counties); "
            "the local cluster runs one replicate per single-thread worker instead, so on one "
            "2-core machine dask brings no speed-up beyond its start-up cost. It pays with "
            "more machines (`safetynet sweep --scheduler`), and it keeps finished parts when a "
            "long sweep is interrupted. dask's nanny sets `MALLOC_TRIM_THRESHOLD_=65536` in "
            "its workers by default (`distributed.nanny.pre-spawn-environ`), which made the "
            "numpy form of the step 2–3× slower (every large temporary mapped and zeroed "
            "afresh); `sweep` removes it, and the last row runs the same sweep without it "
            "for comparison. Cluster start-up (about 2 s) and writing and merging the parts "
            "are included in the dask rows.",
        ]
    lines += ["", "## How measured", ""]
    lines += [
        "- Each size runs in its own subprocess. Generation (`population.generate`), the start "
        "state (`initial_state`), model setup and the monthly steps are timed separately; "
        "household-months/s = households × months run ÷ run seconds (steps only).",
        "- Peak memory: `ru_maxrss` of the subprocess. bytes/household = (peak RSS − RSS after "
        "imports and parameter loading, before generation) ÷ households; it includes the "
        "household columns, the engine's monthly temporaries and the recorder.",
        "- A run projected beyond its budget stops after 12 months (Mesa: after the months "
        "given) and the 60-month time is extrapolated: first month as measured plus 59 × the "
        "mean of the later months. Rows marked *extrapolated* were not run to the end.",
        "- The Mesa reference runs fewer months (24 / 12 / 2) to keep the benchmark short; its "
        "cost per household-month does not depend on the month (agent creation is reported "
        "apart). The ratio compares household-months/s at the same number of households.",
        "- The engine's results agree with the reference household by household "
        "(`tests/test_oracle.py`), so the ratio compares the same computation.",
    ]
    return "\n".join(lines) + "\n"


def _phase_table(eng: dict[str, Any]) -> list[str]:
    """Share of the engine's step time by phase, for the largest sizes measured."""
    sizes = [k for k in ("1000000", FULL) if eng.get(k, {}).get("phase_s")]
    if not sizes:
        return []
    names = list(eng[sizes[0]]["phase_s"])
    head = " | ".join(_label(k, eng[k]) for k in sizes)
    lines = [
        "",
        "Step time by phase of the compiled engine as shipped (share of the run seconds): "
        "`households` is the compiled pass (draws, life events, shocks, assessment, "
        "applications, reviews, temporary assistance, benefits and the household sums); "
        "`prices`, `services` and `record` work on county arrays.",
        "",
        f"| phase | {head} |",
        "|---|" + "---|" * len(sizes),
    ]
    for name in names:
        cells = []
        for k in sizes:
            r = eng[k]
            cells.append(f"{100 * r['phase_s'].get(name, 0.0) / r['run_s']:.0f}%")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def _targets(results: dict[str, Any]) -> list[str]:
    eng, ref = results["engine"], results["mesa"]
    rows: list[str] = []

    def row(target: str, measured: str, ok: bool | None) -> None:
        verdict = "not measured" if ok is None else ("pass" if ok else "**fail**")
        rows.append(f"| {target} | {measured} | {verdict} |")

    e100, m100 = eng.get("100000", {}), ref.get("100000", {})
    s100 = results.get("single", {}).get("100000", {})
    if "rate" in e100 and "rate" in m100:
        ratio = e100["rate"] / m100["rate"]
        single = (
            f"; on 1 thread {s100['rate'] / m100['rate']:,.1f}× ({s100['rate']:,.0f})"
            if "rate" in s100
            else ""
        )
        row(
            "engine ≥ 100× the per-household Mesa implementation at 100k households",
            f"{ratio:,.1f}× ({e100['rate']:,.0f} vs {m100['rate']:,.0f} household-months/s, "
            f"{_threads(e100)}{single})",
            ratio >= TARGET_RATIO,
        )
    else:
        row("engine ≥ 100× Mesa at 100k households", "–", None)
    full = eng.get(FULL, {})
    if "rate" in full:
        wall = full["generate_s"] + full["initial_s"] + full["setup_s"] + full["projected_run_s"]
        note = "" if full["months_run"] == MONTHS else f", {full['months_run']} months run"
        row(
            "full Yunnan × 60 months, one replicate ≤ 60 s wall (all counties at once)",
            f"{wall:,.0f} s (generate {full['generate_s']:.0f} + start state "
            f"{full['initial_s']:.0f} + setup {full['setup_s']:.0f} + 60 months "
            f"{full['projected_run_s']:.0f}{note})",
            wall <= TARGET_WALL_S,
        )
        shipped = results.get("shipped", {})
        if "wall_s" in shipped:
            once = full["generate_s"] + full["initial_s"]
            wall60 = once + (shipped["wall_s"] - once) * MONTHS / shipped["months"]
            how = (
                "generation and start state included"
                if shipped["months"] == MONTHS
                else f"projected from {shipped['months']} months in {shipped['wall_s']:.0f} s"
            )
            row(
                "full Yunnan × 60 months ≤ 60 s, as shipped (county batches)",
                f"{wall60:,.1f} s ({how})",
                wall60 <= TARGET_WALL_S,
            )
            peak_gb = shipped["peak_rss_mb"] / 1024
            row(
                "full Yunnan peak memory ≤ 3 GB, as shipped (county batches)",
                f"{peak_gb:.2f} GiB peak RSS (all counties at once: "
                f"{full['peak_rss_mb'] / 1024:.2f} GiB)",
                peak_gb <= 3.0,
            )
            row(
                "≤ 200 bytes per household, as shipped",
                f"{shipped['bytes_per_household']:,.0f} bytes (columns alone: "
                f"{full['storage_bytes_per_household']:.0f})",
                shipped["bytes_per_household"] <= TARGET_BYTES,
            )
        else:
            peak_gb = full["peak_rss_mb"] / 1024
            row("full Yunnan peak memory ≤ 3 GB", f"{peak_gb:.2f} GiB peak RSS", peak_gb <= 3.0)
            row(
                "≤ 200 bytes per household",
                f"{full['bytes_per_household']:,.0f} bytes (columns alone: "
                f"{full['storage_bytes_per_household']:.0f})",
                full["bytes_per_household"] <= TARGET_BYTES,
            )
        row(
            "population generation, full province ≤ 60 s (issue 3)",
            f"{full['generate_s']:.1f} s for {full['rows']:,} households",
            full["generate_s"] <= TARGET_GENERATE_S,
        )
    else:
        why = full.get("error", "`--quick`")
        for target in (
            "full Yunnan × 60 months, one replicate ≤ 60 s wall",
            "full Yunnan peak memory ≤ 3 GB",
            "≤ 200 bytes per household (full province)",
        ):
            row(target, f"– ({why})", None)
        e1m = eng.get("1000000", {})
        if "bytes_per_household" in e1m:
            row(
                "≤ 200 bytes per household (at 1M households)",
                f"{e1m['bytes_per_household']:,.0f} bytes",
                e1m["bytes_per_household"] <= TARGET_BYTES,
            )
    return rows


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and ``os.replace``."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".md", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _kept_sections(path: Path) -> str:
    """Sections other benchmarks write into RESULTS.md between markers (the web page's,
    benchmarks/bench_web.py; the report's, benchmarks/bench_report.py; hand-written, dated A/B
    notes), kept when this script rewrites the file."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    out = ""
    for start, end in (
        ("<!-- web:start -->", "<!-- web:end -->"),
        ("<!-- report-timing", "<!-- /report-timing -->"),  # benchmarks/bench_report.py
        ("<!-- notes:start -->", "<!-- notes:end -->"),  # hand-written A/B notes, dated
    ):
        if start in old and end in old:
            out += "\n" + start + old.split(start, 1)[1].split(end, 1)[0] + end + "\n"
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the full province")
    parser.add_argument("--out", type=Path, default=RESULTS, help="Markdown file to write")
    parser.add_argument("--json", type=Path, help="also save the raw measurements here")
    parser.add_argument(
        "--worker", choices=("engine", "mesa", "dask", "shipped"), help=argparse.SUPPRESS
    )
    parser.add_argument("--rows", default="10000", help=argparse.SUPPRESS)
    parser.add_argument("--months", type=int, default=MONTHS, help=argparse.SUPPRESS)
    parser.add_argument("--budget", type=float, default=1e9, help=argparse.SUPPRESS)
    parser.add_argument("--min-months", type=int, default=12, help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker == "dask":
        print(MARK + json.dumps(dask_worker(0.1, 60, 2)), flush=True)
        return
    if args.worker == "shipped":
        print(MARK + json.dumps(shipped_worker(args.months)), flush=True)
        return
    if args.worker:
        result = worker(
            args.worker,
            args.rows,
            args.months,
            args.budget,
            args.min_months,
            args.threads,
        )
        print(MARK + json.dumps(result), flush=True)
        return
    started = time.perf_counter()
    results = measure(args.quick)
    text = render(results, machine(), time.perf_counter() - started)
    if args.json:
        write_atomic(args.json, json.dumps(results, indent=1))
    write_atomic(args.out, text + _kept_sections(args.out))
    print(text)
    print(f"written: {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
