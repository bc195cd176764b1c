"""Compare a baseline run with the Yunnan facts of 2019–2020 (start month and first years).

``compare_with_facts(ds)`` returns one row per fact: what was compared, the model value, the
fact, its status (verified or from memory) and the ratio. It does not judge: the facts differ in
trust and in definition (noted per row), and small samples are noisy.
Usage: ``python -m safetynet.validation reports/baseline/results.nc`` prints a Markdown table.
"""

from __future__ import annotations

import csv
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from safetynet import constants, history, refdata
from safetynet.params import ParameterSet

#: why a fact is outside its tolerance, zh and en, by fact key (package data)
REASONS_FILE = Path(__file__).resolve().parent / "data" / "validation_reasons.csv"


@dataclass(frozen=True)
class Comparison:
    """One model-versus-fact row."""

    item: str
    period: str
    model: float
    fact: float
    unit: str
    status: str
    note: str

    @property
    def ratio(self) -> float:
        return self.model / self.fact if self.fact else float("nan")


def _province(ds: xr.DataArray) -> xr.DataArray:
    """Sum over counties, median over replicates, first scenario."""
    return ds.sum("county").median("replicate").isel(scenario=0)


def _months(ds: xr.Dataset, first: str, last: str) -> xr.Dataset:
    return ds.sel(month=slice(np.datetime64(first), np.datetime64(last)))


def compare_with_facts(ds: xr.Dataset) -> list[Comparison]:
    """Model values next to the facts in the package data that the calibration did not use."""
    t = refdata.targets()
    rows: list[Comparison] = []
    persons = _province(ds["cases_persons"])
    households = _province(ds["cases_households"])
    start = ds.month.values[0]

    def fact(key: str) -> tuple[float, str]:
        target = t[key]
        return target.value, target.status

    urban = list(constants.DIBAO_URBAN_GROUPS)
    rural = list(constants.DIBAO_RURAL_GROUPS)
    for item, groups, key, unit in (
        ("Urban dibao persons", urban, "province_urban_dibao_persons_2019_05", "persons"),
        ("Rural dibao persons", rural, "province_rural_dibao_persons_2019_05", "persons"),
    ):
        v, s = fact(key)
        m = float(persons.sel(group=groups).sum("group").sel(month=start))
        rows.append(Comparison(item, "2019-05", m, v, unit, s, "calibration target"))
    v, s = fact("province_urban_dibao_households_2019_05")
    m = float(households.sel(group=urban).sum("group").sel(month=start))
    rows.append(Comparison("Urban dibao households", "2019-05", m, v, "households", s, "target"))

    first_year = _months(ds, "2019-05", "2019-12")
    n = first_year.sizes["month"]
    for item, programme, key in (
        ("Dibao spending per month", "dibao", "province_dibao_spending_2019_01_2019_05"),
        ("Tekun spending per month", list(constants.TEKUN_LINES),
         "province_tekun_spending_2019_01_2019_05"),
        ("Temporary assistance per month", "temporary",
         "province_temporary_assistance_spending_2019_01_2019_05"),
    ):  # fmt: skip
        v, s = fact(key)
        sel = _province(first_year["spending"]).sel(programme=programme)
        total = float(sel.sum()) if sel.ndim else float(sel)
        rows.append(
            Comparison(item, "2019-05..12 vs Jan–May", total / n, v / 5, "yuan/month", s,
                       "fact is Jan–May 2019 ÷ 5")
        )  # fmt: skip

    # Yunnan counted index months; a payment in month m used the index of m - lag (lag 2 in
    # Yunnan 2019-2021, params price_subsidy.index_lag_months): index 2019-05..2020-07 were
    # paid 2019-07..2020-09
    window = _months(ds, "2019-07", "2020-09")
    trig = window["price_trigger"].max("county").median("replicate").isel(scenario=0)
    v, s = fact("province_price_trigger_consecutive_months_2019_05_2020_07")
    rows.append(
        Comparison("Price subsidy trigger months", "index 2019-05..2020-07", float(trig.sum()),
                   v, "months", s, "any county paid (payments 2019-07..2020-09)")
    )  # fmt: skip

    y2020 = _months(ds, "2020-01", "2020-12")
    if y2020.sizes["month"] == 12:
        temp = _province(y2020["cases_persons"]).sel(group="temporary").sum("month")
        v, s = fact("province_temporary_assistance_person_times_2016_2020_total")
        rows.append(
            Comparison("Temporary assistance person-times", "2020 vs 2016–2020 avg",
                       float(temp), v / 5, "person-times/year", s, "fact is a 5-year average")
        )  # fmt: skip
        regular = _province(y2020["cases_persons"]).drop_sel(group=["edge", "temporary"])
        v, s = fact("province_regular_assistance_recipients_avg_per_year_2016_2020_avg")
        rows.append(
            Comparison("Dibao + tekun persons (average)", "2020 vs 2016–2020 avg",
                       float(regular.sum("group").mean("month")), v, "persons", s,
                       "fact may include other regular programmes")
        )  # fmt: skip
        need = float(_province(y2020["budget_need"]).sum("month"))
        v, s = fact("province_social_assistance_spending_2016_2020_total")
        rows.append(
            Comparison("Assistance spending per year", "2020 vs 2016–2020 avg", need, v / 5,
                       "yuan/year", s, "fact covers all social assistance")
        )  # fmt: skip
    return rows


