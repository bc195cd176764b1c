"""The Solara page of ``safetynet serve`` (``Page``): levers on the left, the budget year on the
right. Chinese by default, English with the switch in the top bar.

Each browser tab has its own state (Solara reactive variables live per session). Moving a lever
builds a new :class:`~safetynet.web.levers.Levers`; a per-tab thread (``solara.use_thread``)
asks the server's shared :class:`~safetynet.web.runs.Runs` for it and polls its progress, so the
page stays live while the worker threads simulate, and a finished scenario hash is shown at
once. See docs/web.md.
"""

from __future__ import annotations

import functools
import html
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import solara

from safetynet import refdata
from safetynet.errors import InputError, SafetynetError
from safetynet.report.formatting import WAN
from safetynet.web import levers as lv
from safetynet.web.countymap import map_colours, map_svg
from safetynet.web.i18n import STRINGS, line_label, text
from safetynet.web.results import YearResults
from safetynet.web.runs import Job, shared_runs

#: interactive defaults (the ≤ 3 s target of benchmarks/bench_web.py): 0.2 % of households,
#: one replicate; raise them on the page for bands and published numbers
DEFAULT_SAMPLE_PCT = float(os.environ.get("SAFETYNET_WEB_SAMPLE_PCT", "0.2"))
DEFAULT_REPLICATES = int(os.environ.get("SAFETYNET_WEB_REPLICATES", "1"))
DEFAULT_YEAR = int(os.environ.get("SAFETYNET_WEB_YEAR", "2026"))
SCENARIOS_DIR = Path(os.environ.get("SAFETYNET_WEB_SCENARIOS", "scenarios"))
DEFAULT_BASE = "baseline.toml"
POLL_S = 0.1
#: the checks' thread waits this long so that the result's own update reaches the browser first
CHECKS_DELAY_S = 0.3


def scenario_files() -> list[str]:
    """Scenario files offered as starting points (``scenarios/*.toml``)."""
    return sorted(p.name for p in SCENARIOS_DIR.glob("*.toml"))


@functools.cache
def base_values(base: str, year: int) -> dict[str, float]:
    """Values of the single-number levers in the starting scenario, January of ``year``."""
    import datetime as dt

    from safetynet.scenario import load_scenario

    ps = load_scenario(SCENARIOS_DIR / base).parameters()
    when = dt.date(year, 1, 1)
    out = {}
    for path in (lv.EDGE_MULTIPLE, lv.SERVICES_CAP, lv.CPI_THRESHOLD, lv.FOOD_CPI_THRESHOLD):
        out[path] = float(ps.value(path, when))  # type: ignore[arg-type]
    return out


@functools.cache
def web_font_css() -> str:
    """@font-face of a Noto Sans CJK subset covering the page's words and place names, so the
    Chinese renders on any machine (no system CJK font needed)."""
    from safetynet.outputs import GROUP_LABELS, PROGRAMME_LABELS
    from safetynet.report.fonts import woff2_base64

    t = refdata.counties()
    texts = ["0123456789.,:;%+-—–()（）、，。：；·/ ≤≥…", "网页测算情景以为起点基准现行政策年月"]
    texts += [zh + en for zh, en in STRINGS.values()]
    texts += [zh + en for zh, en in (*PROGRAMME_LABELS.values(), *GROUP_LABELS.values())]
    texts += [str(n) for n in (*t.name_zh, *t.prefecture_name_zh)]
    data = woff2_base64(texts)
    return (
        "@font-face { font-family: 'SafetynetWeb'; "
        f"src: url(data:font/woff2;base64,{data}) format('woff2'); }}\n"
        ".v-application, .v-application * { font-family: 'SafetynetWeb', 'Noto Sans CJK SC', "
        "'Microsoft YaHei', sans-serif !important; }\n"
        ".v-application .mdi, .v-application .v-icon { font-family: 'Material Design Icons' "
        "!important; }\n"
        "table.lines { border-collapse: collapse; margin-bottom: 12px; }\n"
        "table.lines td, table.lines th { padding: 3px 10px; border-bottom: 1px solid #ddd; }\n"
        "table.lines td.num { text-align: right; font-variant-numeric: tabular-nums; }\n"
    )


# --------------------------------------------------------------------------- state (per tab)

