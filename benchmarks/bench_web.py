"""Benchmark of the web page (issue 18): moving a lever -> the updated budget-year result.

Usage::

    .venv/bin/python benchmarks/bench_web.py          # writes its section of benchmarks/RESULTS.md

Two measurements at the page's default run size (``safetynet.web.app``: 0.2 % of households, one
replicate, budget year 2026 = 2019-05..2026-12, 92 months):

1. in process, the page's own code path without the browser: ``Runs.submit(levers)`` (levers ->
   TOML -> scenario loader -> simulation on a worker thread, the baseline already cached) and
   the budget-year tables; then the same levers again (cache hit);
2. in a real browser (``/usr/bin/chromium`` via Playwright) against ``safetynet serve``: from
   pressing Enter in the rural-rise box to the new result on screen, fresh and cached; while a
   run is going, a second client fetches the page (``GET /``) to show the server stays
   responsive.

Targets: fresh ≤ 3 s, cached ≤ 0.3 s. The section between the ``web`` markers of RESULTS.md is
replaced; ``benchmarks/run.py`` keeps it when it rewrites the rest of the file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
START, END = "<!-- web:start -->", "<!-- web:end -->"
TARGET_FRESH_S = 3.0
TARGET_CACHED_S = 0.3
RISES = (0.05, 0.10, 0.15)
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def in_process() -> dict[str, Any]:
    from safetynet.web import app
    from safetynet.web.levers import Levers
    from safetynet.web.runs import Runs

    base = str(ROOT / "scenarios" / "baseline.toml")

    def levers(rise: float) -> Levers:
        return Levers(
            base,
            app.DEFAULT_YEAR,
            app.DEFAULT_SAMPLE_PCT / 100.0,
            app.DEFAULT_REPLICATES,
            rural_rise=rise,
        )

    runs = Runs(workers=2)
    t = time.perf_counter()
    runs.submit(levers(0.0)).results()
    cold = time.perf_counter() - t
    runs.submit(levers(0.0)).checked()
    fresh, cached, cpu, checks, resumed = [], [], [], [], []
    for rise in RISES:
        t, c = time.perf_counter(), time.process_time()
        job = runs.submit(levers(rise))
        job.results()
        fresh.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        job.checked()
        checks.append(time.perf_counter() - t)
        record = json.loads(job.datasets()[0].attrs["run_record"])
        resumed.append(str(record.get("resumed", {}).get("0", [""])[0]))
        t = time.perf_counter()
        runs.submit(levers(rise)).checked()
        cached.append(time.perf_counter() - t)
    runs.shutdown()
    return {
        "cold": cold,
        "fresh": fresh,
        "cached": cached,
        "cpu": cpu,
        "checks": checks,
        "resumed": resumed,
    }


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def in_browser() -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    port = _port()
    url = f"http://127.0.0.1:{port}/"
    exe = Path(sys.executable).with_name("safetynet")
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    out: dict[str, Any] = {"fresh": [], "cached": [], "get_during_run": [], "checks": []}
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(url, timeout=5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.set_default_timeout(300_000)
            t = time.perf_counter()
            page.goto(url)
            page.wait_for_selector(".run-status")
            out["cold"] = time.perf_counter() - t
            box = page.locator(".lever-rural input")

            def checks_on_screen() -> None:
                key = page.locator(".run-status").get_attribute("data-key")
                page.wait_for_selector(f".checks-done[data-key='{key}']", state="attached")

            checks_on_screen()

            def move(value: str, checks: list[float] | None = None) -> float:
                key = page.locator(".run-status").get_attribute("data-key")
                box.fill(value)
                t = time.perf_counter()
                box.press("Enter")
                page.wait_for_function(
                    "k => { const s = document.querySelector('.run-status');"
                    " return s && s.dataset.key !== k; }",
                    arg=key,
                )
                took = time.perf_counter() - t
                checks_on_screen()
                if checks is not None:
                    checks.append(time.perf_counter() - t)
                return took

            for rise in RISES:
                probe = threading.Thread(target=_probe, args=(url, out["get_during_run"]))
                probe.start()
                out["fresh"].append(move(f"{rise * 100:g}", out["checks"]))
                probe.join()
                move("0")  # back to the baseline (cached)
                out["cached"].append(move(f"{rise * 100:g}"))
            page.screenshot(path=str(ROOT / "tests" / "artifacts" / "web_bench.png"))
            browser.close()
    finally:
        proc.terminate()
        proc.wait(20)
    return out


def _probe(url: str, sink: list[float]) -> None:
    time.sleep(0.3)  # the run has started
    t = time.perf_counter()
    urllib.request.urlopen(url, timeout=30).close()
    sink.append(time.perf_counter() - t)


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def render(proc: dict[str, Any], web: dict[str, Any] | None, load: str) -> str:
    def med(xs: list[float]) -> float:
        return statistics.median(xs)

    def ok(x: float, target: float) -> str:
        return "pass" if x <= target else "fail"

    lines = [
        START,
        "## Web page (issue 18, `benchmarks/bench_web.py`)",
        "",
        f"- Date: {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}; {load}. The machine "
        "is shared with other engineers' runs: timings vary by up to a factor of two.",
        f"- Python {platform.python_version()}; default page run: 0.2 % of households, "
        "1 replicate, budget year 2026 (2019-05..2026-12, 92 months), all 129 counties; "
        "baseline cached; a lever = rural standard +5/10/15 % from 2026-01. A reform resumes "
        "from the baseline's state at the start of 2026-01 (`safetynet.resume`; resumed from: "
        f"{', '.join(proc['resumed'])}) and simulates 12 months instead of 92; the result "
        "equals the full run (tests/test_resume.py). 'Result on screen' = every table, the map "
        "and the county table; the planners' checks (report.checks, about as long as the rest) "
        "follow from their own thread (second line).",
        "",
        "| measure | median s | all s | target | result |",
        "|---|---|---|---|---|",
        f"| in process: lever -> result (simulate + tables) | {med(proc['fresh']):.2f} | "
        f"{', '.join(f'{x:.2f}' for x in proc['fresh'])} | ≤ {TARGET_FRESH_S:g} | "
        f"{ok(med(proc['fresh']), TARGET_FRESH_S)} |",
        f"| in process: CPU time of that (all threads of this process) | {med(proc['cpu']):.2f} | "
        f"{', '.join(f'{x:.2f}' for x in proc['cpu'])} | | |",
        f"| in process: same levers again (cache) | {med(proc['cached']):.3f} | "
        f"{', '.join(f'{x:.3f}' for x in proc['cached'])} | ≤ {TARGET_CACHED_S:g} | "
        f"{ok(med(proc['cached']), TARGET_CACHED_S)} |",
        f"| in process: lever -> result with the planners' checks | {med(proc['checks']):.2f} | "
        f"{', '.join(f'{x:.2f}' for x in proc['checks'])} | | |",
        f"| in process: first run after start (compile, data) | {proc['cold']:.1f} | | | |",
    ]
    if web is not None:
        lines += [
            f"| browser: Enter -> new result on screen | {med(web['fresh']):.2f} | "
            f"{', '.join(f'{x:.2f}' for x in web['fresh'])} | ≤ {TARGET_FRESH_S:g} | "
            f"{ok(med(web['fresh']), TARGET_FRESH_S)} |",
            f"| browser: Enter -> checks on screen too (fresh) | {med(web['checks']):.2f} | "
            f"{', '.join(f'{x:.2f}' for x in web['checks'])} | | |",
            f"| browser: Enter -> cached result on screen | {med(web['cached']):.3f} | "
            f"{', '.join(f'{x:.3f}' for x in web['cached'])} | ≤ {TARGET_CACHED_S:g} | "
            f"{ok(med(web['cached']), TARGET_CACHED_S)} |",
            f"| second client `GET /` while a run is going | {med(web['get_during_run']):.3f} | "
            f"{', '.join(f'{x:.3f}' for x in web['get_during_run'])} | | |",
            f"| browser: first page with result after server start | {web['cold']:.1f} | | | |",
        ]
    else:
        lines.append("| browser | not measured: no /usr/bin/chromium | | | |")
    lines += [END, ""]
    return "\n".join(lines)


def write(section: str, path: Path = RESULTS) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if START in text and END in text:
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def main() -> None:
    before = _load()
    proc = in_process()
    print("in process:", proc, flush=True)
    web = in_browser() if Path(CHROMIUM).exists() else None
    print("browser:", web, flush=True)
    write(render(proc, web, f"{before} before, {_load()} after"))


if __name__ == "__main__":
    main()