@dataclass(frozen=True)
class FitLine:
    """One row of the fit table of the report: a fact, the model (NaN when the run does not
    cover the fact's dates), the error, the tolerance, the use and, for a miss, the reason."""

    key: str
    item_zh: str
    item_en: str
    period: str
    model: float
    fact: float
    unit: str
    error: float
    tolerance: float
    within: bool | None
    use: str  # calibration / held out / shown
    status: str
    official: bool
    source: str
    covered: bool
    reason_zh: str
    reason_en: str


def reasons(path: Path = REASONS_FILE) -> dict[str, tuple[str, str]]:
    """key -> (reason zh, reason en) of the facts outside their tolerance; key ``*``: the
    reason given for a miss not analysed on its own (a run other than the analysed baseline)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["key"]: (r["reason_zh"], r["reason_en"]) for r in csv.DictReader(fh)}


def _uncovered(done: set[str]) -> list[FitLine]:
    """The Yunnan facts of the package data that the run does not reach (dates outside it)."""
    out: list[FitLine] = []
    for key, f in sorted(refdata.history_facts().items(), key=lambda kv: (kv[1].period, kv[0])):
        if key in done or f.geo != "yunnan" or f.item in ("orphans", "unsupported_children"):
            continue
        label = history.LABELS.get(f.item, f.item)
        out.append(
            FitLine(key, history.LABELS_ZH.get(label, label), label, f.period, math.nan,
                    f.value, f.unit, math.nan, math.nan, None, "not covered", f.status,
                    refdata.is_official_status(f.status), _source(f.url, f.title), False, "", "")
        )  # fmt: skip
    return out


def _source(url: str, title: str) -> str:
    return f"{title} {url}".strip() if title and title not in url else url


def fit_rows(ds: xr.Dataset, params: ParameterSet | None = None) -> list[FitLine]:
    """The fit table of the report: :func:`safetynet.history.fit_table` on the run, each miss
    with its reason (``validation_reasons.csv``), then the facts whose dates the run does not
    cover (no model value; said so)."""
    why = reasons()
    facts = refdata.history_facts()
    out: list[FitLine] = []
    for r in history.fit_table(ds, params):
        f = facts.get(r.key)
        src = _source(f.url, f.title) if f is not None else r.source
        zh, en = why.get(r.key, why["*"]) if r.within is False else ("", "")
        out.append(
            FitLine(r.key, r.item_zh, r.item, r.period, r.model, r.fact, r.unit, r.error,
                    r.tolerance, r.within, r.use, r.status, refdata.is_official_status(r.status),
                    src, True, zh, en)
        )  # fmt: skip
    done = {r.key for r in out}
    # facts that only feed the combined rows count as reached when the run covers their month
    months = set(np.asarray(ds["month"].values).astype("datetime64[M]").astype(str).tolist())
    for key, f in facts.items():
        if f.period[:7] in months and f.period[-7:] in months:
            done.add(key)
    return out + _uncovered(done)


def to_markdown(rows: list[Comparison]) -> str:
    """A Markdown table of the comparisons."""
    out = [
        "| item | period | model | fact | model/fact | unit | fact status | note |",
        "|---|---|---:|---:|---:|---|---|---|",
    ]
    for r in rows:
        out.append(
            f"| {r.item} | {r.period} | {r.model:,.0f} | {r.fact:,.0f} | {r.ratio:.2f} | "
            f"{r.unit} | {r.status} | {r.note} |"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    """Print the comparison for a results file."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python -m safetynet.validation RESULTS.nc")
    with xr.open_dataset(Path(args[0])) as ds:
        print(to_markdown(compare_with_facts(ds.load())))


if __name__ == "__main__":
    main()
