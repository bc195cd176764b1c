"""Report charts (matplotlib, no pyplot state): each function returns one A4-sized Figure.

Figures carry no overall title: the HTML heading and the PDF page give it (with the caption).

Figures use the CJK font from :mod:`safetynet.report.fonts`; build them inside
``matplotlib.rc_context(fonts.rc_params())`` (``figures()`` does) so that labels in Chinese render
in PNG and PDF. Money is shown in 万元 (10k yuan), caseloads in 万 (10k).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from safetynet.constants import (
    DIBAO_RURAL_GROUPS,
    DIBAO_URBAN_GROUPS,
    GRADUAL_EXIT_GROUP,
    GROUPS,
    TEKUN_GROUPS,
)
from safetynet.outputs import PROGRAMMES
from safetynet.report.formatting import WAN
from safetynet.report.i18n import t
from safetynet.report.tables import has_bands

A4_LANDSCAPE = (11.69, 8.27)
A4_PORTRAIT = (8.27, 11.69)
COLOURS = [matplotlib.colormaps["tab10"](i) for i in range(10)]
PROGRAMME_COLOURS = [matplotlib.colormaps["tab20"](i * 2 % 20) for i in range(10)]
LINES: dict[str, tuple[str, ...]] = {
    "line_dibao_urban": DIBAO_URBAN_GROUPS,
    "line_dibao_rural": (*DIBAO_RURAL_GROUPS, GROUPS[GRADUAL_EXIT_GROUP]),
    "line_tekun": TEKUN_GROUPS,
    "line_edge": ("edge",),
}
PASS_COLOUR, FAIL_COLOUR, CAP_COLOUR = "#4477aa", "#cc3311", "#cc3311"


def text_width(text: str, size_pt: float) -> float:
    """Width in inches of ``text`` at ``size_pt`` (CJK characters one em, others about half):
    for margins fixed before drawing."""
    em = sum(1.0 if ord(ch) > 0x2E80 else 0.6 for ch in text)
    return em * size_pt / 72.0


def figure(
    size: tuple[float, float],
    left: float = 0.85,
    right: float = 0.25,
    bottom: float = 0.6,
    top: float = 0.3,
    wspace: float = 0.2,
    hspace: float = 0.3,
) -> Figure:
    """A figure whose subplots keep fixed margins (inches): no layout engine, which would
    measure every label before drawing (about half of the drawing time)."""
    w, h = size
    fig = Figure(figsize=size)
    fig.subplots_adjust(
        left=left / w,
        right=1.0 - right / w,
        bottom=bottom / h,
        top=1.0 - top / h,
        wspace=wspace,
        hspace=hspace,
    )
    return fig


def bars(
    ax: Axes,
    at: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    width: float,
    colours: object,
    horizontal: bool = False,
    label: str | None = None,
) -> PolyCollection:
    """Bars from ``start`` to ``end`` centred on ``at`` as ONE collection (``ax.bar`` makes a
    patch per bar and updates the limits for each: most of a ranked chart's time); like
    ``ax.bar``, the axis sticks to the bars' base (no margin below 0)."""
    a = np.asarray(at, dtype=np.float64)
    lo, hi = np.asarray(start, dtype=np.float64), np.asarray(end, dtype=np.float64)
    h = width / 2.0
    corners = np.stack([np.stack([lo, a - h], 1), np.stack([hi, a - h], 1),
                        np.stack([hi, a + h], 1), np.stack([lo, a + h], 1)], 1)  # fmt: skip
    if not horizontal:
        corners = corners[..., ::-1]
    coll = PolyCollection(
        list(corners), facecolors=colours, edgecolors="none", linewidths=0, label=label
    )
    edges = coll.sticky_edges.x if horizontal else coll.sticky_edges.y
    edges.extend(np.unique(lo[np.isfinite(lo)]).tolist()[:1] if lo.size else [])
    ax.add_collection(coll)
    ax.autoscale_view()
    return coll


def _months(ds1: xr.Dataset) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(ds1["month"].values)


TICK_STEPS_MONTHS = (1, 2, 3, 4, 6, 12, 24, 36, 60)


def _month_axis(ax: Axes, months: pd.DatetimeIndex, max_ticks: int = 8) -> None:
    """Month ticks (YYYY-MM, or years for long runs), at most about ``max_ticks``."""
    need = max(len(months) / max_ticks, 1.0)
    step = next((s for s in TICK_STEPS_MONTHS if s >= need), TICK_STEPS_MONTHS[-1])
    locator: mdates.DateLocator
    if step >= 12:
        locator = mdates.YearLocator(base=step // 12)  # type: ignore[no-untyped-call]
        formatter = mdates.DateFormatter("%Y")  # type: ignore[no-untyped-call]
    else:
        locator = mdates.MonthLocator(bymonth=range(1, 13, step))  # type: ignore[no-untyped-call]
        formatter = mdates.DateFormatter("%Y-%m")  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(formatter)


def _quantiles(da: xr.DataArray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P10, P50, P90 over replicates of a (replicate, month) array (all equal if one replicate)."""
    if "replicate" not in da.dims:
        v = da.values
        return v, v, v
    q = np.quantile(da.transpose("replicate", ...).values, [0.1, 0.5, 0.9], axis=0)
    return q[0], q[1], q[2]


def _province_persons(ds1: xr.Dataset, groups: Sequence[str]) -> xr.DataArray:
    return ds1["cases_persons"].sel(group=list(groups)).sum(("group", "county"))


def _area_name(ds1: xr.Dataset, lang: str, level: str = "county") -> np.ndarray:
    coord = f"{level}_name_{lang}"
    if coord in ds1.coords:
        return np.asarray(ds1[coord].values).astype(str)
    return np.asarray(ds1["county"].values).astype(str)


def caseload_trajectories(ds1: xr.Dataset, base1: xr.Dataset | None, lang: str) -> Figure:
    """Province persons per month for the main caseloads, P10–P90 shading, baseline dashed."""
    fig = figure(A4_LANDSCAPE, top=0.4, hspace=0.18, wspace=0.18)
    axes = fig.subplots(2, 2, sharex=True).ravel()
    months = _months(ds1)
    for ax, (key, groups), colour in zip(axes, LINES.items(), COLOURS, strict=False):
        lo, mid, hi = _quantiles(_province_persons(ds1, groups) / WAN)
        ax.plot(months, mid, color=colour, lw=2, label=t("value", lang))
        if has_bands(ds1):
            ax.fill_between(months, lo, hi, color=colour, alpha=0.25, lw=0)
        if base1 is not None:
            _, bmid, _ = _quantiles(_province_persons(base1, groups) / WAN)
            ax.plot(_months(base1), bmid, color="0.3", lw=1.2, ls="--", label=t("baseline", lang))
        ax.set_title(t(key, lang))
        ax.set_ylabel(t("axis_persons", lang))
        ax.grid(alpha=0.3)
        _month_axis(ax, months, max_ticks=6)
        ax.set_ylim(bottom=0)
    axes[0].legend(loc="lower left")
    return fig


def _year_labels(years: Sequence[int], months: Sequence[int], lang: str) -> list[str]:
    return [
        f"{y}" + ("" if n == 12 else t("partial_year", lang, n=n))
        for y, n in zip(years, months, strict=True)
    ]


def budget_by_programme(
    money_province: pd.DataFrame, base_money: pd.DataFrame | None, lang: str
) -> Figure:
    """Stacked bars of province spending by programme per year (万元); dots = baseline total."""
    labels = [t(p, lang) for p in PROGRAMMES] + [t("baseline_total", lang)]
    legend = max(text_width(x, 10.0) for x in labels)
    fig = figure(A4_LANDSCAPE, left=1.0, right=legend + 0.75)
    ax = fig.subplots()
    x = np.arange(len(money_province))
    bottom = np.zeros(len(x))
    for i, p in enumerate(PROGRAMMES):
        v = money_province[p].to_numpy(dtype=float) / WAN
        bars(ax, x, bottom, bottom + v, 0.7, [PROGRAMME_COLOURS[i]], label=t(p, lang))
        bottom += v
    if base_money is not None:
        b = base_money.set_index("year")["budget_need"].reindex(money_province["year"]) / WAN
        ax.plot(x, b.to_numpy(), "o", color="black", label=t("baseline_total", lang), ms=7)
    ax.set_xticks(
        x, _year_labels(list(money_province["year"]), list(money_province["months"]), lang)
    )
    ax.set_ylabel(t("axis_money", lang))
    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def _spans(ax: Axes, months: pd.DatetimeIndex, share: np.ndarray) -> None:
    """Grey bars over months with a trigger; darker where more counties triggered."""
    for m, s in zip(months, share, strict=True):
        if s > 0:
            end = m + pd.offsets.MonthBegin(1)
            x0, x1 = mdates.date2num([m, end])  # type: ignore[no-untyped-call]  # untyped upstream
            ax.axvspan(x0, x1, color="0.5", alpha=0.15 + 0.35 * s, lw=0)


def cpi_triggers(ds1: xr.Dataset, lang: str) -> Figure:
    """CPI and food CPI (YoY %) against the thresholds, trigger months shaded."""
    fig = figure(A4_LANDSCAPE, left=0.7)
    ax = fig.subplots()
    months = _months(ds1)
    needed = ("cpi_yoy_pct", "food_cpi_yoy_pct", "cpi_threshold_pct", "food_cpi_threshold_pct")
    if not all(v in ds1 for v in needed):
        ax.text(0.5, 0.5, t("no_cpi", lang), ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
    else:
        share = ds1["price_trigger"].mean([d for d in ds1["price_trigger"].dims if d != "month"])
        _spans(ax, months, np.asarray(share.values, dtype=float))
        for var, thr, colour in (
            ("cpi_yoy_pct", "cpi_threshold_pct", COLOURS[0]),
            ("food_cpi_yoy_pct", "food_cpi_threshold_pct", COLOURS[3]),
        ):
            name = "cpi" if var == "cpi_yoy_pct" else "food_cpi"
            lo, mid, hi = _quantiles(ds1[var])
            ax.plot(months, mid, color=colour, lw=2, label=t(name, lang))
            if has_bands(ds1):
                ax.fill_between(months, lo, hi, color=colour, alpha=0.2, lw=0)
            ax.step(
                months,
                np.asarray(ds1[thr].values, dtype=float),
                where="post",
                color=colour,
                ls="--",
                lw=1.2,
                label=t(f"{name}_threshold", lang),
            )
        ax.axhline(0, color="0.4", lw=0.8)
        ax.set_ylabel(t("axis_pct", lang))
        ax.grid(alpha=0.3)
        _month_axis(ax, months)
        handles, labels = ax.get_legend_handles_labels()
        handles.append(Patch(color="0.5", alpha=0.4))
        labels.append(t("trigger_months", lang))
        ax.legend(handles, labels, loc="upper left")
    return fig


def _area_labels(ax: Axes, y: np.ndarray, names: np.ndarray, font: float) -> None:
    """The area names left of the bars, placed where y tick labels go, as plain texts: a
    tick per area (its label, lines and grid line) is most of a ranked chart's drawing time."""
    ax.set_yticks([])
    size = matplotlib.rcParams["ytick.major.size"] + matplotlib.rcParams["ytick.major.pad"]
    transform, va, ha = ax.get_yaxis_text1_transform(size)
    for at, name in zip(y.tolist(), names.tolist(), strict=True):
        ax.text(0, at, str(name), transform=transform, va=va, ha=ha, fontsize=font)


def _ranked_bars(
    names: np.ndarray,
    values: np.ndarray,
    colours: Sequence[str],
    xlabel: str,
    ref: float | None = None,
    ref_label: str = "",
) -> Figure:
    """Horizontal bars, largest at the top, split over two panels when there are many areas."""
    order = np.argsort(-values, kind="stable")
    names, values = names[order], values[order]
    cols = [colours[i] for i in order]
    n = len(values)
    panels = 2 if n > 40 else 1
    per = int(np.ceil(n / panels))
    font = float(np.clip(520.0 / max(per, 1), 4.5, 10.0))
    label = max((text_width(str(x), font) for x in names), default=0.5) + 0.15
    width = A4_PORTRAIT[0]
    right = 0.2
    axis = (width - 0.1 - right - panels * label) / panels  # each panel's bars (inches)
    fig = figure(A4_PORTRAIT, left=label + 0.1, right=right, bottom=0.55, top=0.1)
    fig.subplots_adjust(wspace=label / axis)
    axes = np.atleast_1d(fig.subplots(1, panels, sharex=True))
    for k, ax in enumerate(axes):
        sl = slice(k * per, min((k + 1) * per, n))
        y = np.arange(sl.stop - sl.start)
        bars(ax, y, np.zeros(len(y)), values[sl], 0.75, cols[sl], horizontal=True)
        _area_labels(ax, y, names[sl], font)
        ax.set_ylim(len(y) - 0.5 if panels == 1 else per - 0.5, -0.5)
        ax.tick_params(axis="x", labelsize=8)
        ax.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        ax.axvline(0, color="0.3", lw=0.8)
        if ref is not None and np.isfinite(ref):
            ax.axvline(ref, color=CAP_COLOUR, lw=1.5, ls="--", label=ref_label)
        ax.grid(axis="x", alpha=0.3)
        ax.set_xlabel(xlabel, fontsize=9)
    if ref is not None and np.isfinite(ref):
        axes[0].legend(loc="lower right", fontsize=8)
    return fig


def services_vs_cap(checks_year: pd.DataFrame, lang: str) -> Figure:
    """Per county: purchased services as % of assistance spending, with the cap (one year)."""
    share = checks_year["services_share"].to_numpy(dtype=float) * 100.0
    cap = checks_year["services_cap_share"].to_numpy(dtype=float) * 100.0
    status = checks_year["services_status"].to_numpy()
    colours = [FAIL_COLOUR if s == "fail" else PASS_COLOUR for s in status]
    names = checks_year[f"name_{lang}"].to_numpy().astype(str)
    ref = float(np.nanmax(cap)) if np.isfinite(cap).any() else None
    return _ranked_bars(names, share, colours, t("axis_share", lang), ref, t("cap", lang))


def funding_gap_ranked(money_county_year: pd.DataFrame, lang: str) -> Figure:
    """Per county: funding gap of one year in 万元, ranked, shortfalls in red."""
    gap = money_county_year["funding_gap"].to_numpy(dtype=float) / WAN
    colours = [FAIL_COLOUR if g > 0 else PASS_COLOUR for g in gap]
    names = money_county_year[f"name_{lang}"].to_numpy().astype(str)
    return _ranked_bars(names, gap, colours, t("axis_money", lang))


def targeting(ds1: xr.Dataset, lang: str) -> Figure:
    """Province households per month: eligible, eligible covered, covered though ineligible."""
    fig = figure(A4_LANDSCAPE, left=0.8)
    ax = fig.subplots()
    months = _months(ds1)
    for var, colour in (
        ("eligible_households", COLOURS[0]),
        ("eligible_covered_households", COLOURS[2]),
        ("ineligible_covered_households", COLOURS[3]),
    ):
        lo, mid, hi = _quantiles(ds1[var].sum("county") / WAN)
        label = str(ds1[var].attrs.get("long_name_zh" if lang == "zh" else "long_name", var))
        ax.plot(months, mid, color=colour, lw=2, label=label)
        if has_bands(ds1):
            ax.fill_between(months, lo, hi, color=colour, alpha=0.2, lw=0)
    ax.set_ylabel(t("axis_households", lang))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    _month_axis(ax, months)
    ax.legend(loc="lower left")
    return fig