lang = solara.reactive("zh")
base = solara.reactive(DEFAULT_BASE)
budget_year = solara.reactive(DEFAULT_YEAR)
rural_rise = solara.reactive(0.0)
urban_rise = solara.reactive(0.0)
rise_from = solara.reactive("")
#: prefecture code -> (rural %, urban %): prefectures with their own rise
pref_rises: solara.Reactive[dict[str, tuple[float, float]]] = solara.reactive({})
edge_multiple = solara.reactive(math.nan)
services_cap = solara.reactive(math.nan)
cpi_threshold = solara.reactive(math.nan)
food_threshold = solara.reactive(math.nan)
shock_counties: solara.Reactive[list[str]] = solara.reactive([])
shock_severity = solara.reactive(30.0)
shock_months = solara.reactive(3)
shock_from = solara.reactive("")
sample_pct = solara.reactive(DEFAULT_SAMPLE_PCT)
replicates = solara.reactive(DEFAULT_REPLICATES)
progress = solara.reactive(0.0)
county_filter = solara.reactive("")


def _lever(value: float, base_value: float, scale: float = 1.0) -> float | None:
    """A single-number lever: None unless it differs from the starting file."""
    if not math.isfinite(value) or abs(value / scale - base_value) < 1e-12:
        return None
    return value / scale


def current_levers() -> lv.Levers:
    """The Levers of what is on screen."""
    year = int(budget_year.value)
    known = base_values(base.value, year)
    shock = None
    if shock_counties.value:
        shock = lv.Shock(
            tuple(shock_counties.value),
            float(shock_severity.value) / 100.0,
            int(shock_months.value),
            shock_from.value.strip() or f"{year}-01",
        )
    return lv.Levers(
        base=str(SCENARIOS_DIR / base.value),
        budget_year=year,
        sample_fraction=float(sample_pct.value) / 100.0,
        replicates=int(replicates.value),
        rural_rise=float(rural_rise.value) / 100.0,
        urban_rise=float(urban_rise.value) / 100.0,
        rise_from=rise_from.value.strip(),
        prefecture_rises=tuple(
            lv.PrefectureRise(code, rural / 100.0, urban / 100.0)
            for code, (rural, urban) in pref_rises.value.items()
        ),
        edge_multiple=_lever(edge_multiple.value, known[lv.EDGE_MULTIPLE]),
        services_cap=_lever(services_cap.value, known[lv.SERVICES_CAP], 100.0),
        cpi_threshold=_lever(cpi_threshold.value, known[lv.CPI_THRESHOLD]),
        food_cpi_threshold=_lever(food_threshold.value, known[lv.FOOD_CPI_THRESHOLD]),
        shock=shock,
    )


def reset() -> None:
    """Levers back to the starting file's values."""
    known = base_values(base.value, int(budget_year.value))
    rural_rise.value = 0.0
    urban_rise.value = 0.0
    rise_from.value = ""
    pref_rises.value = {}
    edge_multiple.value = known[lv.EDGE_MULTIPLE]
    services_cap.value = round(known[lv.SERVICES_CAP] * 100.0, 6)
    cpi_threshold.value = known[lv.CPI_THRESHOLD]
    food_threshold.value = known[lv.FOOD_CPI_THRESHOLD]
    shock_counties.value = []


@dataclass(frozen=True, eq=False)  # compared by identity (the page re-renders on a new one)
class Outcome:
    job: Job
    results: YearResults
    seconds: float
    cached: bool


def run_levers(levers: lv.Levers, cancel: threading.Event) -> Outcome | None:
    """Submit (or reuse) the run of ``levers`` and wait for it, reporting progress."""
    started = time.perf_counter()
    job = shared_runs().submit(levers)  # a refused lever raises here: one line on the page
    cached = job.done()
    while not job.done():
        if cancel.is_set():
            return None
        progress.value = round(job.progress * 20) / 20  # 5 % steps: few re-renders
        job.wait(POLL_S)  # returns as soon as the runs are done
    res = job.results()
    progress.value = 1.0
    return Outcome(job, res, time.perf_counter() - started, cached)


def default_levers() -> lv.Levers:
    """The levers of a fresh tab (the starting file, the server's run size)."""
    return lv.Levers(
        str(SCENARIOS_DIR / DEFAULT_BASE),
        DEFAULT_YEAR,
        DEFAULT_SAMPLE_PCT / 100.0,
        DEFAULT_REPLICATES,
    )


