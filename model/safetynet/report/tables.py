"""Report tables: pure functions from a run Dataset to pandas tables in raw units.

Money is in yuan, caseloads in persons or households, standards in yuan/person/month; the
views (HTML, PDF) convert to 万元 for display, Excel keeps these raw numbers. Replicates are
averaged (the mean keeps county + county = prefecture); bands give P10/P50/P90 over replicates.

Years: flows (spending, funding, temporary-assistance cases) are summed over the months of each
calendar year in the run; stocks (caseloads, standards) are taken at the year's last month in the
run. Column ``months`` says how many months of the year the run covers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from safetynet.constants import DIBAO_GROUPS as DIBAO_GROUPS
from safetynet.constants import TEKUN_GROUPS as TEKUN_GROUPS
from safetynet.errors import InputError
from safetynet.outputs import GROUPS, PROGRAMMES

LEVELS: tuple[str, ...] = ("province", "prefecture", "county")
#: groups whose monthly count is a flow (cases assisted in the month): summed over the year
FLOW_GROUPS: tuple[str, ...] = ("temporary",)
FUNDING: tuple[str, ...] = ("budget_need", "transfers", "county_budget", "funding_gap")
BAND_METRICS: tuple[str, ...] = ("budget_need", "funding_gap", "dibao_persons", "tekun_persons")
QUANTILES: tuple[float, ...] = (0.1, 0.5, 0.9)
PROVINCE = "province"
ID_COLUMNS: tuple[str, ...] = ("area", "name_zh", "name_en", "year", "months")


# --------------------------------------------------------------------------- selection


def run_record(ds: xr.Dataset, source: str = "<dataset>") -> dict[str, Any]:
    """The run record (JSON in ``ds.attrs['run_record']``) as a dict; {} when absent."""
    text = ds.attrs.get("run_record")
    if text is None or text == "":
        return {}
    try:
        rec = json.loads(text) if isinstance(text, str) else None
    except json.JSONDecodeError as exc:
        raise InputError(source, "attrs.run_record", "a JSON object", str(exc)) from None
    if not isinstance(rec, dict):
        raise InputError(source, "attrs.run_record", "a JSON object", f"got {type(text).__name__}")
    return rec


def select_scenario(ds: xr.Dataset, scenario: str | None = None) -> xr.Dataset:
    """One scenario of a run, without the scenario dim (the last one when ``scenario`` is None)."""
    if "scenario" not in ds.dims:
        return ds
    names = [str(s) for s in ds["scenario"].values]
    if scenario is None:
        scenario = names[-1]
    if scenario not in names:
        raise InputError("<dataset>", "scenario", f"one of {names}", f"got {scenario!r}")
    return ds.sel(scenario=scenario, drop=False)


def align(a: xr.Dataset, b: xr.Dataset) -> tuple[xr.Dataset, xr.Dataset]:
    """Two single-scenario runs restricted to their common counties and months (the runs
    themselves when they already share them: their cached tables stay valid)."""
    ca, cb = a["county"].values, b["county"].values
    ma, mb = a["month"].values, b["month"].values
    if ca.shape == cb.shape and ma.shape == mb.shape and (ca == cb).all() and (ma == mb).all():
        return a, b
    counties = np.intersect1d(a["county"].values, b["county"].values)
    months = np.intersect1d(a["month"].values, b["month"].values)
    if counties.size == 0 or months.size == 0:
        raise InputError(
            "<baseline>",
            "county/month",
            "runs sharing at least one county and one month",
            f"{counties.size} common counties, {months.size} common months",
        )
    return a.sel(county=counties, month=months), b.sel(county=counties, month=months)


def has_bands(ds1: xr.Dataset) -> bool:
    """True when the run has more than one replicate (so P10/P50/P90 mean something)."""
    return "replicate" in ds1.dims and ds1.sizes["replicate"] > 1


# --------------------------------------------------------------------------- time and space


def years_of(ds1: xr.Dataset) -> np.ndarray:
    """Calendar year of each month (int array)."""
    return np.asarray(ds1["month"].dt.year.values, dtype=np.int64)


def months_per_year(ds1: xr.Dataset) -> pd.Series:
    """Months of each calendar year covered by the run."""
    years, counts = np.unique(years_of(ds1), return_counts=True)
    return pd.Series(counts, index=pd.Index(years, name="year"), name="months")


def yearly_sum(da: xr.DataArray) -> xr.DataArray:
    """Sum over the months of each calendar year: dim ``month`` -> ``year``."""
    years = np.asarray(da["month"].dt.year.values, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, years[1:] != years[:-1]])
    axis = da.dims.index("month")
    values = np.add.reduceat(np.asarray(da.values, dtype=np.float64), starts, axis=axis)
    dims = tuple("year" if d == "month" else d for d in da.dims)
    coords = {
        k: v
        for k, v in da.coords.items()
        if "month" not in v.dims and all(d in da.dims for d in v.dims)
    }
    out = xr.DataArray(values, dims=dims, coords=coords, name=da.name)
    return out.assign_coords(year=("year", years[starts]))


def year_end(da: xr.DataArray) -> xr.DataArray:
    """Value at the last month of each calendar year in the run: dim ``month`` -> ``year``."""
    years = np.asarray(da["month"].dt.year.values, dtype=np.int64)
    last = np.flatnonzero(np.r_[years[1:] != years[:-1], True])
    out = da.isel(month=last)
    return out.rename(month="year").assign_coords(year=("year", years[last]))


def _coord(ds1: xr.Dataset, name: str, fallback: np.ndarray) -> np.ndarray:
    if name in ds1.coords:
        return np.asarray(ds1[name].values).astype(str)
    return fallback.astype(str)


def areas(ds1: xr.Dataset, level: str) -> pd.DataFrame:
    """Area codes and zh/en names of a level, in table order (index = area code)."""
    codes = np.asarray(ds1["county"].values).astype(str)
    if level == "county":
        return pd.DataFrame(
            {
                "name_zh": _coord(ds1, "county_name_zh", codes),
                "name_en": _coord(ds1, "county_name_en", codes),
            },
            index=pd.Index(codes, name="area"),
        )
    if level == "prefecture":
        pref = _coord(ds1, "prefecture", np.full(codes.shape, "?"))
        df = pd.DataFrame(
            {
                "area": pref,
                "name_zh": _coord(ds1, "prefecture_name_zh", pref),
                "name_en": _coord(ds1, "prefecture_name_en", pref),
            }
        )
        return df.drop_duplicates("area").set_index("area").sort_index()
    if level == PROVINCE:
        return pd.DataFrame(
            {"name_zh": ["全省"], "name_en": ["Province"]}, index=pd.Index([PROVINCE], name="area")
        )
    raise InputError("<report>", "level", f"one of {LEVELS}", f"got {level!r}")


def by_level(da: xr.DataArray, level: str) -> xr.DataArray:
    """Sum counties into the level's areas: dim ``county`` -> ``area``."""
    if level == "county":
        out = da.rename(county="area")
        return out.assign_coords(area=np.asarray(out["area"].values).astype(str))
    if level == "prefecture":
        if "prefecture" not in da.coords:
            raise InputError("<dataset>", "coords.prefecture", "a prefecture code per county")
        pref = np.asarray(da["prefecture"].values).astype(str)
        codes, inverse = np.unique(pref, return_inverse=True)
        member = np.zeros((codes.size, pref.size))
        member[inverse, np.arange(pref.size)] = 1.0
        axis = da.dims.index("county")
        values = np.moveaxis(
            np.tensordot(member, np.moveaxis(np.asarray(da.values, dtype=np.float64), axis, 0), 1),
            0,
            axis,
        )
        dims = tuple("area" if d == "county" else d for d in da.dims)
        coords = {k: v for k, v in da.coords.items() if k in da.dims and k != "county"}
        return xr.DataArray(values, dims=dims, coords={**coords, "area": codes.astype(str)})
    if level == PROVINCE:
        return da.sum("county").expand_dims(area=[PROVINCE])
    raise InputError("<report>", "level", f"one of {LEVELS}", f"got {level!r}")


