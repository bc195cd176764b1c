"""Everything the report states, in raw numbers (yuan, persons): built once, rendered three ways.

``build(ds, baseline)`` selects the reported scenario (the last one of ``ds``; with several
scenarios in ``ds`` and no ``baseline``, the first one is the baseline), computes every table of
:mod:`safetynet.report.tables` and :mod:`safetynet.report.checks`, and the comparison with the
baseline when there is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from safetynet.report import budget as bd
from safetynet.report import checks as ck
from safetynet.report import tables as tb
from safetynet.report.compare import Comparison, compare_runs

CALIBRATION_FILE = Path(__file__).resolve().parent.parent / "data" / "calibration_fit.csv"


@dataclass(frozen=True)
class ReportData:
    """The report's numbers. Table columns are machine names; units are in tables.py."""

    ds1: xr.Dataset
    base1: xr.Dataset | None
    scenario: str
    record: dict[str, Any]
    baseline_record: dict[str, Any] | None
    first_month: pd.Timestamp
    last_month: pd.Timestamp
    reporting_year: int
    headline: pd.DataFrame
    parameters: pd.DataFrame
    province_year: pd.DataFrame
    money: dict[str, pd.DataFrame]
    caseloads: dict[str, pd.DataFrame]
    households_county: pd.DataFrame
    bands: dict[str, pd.DataFrame] | None
    checks: pd.DataFrame
    checks_summary: pd.DataFrame
    limit_notes: tuple[str, ...]
    calibration: pd.DataFrame | None
    calibration_error: str
    comparison: Comparison | None
    base_money_province: pd.DataFrame | None
    budget: bd.BudgetYear | None = None
    base_money_county: pd.DataFrame | None = None
    base_caseloads_county: pd.DataFrame | None = None
    base_money_prefecture: pd.DataFrame | None = None
    base_caseloads_prefecture: pd.DataFrame | None = None
    #: the fit table against the facts (safetynet.validation.fit_rows), None when it cannot be
    validation: pd.DataFrame | None = None
    validation_error: str = ""


def reporting_year(ds1: xr.Dataset) -> int:
    """The last calendar year that the run covers in full (else the last year)."""
    per = tb.months_per_year(ds1)
    full = per[per == 12]
    return int(full.index[-1] if len(full) else per.index[-1])


def _calibration(path: Path) -> tuple[pd.DataFrame | None, str]:
    try:
        return tb.calibration_fit(path), ""
    except (ValueError, OSError) as exc:  # malformed package data: note it, keep the report
        return None, str(exc)


def _scenarios(
    ds: xr.Dataset, baseline: xr.Dataset | None
) -> tuple[xr.Dataset, xr.Dataset | None, dict[str, Any] | None]:
    ds1 = tb.select_scenario(ds)
    if baseline is not None:
        return ds1, tb.select_scenario(baseline), tb.run_record(baseline, "<baseline>")
    if "scenario" in ds.dims and ds.sizes["scenario"] > 1:
        first = str(ds["scenario"].values[0])
        return ds1, tb.select_scenario(ds, first), None
    return ds1, None, None


def _validation(ds1: xr.Dataset) -> tuple[pd.DataFrame | None, str]:
    from safetynet.report.validation import validation_frame

    try:
        return validation_frame(ds1), ""
    except (KeyError, ValueError, IndexError) as exc:  # a run without the compared outputs
        return None, f"{type(exc).__name__}: {exc}"