def warm_up() -> None:
    """At server start (``safetynet serve`` sets ``SAFETYNET_WEB_WARM=1``): load the data,
    compile, draw the map geometry and run the default baseline with its checks, so that the
    first visitor and the first lever find everything ready (the baseline keeps the states its
    reforms resume from)."""
    try:
        web_font_css()
        for la in ("zh", "en"):
            map_svg(la)
        job = shared_runs().submit(default_levers())
        job.checked()
    except Exception as exc:  # the page shows the error when a tab asks for the same run
        print(f"safetynet serve: warm-up failed: {exc}", flush=True)


# --------------------------------------------------------------------------- pieces


def _wan(x: float) -> str:
    return "—" if not math.isfinite(x) else f"{x / WAN:,.1f}"


def _count(x: float) -> str:
    return "—" if not math.isfinite(x) else f"{x:,.0f}"


def lines_table(df: pd.DataFrame, la: str, money: bool, cls: str) -> str:
    """HTML table of result lines (scenario, baseline, change, band)."""
    fmt = _wan if money else _count
    head = "".join(
        f"<th>{html.escape(text(k, la))}</th>" for k in ("line", "scenario", "baseline", "diff")
    )
    head += f"<th>{html.escape(text('band', la))}</th>"
    rows = []
    for r in df.to_dict("records"):
        p10, p90, d = float(r["p10"]), float(r["p90"]), float(r["diff"])
        band = "—" if not math.isfinite(p10) else f"{fmt(p10)} – {fmt(p90)}"
        diff = "—" if not math.isfinite(d) else ("+" if d > 0 else "") + fmt(d)
        line = str(r["line"])
        rows.append(
            f"<tr data-line='{html.escape(line)}'>"
            f"<td>{html.escape(line_label(line, la))}</td>"
            f"<td class='num'>{fmt(float(r['scenario']))}</td>"
            f"<td class='num'>{fmt(float(r['baseline']))}</td>"
            f"<td class='num'>{diff}</td><td class='num'>{band}</td></tr>"
        )
    return f"<table class='lines {cls}'><tr>{head}</tr>{''.join(rows)}</table>"


def checks_table(df: pd.DataFrame, la: str) -> str:
    head = "".join(f"<th>{html.escape(text(k, la))}</th>" for k in ("check", "fail", "na"))
    rows = "".join(
        f"<tr><td>{html.escape(text('check_' + str(r.check), la))}</td>"
        f"<td class='num'>{r.fail} / {r.counties}</td><td class='num'>{r.na}</td></tr>"
        for r in df.itertuples(index=False)
    )
    return f"<table class='lines checks'><tr>{head}</tr>{rows}</table>"


def cpi_table(df: pd.DataFrame, la: str) -> str:
    hit = df[df["triggered_share"] > 0]
    if hit.empty:
        return f"<p class='cpi-none'>{html.escape(text('no_trigger', la))}</p>"
    keys = ("month", "cpi_yoy", "cpi_thr", "food_yoy", "food_thr", "triggered", "trig_counties")
    head = "".join(f"<th>{html.escape(text(k, la))}</th>" for k in keys)
    rows = "".join(
        f"<tr><td>{r.month}</td><td class='num'>{r.cpi:.1f}</td>"
        f"<td class='num'>{r.cpi_threshold:.1f}</td><td class='num'>{r.food_cpi:.1f}</td>"
        f"<td class='num'>{r.food_threshold:.1f}</td>"
        f"<td class='num'>{r.triggered_share:.0%}</td><td class='num'>{r.counties:.0f}</td></tr>"
        for r in hit.itertuples(index=False)
    )
    return f"<table class='lines cpi'><tr>{head}</tr>{rows}</table>"


COUNTY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("code", "code"),
    ("name", "county"),
    ("prefecture_name", "prefecture"),
    ("budget_need", "need"),
    ("budget_need_base", "need_base"),
    ("need_diff", "need_diff"),
    ("need_diff_pct", "need_diff_pct"),
    ("funding_gap", "gap"),
    ("dibao_persons", "dibao"),
    ("checks_failed", "checks_failed"),
)


def county_items(df: pd.DataFrame, la: str) -> list[dict[str, Any]]:
    """Rows of the county table (numbers rounded so that the table sorts them as numbers)."""
    out = []
    for r in df.to_dict("records"):
        item: dict[str, Any] = {
            "code": r["code"],
            "name": r[f"name_{la}"],
            "prefecture_name": r[f"prefecture_{la}"],
        }
        for k in ("budget_need", "budget_need_base", "need_diff", "funding_gap"):
            item[k] = round(float(r[k]) / WAN, 1) if math.isfinite(float(r[k])) else None
        pct = float(r["need_diff_pct"])
        item["need_diff_pct"] = round(pct, 2) if math.isfinite(pct) else None
        item["dibao_persons"] = round(float(r["dibao_persons"]))
        failed = int(r["checks_failed"])
        item["checks_failed"] = failed if failed >= 0 else None  # -1: checks not in yet
        out.append(item)
    return out