def area_year_table(
    columns: Mapping[str, xr.DataArray], ds1: xr.Dataset, level: str
) -> pd.DataFrame:
    """Assemble (area, year) DataArrays into one table with names and months per year.

    Rows follow the level's area order (see :func:`areas`), years ascending within an area.
    """
    names = areas(ds1, level)
    order = [str(a) for a in names.index]
    first = next(iter(columns.values()))
    years = np.asarray(first["year"].values, dtype=np.int64)
    body: dict[str, object] = {}
    for name, da in columns.items():
        da = da.transpose("area", "year")
        have = [str(a) for a in np.asarray(da["area"].values)]
        pos = {a: i for i, a in enumerate(have)}
        idx = [pos[a] for a in order if a in pos]
        if list(np.asarray(da["year"].values, dtype=np.int64)) != list(years):
            da = da.sel(year=years)
        body[name] = np.asarray(da.values)[idx].ravel()
    present = {str(x) for x in np.asarray(first["area"].values)}
    kept = [a for a in order if a in present]
    n_y = len(years)
    per = months_per_year(ds1)
    ids = pd.DataFrame(
        {
            "area": np.repeat(np.asarray(kept, dtype=object), n_y),
            "name_zh": np.repeat(names.loc[kept, "name_zh"].to_numpy(dtype=object), n_y),
            "name_en": np.repeat(names.loc[kept, "name_en"].to_numpy(dtype=object), n_y),
            "year": np.tile(years, len(kept)),
            "months": np.tile(per.reindex(years).to_numpy(dtype=np.int64), len(kept)),
        }
    )
    return pd.concat([ids, pd.DataFrame(body)], axis=1)