def build(
    ds: xr.Dataset,
    baseline: xr.Dataset | None = None,
    calibration_file: Path = CALIBRATION_FILE,
    year: int | None = None,
) -> ReportData:
    """Compute every table of the report for ``ds`` (and its baseline, if any).

    ``year``: the budget year of page 1 and of the county tables (default
    :func:`safetynet.report.budget.default_year`).
    """
    record = tb.run_record(ds)
    ds1, base1, base_record = _scenarios(ds, baseline)
    scen = record.get("scenario") or {}
    name = str(scen.get("name") if isinstance(scen, dict) and scen.get("name") else "")
    if not name:
        name = str(ds1["scenario"].values) if "scenario" in ds1.coords else "run"
    the_year = bd.check_year(ds1, year)
    limits = ck.limits_from_parameters(ck.year_end_dates(ds1), record)
    check_table = ck.checks(ds1, limits, record)
    months = pd.DatetimeIndex(ds1["month"].values)
    calibration, cal_error = _calibration(calibration_file)
    bands = {lv: tb.bands(ds1, lv) for lv in tb.LEVELS} if tb.has_bands(ds1) else None
    comparison = None
    base_money = None
    base_levels: dict[str, pd.DataFrame] = {}
    if base1 is not None:
        comparison = compare_runs(base1, ds1, "baseline", name)
        base_money = tb.money(base1, tb.PROVINCE)
        for lv in ("prefecture", "county"):
            base_levels[f"money_{lv}"] = tb.money(base1, lv)
            base_levels[f"cases_{lv}"] = tb.caseloads(base1, lv)
    val, val_error = _validation(ds1)
    return ReportData(
        ds1=ds1,
        base1=base1,
        scenario=name,
        record=record,
        baseline_record=base_record,
        first_month=months[0],
        last_month=months[-1],
        reporting_year=the_year,
        headline=tb.headline(ds1, base1),
        parameters=tb.parameter_diff(record),
        province_year=tb.province_by_year(ds1),
        money={lv: tb.money(ds1, lv) for lv in tb.LEVELS},
        caseloads={lv: tb.caseloads(ds1, lv) for lv in tb.LEVELS},
        households_county=tb.caseloads(ds1, "county", "cases_households"),
        bands=bands,
        checks=check_table,
        checks_summary=ck.summary(check_table),
        limit_notes=limits.notes,
        calibration=calibration,
        calibration_error=cal_error,
        comparison=comparison,
        base_money_province=base_money,
        budget=bd.budget_year(ds1, base1, the_year),
        base_money_county=base_levels.get("money_county"),
        base_caseloads_county=base_levels.get("cases_county"),
        base_money_prefecture=base_levels.get("money_prefecture"),
        base_caseloads_prefecture=base_levels.get("cases_prefecture"),
        validation=val,
        validation_error=val_error,
    )


def year_rows(table: pd.DataFrame, year: int) -> pd.DataFrame:
    """Rows of an (area, year) table for one year."""
    return table[table["year"] == year].reset_index(drop=True)


def failing_counties(data: ReportData) -> tuple[int, int]:
    """(counties failing at least one check, counties) in the reporting year."""
    rows = year_rows(data.checks, data.reporting_year)
    return int(np.count_nonzero(rows["failed"].to_numpy() > 0)), len(rows)


#: the sign on every number resting on an estimated input (no Latin letter: zh and en alike)
ESTIMATED_MARK = "※"


def estimated_areas(ds1: xr.Dataset) -> frozenset[str]:
    """Area codes whose numbers rest on estimated inputs: counties with
    ``input_estimated_share`` > 0 (their standards or caseloads are estimated, any year or
    replicate), their prefectures and the province (sums including such a county).
    Empty when the run does not record it (the report says so on page 1)."""
    if "input_estimated_share" not in ds1.data_vars:
        return frozenset()
    s = ds1["input_estimated_share"]
    other = [d for d in s.dims if d != "county"]
    flag = (s.fillna(0) > 0).any(other) if other else s.fillna(0) > 0
    codes = np.asarray(ds1["county"].values).astype(str)
    hit = codes[np.asarray(flag.sel(county=codes).values, dtype=bool)]
    if not hit.size:
        return frozenset()
    out = set(hit.tolist())
    if "prefecture" in ds1.coords:
        pref = dict(zip(codes, np.asarray(ds1["prefecture"].values).astype(str), strict=True))
        out |= {pref[c] for c in hit}
    out.add(tb.PROVINCE)
    return frozenset(out)