def Heading(words: str, level: int = 4) -> None:
    """A heading (plain HTML: the page loads no Markdown or maths scripts)."""
    solara.HTML(tag=f"h{level}", unsafe_innerHTML=html.escape(words))


@solara.component
def Downloads(job: Job, la: str) -> None:
    runs = shared_runs()
    name = job.run.scenario.name

    def report_file(kind: str) -> Callable[[], bytes]:
        return lambda: runs.report_file(job, kind, la).read_bytes()

    with solara.Row(classes=["downloads"]):
        solara.FileDownload(
            job.run.toml.encode("utf-8"),
            filename=f"{name}.toml",
            label=text("dl_toml", la),
            mime_type="application/toml",
        )
        solara.FileDownload(
            report_file("xlsx"),
            filename=f"{name}.xlsx",
            label=text("dl_xlsx", la),
            mime_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        solara.FileDownload(
            report_file("pdf"),
            filename=f"{name}.pdf",
            label=text("dl_pdf", la),
            mime_type="application/pdf",
        )


#: per tab: the job key whose checks are on screen (the county table's "checks failed" column
#: reads it, so only the table and the checks re-render when they arrive)
checks_done = solara.reactive("")


@solara.component
def Results(out: Outcome, la: str) -> None:
    """One result. Its HTML is built once per (result, language) (``use_memo``); the map's
    geometry never changes (``map_svg``), only its colours; the planners' checks come a moment
    later from their own component and thread (:func:`Checks`), the rest is on screen meanwhile."""
    job, res = out.job, out.results

    def tables() -> tuple[str, str, str, str, str]:
        return (
            lines_table(res.programmes, la, True, "programmes"),
            lines_table(res.funding, la, True, "funding"),
            lines_table(res.caseloads, la, False, "caseloads"),
            map_colours(res.counties, "need_diff_pct"),
            cpi_table(res.cpi_months, la),
        )

    programmes, funding, caseloads, colours, cpi = solara.use_memo(
        tables, dependencies=[job.key, job.base.key, la]
    )
    with solara.Card(text("results_for", la, year=res.year)):
        status = text("cached", la) if out.cached else text("done", la)
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                f"<span class='run-status' data-key='{job.key[:16]}' "
                f"data-cached='{int(out.cached)}'>"
                f"{html.escape(status)} · {out.seconds:.2f} {text('seconds', la)} · "
                f"{text('scenario_key', la)} {job.key[:10]}</span>"
            ),
        )
        note = (
            text("band_note", la, n=res.replicates)
            if res.replicates > 1
            else text("one_replicate", la)
        )
        solara.Text(note)
        with solara.Columns([1, 1]):
            with solara.Column():
                Heading(text("programmes", la))
                solara.HTML(unsafe_innerHTML=programmes)
                Heading(text("funding", la))
                solara.HTML(unsafe_innerHTML=funding)
                Heading(text("caseloads", la))
                solara.HTML(unsafe_innerHTML=caseloads)
            with solara.Column():
                Heading(text("map", la))
                solara.HTML(unsafe_innerHTML=map_svg(la), classes=["map-geometry"])
                solara.HTML(unsafe_innerHTML=colours, classes=["map-colours"])
                solara.Text(text("map_note", la))
                Heading(text("checks", la))
                Checks(job, la)
                Heading(text("cpi", la))
                solara.HTML(unsafe_innerHTML=cpi)
        Downloads(job, la)
    CountyTable(job, la)


@solara.component
def Checks(job: Job, la: str) -> None:
    """The planners' checks of a result, computed on this component's own thread (once per
    job, ``Job.checked``); their arrival re-renders only this and the county table."""
    ready = job.checked_now()

    def work(cancel: threading.Event) -> YearResults:
        if ready is not None:
            return ready
        time.sleep(CHECKS_DELAY_S)  # let the result reach the browser first
        return job.checked()

    result = solara.use_thread(work, dependencies=[job.key, job.base.key])
    res = ready
    if res is None and result.state == solara.ResultState.FINISHED:
        res = result.value
    done = res is not None and res.checks is not None

    def mark() -> None:
        if done and checks_done.peek() != job.key:
            checks_done.set(job.key)  # the county table's column follows

    solara.use_effect(mark, [done, job.key])
    if res is not None and res.checks is not None:
        solara.HTML(
            unsafe_innerHTML=(
                f"<span class='checks-done' data-key='{job.key[:16]}'></span>"
                + checks_table(res.checks, la)
            )
        )
    else:
        solara.Text(text("checks_wait", la), classes=["checks-wait"])