def _mean(da: xr.DataArray) -> xr.DataArray:
    return da.mean("replicate") if "replicate" in da.dims else da


# --------------------------------------------------------------------------- tables


_CACHE: dict[int, tuple[Any, dict[tuple[str, ...], pd.DataFrame]]] = {}


def _cached(ds1: xr.Dataset, key: tuple[str, ...]) -> pd.DataFrame | None:
    """A table computed before for the same Dataset object (the report asks for each several
    times: report, comparison, maps); entries go when the Dataset is collected."""
    got = _CACHE.get(id(ds1))
    if got is None or got[0]() is not ds1:
        return None
    df = got[1].get(key)
    return None if df is None else df.copy()


def _store(ds1: xr.Dataset, key: tuple[str, ...], df: pd.DataFrame) -> pd.DataFrame:
    import weakref

    got = _CACHE.get(id(ds1))
    if got is None or got[0]() is not ds1:
        ident = id(ds1)
        ref = weakref.ref(ds1, lambda _r, i=ident: _CACHE.pop(i, None))  # type: ignore[misc]
        got = (ref, {})
        _CACHE[ident] = got
    got[1][key] = df
    return df.copy()


_ARRAYS: dict[int, tuple[Any, dict[tuple[str, ...], Any]]] = {}


def _memo(ds1: xr.Dataset, key: tuple[str, ...], make: Any) -> Any:
    """``make()`` computed once per Dataset object (county-level yearly arrays that the money,
    caseload, band and comparison tables of every level start from); read-only results."""
    import weakref

    got = _ARRAYS.get(id(ds1))
    if got is None or got[0]() is not ds1:
        ident = id(ds1)
        ref = weakref.ref(ds1, lambda _r, i=ident: _ARRAYS.pop(i, None))  # type: ignore[misc]
        got = (ref, {})
        _ARRAYS[ident] = got
    if key not in got[1]:
        got[1][key] = make()
    return got[1][key]


def county_yearly(ds1: xr.Dataset, var: str, how: str = "sum", mean: bool = True) -> xr.DataArray:
    """``var`` per county and year (``how`` "sum" over the months or "end" = last month), the
    replicate mean when ``mean``; computed once per Dataset."""

    def make() -> xr.DataArray:
        da = _mean(ds1[var]) if mean else ds1[var]
        return yearly_sum(da) if how == "sum" else year_end(da)

    out: xr.DataArray = _memo(ds1, ("yearly", var, how, str(mean)), make)
    return out


def _numpy(da: xr.DataArray, dims: Sequence[str]) -> np.ndarray:
    """The values of ``da`` as float64 with axes in the order ``dims`` (numpy's transpose:
    xarray's costs more than the sums here)."""
    return np.transpose(np.asarray(da.values, dtype=np.float64), [da.dims.index(d) for d in dims])


def level_table(ds1: xr.Dataset, level: str, columns: Mapping[str, xr.DataArray]) -> pd.DataFrame:
    """:func:`area_year_table` of :func:`by_level` of each (county, year) array of ``columns``,
    with every column summed into the level's areas as one numpy array (the same sums: a
    prefecture is the product with a membership matrix, the province a sum skipping missing
    values) rather than one xarray operation per column."""
    if level not in ("county", "prefecture", PROVINCE) or (
        level == "prefecture" and "prefecture" not in ds1.coords
    ):
        return area_year_table({k: by_level(v, level) for k, v in columns.items()}, ds1, level)
    first = next(iter(columns.values()))
    years = np.asarray(first["year"].values, dtype=np.int64)
    stack = np.stack(
        [_numpy(da, ("county", "year")) for da in columns.values()]
    )  # column, county, year
    names = areas(ds1, level)
    keys = np.asarray(names.index).astype(str)
    if level == "prefecture":
        pref = np.asarray(ds1["prefecture"].values).astype(str)
        member = (keys[:, None] == pref[None, :]).astype(np.float64)
        stack = np.moveaxis(np.tensordot(member, np.moveaxis(stack, 1, 0), 1), 0, 1)
    elif level == PROVINCE:
        stack = np.nansum(stack, axis=1, keepdims=True)
    n_a, n_y = stack.shape[1], stack.shape[2]
    per = months_per_year(ds1)
    ids = pd.DataFrame(
        {
            "area": np.repeat(keys.astype(object), n_y),
            "name_zh": np.repeat(names["name_zh"].to_numpy(dtype=object), n_y),
            "name_en": np.repeat(names["name_en"].to_numpy(dtype=object), n_y),
            "year": np.tile(years, n_a),
            "months": np.tile(per.reindex(years).to_numpy(dtype=np.int64), n_a),
        }
    )
    body = pd.DataFrame({k: stack[i].ravel() for i, k in enumerate(columns)})
    return pd.concat([ids, body], axis=1)


def money(ds1: xr.Dataset, level: str) -> pd.DataFrame:
    """Spending by programme and the funding lines per area and year (yuan, replicate mean)."""
    hit = _cached(ds1, ("money", level))
    if hit is not None:
        return hit
    spend = county_yearly(ds1, "spending")
    cols: dict[str, xr.DataArray] = {p: spend.sel(programme=p, drop=True) for p in PROGRAMMES}
    for name in FUNDING:
        cols[name] = county_yearly(ds1, name)
    return _store(ds1, ("money", level), level_table(ds1, level, cols))


def caseload_groups(
    da: xr.DataArray, ends: xr.DataArray | None = None, sums: xr.DataArray | None = None
) -> dict[str, xr.DataArray]:
    """Per group: year-end count for stocks, yearly sum for flow groups (temporary)
    (``ends``/``sums``: :func:`year_end` / :func:`yearly_sum` of ``da`` when known)."""
    ends = year_end(da) if ends is None else ends
    sums = yearly_sum(da) if sums is None else sums
    out = {g: (sums if g in FLOW_GROUPS else ends).sel(group=g, drop=True) for g in GROUPS}
    out["dibao_total"] = ends.sel(group=list(DIBAO_GROUPS)).sum("group")
    out["tekun_total"] = ends.sel(group=list(TEKUN_GROUPS)).sum("group")
    return out