@solara.component
def CountyTable(job: Job, la: str) -> None:
    """The county table: all counties of the result (129 rows, paginated and sorted in the
    browser); its rows are built once per result, language, filter and checks."""
    checked = job.checked_now() if checks_done.value == job.key else None
    res = checked if checked is not None else job.results()
    df = res.counties
    labels = solara.use_memo(
        lambda: {
            str(r["prefecture"]): str(r[f"prefecture_{la}"])
            for _, r in df.drop_duplicates("prefecture").iterrows()
        },
        dependencies=[la],
    )
    everything = text("all", la)
    choice = labels.get(county_filter.value, everything)
    pick = county_filter.value

    def rows() -> list[dict[str, Any]]:
        shown = df[df["prefecture"] == pick] if pick else df
        return county_items(shown, la)

    items = solara.use_memo(
        rows, dependencies=[job.key, job.base.key, checked is not None, la, pick]
    )
    headers = solara.use_memo(
        lambda: [{"text": text(k, la), "value": c} for c, k in COUNTY_COLUMNS], dependencies=[la]
    )
    with solara.Card(text("counties", la)):
        solara.Select(
            label=text("filter", la),
            values=[everything, *labels.values()],
            value=choice,
            on_value=lambda v: county_filter.set(
                next((c for c, n in labels.items() if n == v), "")
            ),
            classes=["prefecture-filter"],
        )
        solara.v.DataTable(
            headers=headers,
            items=items,
            items_per_page=20,
            footer_props={"items-per-page-options": [20, 50, 129]},
            sort_by=["need_diff"],
            sort_desc=[True],
            class_="county-table",
            dense=True,
        )


@solara.component
def PrefectureRises(la: str) -> None:
    """Several prefectures, each with its own rural and urban rise (instead of the
    province-wide rise above)."""
    t = refdata.counties()
    names = t.prefecture_name_zh if la == "zh" else t.prefecture_name_en
    label = dict(zip((str(c) for c in t.prefecture_code), (str(n) for n in names), strict=True))
    code_of = {n: c for c, n in label.items()}
    chosen = pref_rises.value

    def pick(values: list[str]) -> None:
        codes = [code_of[v] for v in values if v in code_of]
        pref_rises.set({c: chosen.get(c, (0.0, 0.0)) for c in codes})

    def setter(code: str, side: int) -> Callable[[float | None], None]:
        def set_value(v: float | None) -> None:
            now = dict(pref_rises.value)
            pair = list(now.get(code, (0.0, 0.0)))
            pair[side] = float(v) if v is not None and math.isfinite(v) else 0.0
            now[code] = (pair[0], pair[1])
            pref_rises.set(now)

        return set_value

    solara.Text(text("rise_province", la), style={"font-size": "0.8em"})
    solara.SelectMultiple(
        text("rise_prefectures", la),
        values=[label[c] for c in chosen if c in label],
        all_values=list(code_of),
        on_value=pick,
        classes=["lever-prefectures"],
    )
    for code, (rural, urban) in chosen.items():
        with solara.Row(classes=["pref-rise", f"pref-{code}"]):
            solara.Text(label.get(code, code), style={"min-width": "7em"})
            solara.InputFloat(
                text("pref_rural", la),
                value=rural,
                on_value=setter(code, 0),
                classes=["pref-rural"],
            )
            solara.InputFloat(
                text("pref_urban", la),
                value=urban,
                on_value=setter(code, 1),
                classes=["pref-urban"],
            )