def caseloads(ds1: xr.Dataset, level: str, variable: str = "cases_persons") -> pd.DataFrame:
    """Caseload by group per area and year (persons or households, replicate mean).

    Stock groups at the year's last month; ``temporary`` = cases summed over the year (人次/户次).
    """
    hit = _cached(ds1, ("caseloads", level, variable))
    if hit is not None:
        return hit
    groups = _memo(
        ds1,
        ("groups", variable),
        lambda: caseload_groups(
            ds1[variable],
            county_yearly(ds1, variable, "end"),
            county_yearly(ds1, variable, "sum"),
        ),
    )
    return _store(ds1, ("caseloads", level, variable), level_table(ds1, level, groups))


def band_metrics(ds1: xr.Dataset) -> dict[str, xr.DataArray]:
    """Per replicate, county and year: the quantities that get P10/P50/P90 bands."""
    ends = county_yearly(ds1, "cases_persons", "end", mean=False)
    return {
        "budget_need": county_yearly(ds1, "budget_need", mean=False),
        "funding_gap": county_yearly(ds1, "funding_gap", mean=False),
        "dibao_persons": ends.sel(group=list(DIBAO_GROUPS)).sum("group"),
        "tekun_persons": ends.sel(group=list(TEKUN_GROUPS)).sum("group"),
    }


def bands(ds1: xr.Dataset, level: str) -> pd.DataFrame:
    """P10/P50/P90 over replicates of the band metrics per area and year (after summing areas)."""
    cols: dict[str, xr.DataArray] = {}
    for name, da in band_metrics(ds1).items():
        lv = by_level(da, level).transpose("replicate", "area", "year")
        q = np.quantile(np.asarray(lv.values, dtype=np.float64), list(QUANTILES), axis=0)
        for k, qv in enumerate(QUANTILES):
            cols[f"{name}_p{round(qv * 100)}"] = xr.DataArray(
                q[k], dims=("area", "year"), coords={"area": lv["area"], "year": lv["year"]}
            )
    df = area_year_table(cols, ds1, level)
    df.insert(len(ID_COLUMNS), "replicates", int(ds1.sizes.get("replicate", 1)))
    return df


def province_by_year(ds1: xr.Dataset) -> pd.DataFrame:
    """Province summary per year: funding lines and total caseloads (replicate mean)."""
    m = money(ds1, PROVINCE)
    c = caseloads(ds1, PROVINCE)
    out = m[[*ID_COLUMNS, *FUNDING]].copy()
    for col in ("dibao_total", "tekun_total", "edge", "temporary"):
        out[col] = c[col].to_numpy()
    return out


def county_by_year(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """A county × year matrix of one column of a (area, year) table (areas keep their order)."""
    wide = table.pivot(index="area", columns="year", values=column)
    names = table.drop_duplicates("area").set_index("area")[["name_zh", "name_en"]]
    wide = wide.reindex(names.index)
    wide.columns = [str(c) for c in wide.columns]
    return names.join(wide).reset_index()


# --------------------------------------------------------------------------- headline


HEADLINE_METRICS: tuple[tuple[str, str], ...] = (
    ("budget_need_total", "yuan"),
    ("budget_need_per_year", "yuan"),
    ("transfers_total", "yuan"),
    ("county_budget_total", "yuan"),
    ("funding_gap_total", "yuan"),
    ("dibao_persons_end", "persons"),
    ("tekun_persons_end", "persons"),
    ("edge_households_end", "households"),
    ("temporary_cases_total", "household-cases"),
    ("price_trigger_months", "months"),
)


def headline_values(ds1: xr.Dataset) -> dict[str, float]:
    """Headline figures of one run (replicate mean): horizon totals and end-of-horizon stocks."""
    n_months = ds1.sizes["month"]
    total = float(_mean(ds1["budget_need"]).sum())
    persons = _mean(ds1["cases_persons"]).isel(month=-1).sum("county")
    households = _mean(ds1["cases_households"])
    trig = _mean(ds1["price_trigger"]).max("county")
    return {
        "budget_need_total": total,
        "budget_need_per_year": total * 12.0 / n_months,
        "transfers_total": float(_mean(ds1["transfers"]).sum()),
        "county_budget_total": float(_mean(ds1["county_budget"]).sum()),
        "funding_gap_total": float(_mean(ds1["funding_gap"]).sum()),
        "dibao_persons_end": float(persons.sel(group=list(DIBAO_GROUPS)).sum()),
        "tekun_persons_end": float(persons.sel(group=list(TEKUN_GROUPS)).sum()),
        "edge_households_end": float(households.isel(month=-1).sel(group="edge").sum()),
        "temporary_cases_total": float(households.sel(group="temporary").sum()),
        "price_trigger_months": float((trig > 0).sum()),
    }


def headline(ds1: xr.Dataset, base1: xr.Dataset | None = None) -> pd.DataFrame:
    """Headline table: metric, unit, value, and (with a baseline) baseline, change, change_pct.

    With a baseline both runs are first restricted to their common counties and months.
    """
    if base1 is not None:
        ds1, base1 = align(ds1, base1)
    vals = headline_values(ds1)
    df = pd.DataFrame(
        {
            "metric": [m for m, _ in HEADLINE_METRICS],
            "unit": [u for _, u in HEADLINE_METRICS],
            "value": [vals[m] for m, _ in HEADLINE_METRICS],
        }
    )
    if base1 is not None:
        bvals = headline_values(base1)
        df["baseline"] = [bvals[m] for m, _ in HEADLINE_METRICS]
        df["change"] = df["value"] - df["baseline"]
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = np.where(df["baseline"] != 0, df["change"] / df["baseline"] * 100.0, np.nan)
        df["change_pct"] = pct
    return df


# --------------------------------------------------------------------------- parameters


#: decimals kept when showing parameter values (removes float noise such as 523.8000000000001)
VALUE_DECIMALS = 6
DIFF_COLUMNS: tuple[str, ...] = (
    "path",
    "label_zh",
    "label_en",
    "unit",
    "start",
    "where",
    "old",
    "new",
    "status",
    "reference",
)


def format_value(v: object) -> str:
    """A parameter value as text: mappings as ``k=v`` pairs, None as an empty string.

    >>> format_value({"able": 100, "unable": 300.5}), format_value(523.8000000000001)
    ('able=100, unable=300.5', '523.8')
    """
    if v is None:
        return ""
    if isinstance(v, Mapping):
        return ", ".join(f"{k}={format_value(x)}" for k, x in v.items())
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float):
        text = f"{v:.{VALUE_DECIMALS}f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return str(v)


def raw_value(v: object) -> object:
    """A parameter value for a spreadsheet cell: numbers stay numbers, the rest is text."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return round(float(v), VALUE_DECIMALS)
    return format_value(v)


def parameter_diff(record: Mapping[str, Any], source: str = "<dataset>") -> pd.DataFrame:
    """Every parameter that differs from the baseline (run record ``parameter_diff``).

    Columns DIFF_COLUMNS as text, plus ``old_value`` / ``new_value`` (numbers where numeric).
    """
    rows = record.get("parameter_diff") or []
    if not isinstance(rows, Sequence) or isinstance(rows, str):
        raise InputError(source, "run_record.parameter_diff", "a list of objects")
    out = []
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise InputError(source, f"run_record.parameter_diff[{i}]", "an object")
        out.append({c: row.get(c) for c in DIFF_COLUMNS})
    df = pd.DataFrame(out, columns=list(DIFF_COLUMNS))
    raw = {f"{c}_value": df[c].map(raw_value) for c in ("old", "new")}
    for c in ("old", "new"):
        df[c] = df[c].map(format_value)
    df = df.fillna("").astype(str)
    for name, values in raw.items():
        df[name] = values.astype(object)
    return df


# --------------------------------------------------------------------------- calibration


CALIBRATION_COLUMNS: tuple[str, ...] = ("target", "model", "error", "tolerance", "pass")


def calibration_fit(path: Any) -> pd.DataFrame | None:
    """The calibration fit table (target, model, error, tolerance, pass); None if absent."""
    try:
        df = pd.read_csv(path)
    except FileNotFoundError:
        return None
    missing = [c for c in CALIBRATION_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(
            path, "columns", f"columns {list(CALIBRATION_COLUMNS)}", f"missing {missing}"
        )
    return df