@solara.component
def Levers(la: str) -> None:
    t = refdata.counties()
    names = t.name_zh if la == "zh" else t.name_en
    county_label = {f"{n} {c}": str(c) for n, c in zip(names, t.code, strict=True)}
    code_label = {c: k for k, c in county_label.items()}
    solara.Select(
        label=text("base", la), values=scenario_files(), value=base, classes=["lever-base"]
    )
    solara.InputInt(text("budget_year", la), value=budget_year, classes=["lever-year"])
    solara.InputFloat(text("rural_rise", la), value=rural_rise, classes=["lever-rural"])
    solara.InputFloat(text("urban_rise", la), value=urban_rise, classes=["lever-urban"])
    solara.InputText(
        text("rise_from", la),
        value=rise_from,
        message=f"{budget_year.value}-01",
        classes=["lever-rise-from"],
    )
    PrefectureRises(la)
    solara.InputFloat(text("edge_multiple", la), value=edge_multiple, classes=["lever-edge"])
    solara.InputFloat(text("services_cap", la), value=services_cap, classes=["lever-cap"])
    solara.InputFloat(text("cpi_threshold", la), value=cpi_threshold, classes=["lever-cpi"])
    solara.InputFloat(text("food_threshold", la), value=food_threshold, classes=["lever-food"])
    Heading(text("shock", la))
    solara.SelectMultiple(
        text("shock_counties", la),
        values=[code_label[c] for c in shock_counties.value if c in code_label],
        all_values=list(county_label),
        on_value=lambda vs: shock_counties.set([county_label[v] for v in vs]),
        classes=["lever-shock-counties"],
    )
    solara.InputFloat(text("shock_severity", la), value=shock_severity, classes=["lever-sev"])
    solara.InputInt(text("shock_months", la), value=shock_months, classes=["lever-months"])
    solara.InputText(
        text("shock_from", la),
        value=shock_from,
        message=f"{budget_year.value}-01",
        classes=["lever-shock-from"],
    )
    solara.InputFloat(text("sample", la), value=sample_pct, classes=["lever-sample"])
    solara.InputInt(text("replicates", la), value=replicates, classes=["lever-replicates"])
    solara.Button(text("reset", la), on_click=reset, outlined=True, classes=["lever-reset"])


@solara.component
def Page() -> None:
    la = lang.value
    solara.Style(web_font_css())
    if not math.isfinite(edge_multiple.value):
        reset()  # first render of this tab: the starting file's values
    solara.Title(text("title", la))
    with solara.AppBar():
        solara.Button(
            text("switch", la),
            on_click=lambda: lang.set("en" if la == "zh" else "zh"),
            text=True,
            classes=["lang-switch"],
        )
    with solara.Sidebar():
        Heading(text("levers", la), 3)
        Levers(la)
    ResultsArea(la)


@solara.component
def ResultsArea(la: str) -> None:
    """The right-hand side: reads the levers (so a lever re-renders this, not the lever panel),
    runs them on a per-tab thread and shows the result, the progress or the error."""
    error = ""
    levers: lv.Levers | None = None
    try:
        levers = current_levers()
    except SafetynetError as exc:
        error = str(exc)

    def finished() -> Outcome | None:
        started = time.perf_counter()
        done = shared_runs().finished(levers) if levers is not None else None
        if done is None:
            return None
        return Outcome(done, done.results(), time.perf_counter() - started, True)

    # levers whose job has finished (moved back, or another tab ran them) are shown in the
    # render that reads them, without a thread; looked up once per lever setting
    hit = solara.use_memo(finished, dependencies=[levers])

    def work(cancel: threading.Event) -> Outcome | None:
        return None if levers is None or hit is not None else run_levers(levers, cancel)

    result = solara.use_thread(work, dependencies=[levers], intrusive_cancel=False)
    last = solara.use_ref(None)  # the result on screen stays while the next one runs
    if hit is not None:
        last.current = hit
    elif result.state == solara.ResultState.FINISHED and result.value is not None:
        last.current = result.value
    with solara.Column(classes=["results"]):
        Heading(text("title", la), 2)
        if isinstance(result.error, InputError):  # the loader's line, with the file's own name
            e = result.error
            error = str(InputError(Path(e.file).name, e.key, e.expected, e.got))
        elif result.error is not None:
            error = str(result.error).splitlines()[0] if str(result.error) else repr(result.error)
        if error:
            known = result.error is None or isinstance(result.error, SafetynetError)
            kind = "error" if known else "failed"
            solara.Error(f"{text(kind, la)}: {error}", classes=["run-error"])
        if result.state == solara.ResultState.RUNNING and hit is None:
            Progress(la)
        if last.current is not None and not error:
            Results(last.current, la)


@solara.component
def Progress(la: str) -> None:
    """Progress of the run (its own component: only it re-renders as the run advances)."""
    solara.Text(f"{text('running', la)} … {progress.value:.0%}", classes=["run-progress"])
    solara.ProgressLinear(value=int(progress.value * 100))


if os.environ.get("SAFETYNET_WEB_WARM") == "1":
    threading.Thread(target=warm_up, name="safetynet-warm-up", daemon=True).start()
