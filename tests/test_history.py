"""The 2019 replay: the price subsidy paid in the prefectures and months Yunnan named; the fit
table, the rise-share fit and the other covered groups (issue 16)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from safetynet import history, refdata
from safetynet.cpi_path import activation_calendar
from safetynet.simulation import simulate

ROOT = Path(__file__).resolve().parents[1]

# the prefectures named in Yunnan's reports for the index months 2019-05, -06, -07
NAMED = {
    "2019-05": {"530100", "530300", "530500", "530600", "530800", "530900", "532500"},
    "2019-06": {"530100", "530300", "530400", "530500", "530600", "530700", "530800", "530900",
                "532300", "532500", "532600", "532800"},
}  # fmt: skip
NAMED["2019-07"] = NAMED["2019-06"] | {"532900", "533300"}


@pytest.fixture(scope="module")
def run() -> xr.Dataset:
    # all counties, a 0.2% sample, one replicate, 2019-05..2019-10 (payments of the 2019-05..07
    # index months fall in 2019-07..09)
    return simulate(ROOT / "scenarios" / "baseline.toml", sample_fraction=0.002, replicates=1,
                    months=6)  # fmt: skip


def test_history_facts_carry_address_title_and_date() -> None:
    facts = refdata.history_facts()
    assert len(facts) >= 40
    for f in facts.values():
        assert f.url.startswith("http") and f.title and f.published, f.key
        assert f.status in refdata.STATUSES
    # derived values recomputed by hand: 2,478,369 / 1,278,292 and 48.20 M / 2.91 M
    assert facts["province_rural_dibao_persons_per_household_2020_01"].value == pytest.approx(
        1.9388, abs=1e-4
    )
    assert facts["province_price_subsidy_per_recipient_2019_07"].value == pytest.approx(16.56)


def test_activation_calendar_names_the_reported_prefectures() -> None:
    months = np.arange("2019-01", "2021-01", dtype="datetime64[M]")
    cal = activation_calendar(months)
    assert len(cal) == 16
    for m, named in NAMED.items():
        i = int(np.flatnonzero(months == np.datetime64(m))[0])
        assert {c for c, v in cal.items() if v[i] == 1.0} == named, m
    paid = np.array([sum(v[i] for v in cal.values()) > 0 for i in range(len(months))])
    # first activation May 2019; 15 index months 2019-05..2020-07; nothing after
    assert paid.sum() == 15 and paid[4] and paid[18] and not paid[3] and not paid[19]
    outside = activation_calendar(np.arange("2025-01", "2025-03", dtype="datetime64[M]"))
    assert all(np.isnan(v).all() for v in outside.values())


def test_2019_price_subsidy_paid_where_and_when_yunnan_reports(run: xr.Dataset) -> None:
    rows = {(r.key): r for r in history.fit_table(run)}
    for m, named in NAMED.items():
        key = f"province_price_subsidy_prefectures_{m.replace('-', '_')}"
        assert rows[key].model == len(named) == rows[key].fact
        pay = np.datetime64(m) + np.timedelta64(2, "M")  # lag 2 (Yunnan 2019 deadlines)
        assert set(history._triggered_prefectures(run, pay.astype("datetime64[ns]"))) == named
    # nothing paid before July 2019 (the May index is the first, paid two months later)
    assert float(run["price_trigger"].sel(month=slice("2019-05", "2019-06")).sum()) == 0.0


def test_fit_table_rows_and_rise_share(run: xr.Dataset) -> None:
    rows = history.fit_table(run)
    uses = {r.use for r in rows}
    assert {"calibration", "held out"} <= uses
    per = {r.key: r for r in rows if r.item == "Price subsidy per recipient"}
    # 0.2% sample: the recipients' mix of areas is noisy; the fitted share holds within 10%
    for r in per.values():
        assert abs(r.error) < 0.10, (r.key, r.error)
    share, rms = history.fit_rise_share(run)
    assert 0.35 < share < 0.5 and rms < 0.1
    md = history.to_markdown(rows)
    assert md.count("\n") == len(rows) + 1
    zh = history.to_markdown(rows, lang="zh")
    assert zh.count("\n") == len(rows) + 1
    assert not any(ch.isascii() and ch.isalpha() for r in rows for ch in r.item_zh), "English left"


def test_other_groups_priced_from_counts() -> None:
    ct = refdata.counties()
    months = np.array(["2020-04-01", "2020-08-01"], dtype="datetime64[ns]")
    shape = (1, 1, ct.code.shape[0], 2)
    ds = xr.Dataset(
        {
            "price_subsidy_rate_urban": (("scenario", "replicate", "county", "month"),
                                         np.full(shape, 20.0)),
            "price_trigger": (("scenario", "replicate", "county", "month"), np.ones(shape)),
        },
        coords={"county": ct.code, "month": months},
    )  # fmt: skip
    got = history.other_groups_subsidy(ds).sum("county").values[0, 0]
    # unemployment-insurance recipients and 优抚对象 are covered under the 2016 list in both
    # months: 650,000 and 3,680,000 person-times (2019-05..2020-07) / 14.4998 paying months
    facts = refdata.history_facts()
    adults = (
        facts["province_unemployment_insurance_recipients_2019_2020"].value
        + facts["province_entitled_veterans_2019_2020"].value
    )
    assert adults == pytest.approx(44828 + 253797)
    # April 2020: orphans and de facto unsupported children also covered (doubling months),
    # 20 yuan each: 20 x (10,374 + 9,898 + adults); August 2020: the 2016 list only
    assert got[0] == pytest.approx(20.0 * (10374 + 9898 + adults))
    assert got[1] == pytest.approx(20.0 * adults)


def test_path_table_is_the_run_month_by_month(run: xr.Dataset) -> None:
    table = history.path_table(run)
    assert [r["month"] for r in table] == [str(m)[:7] for m in run.month.values]
    first = run.isel(month=0, scenario=0).median("replicate")
    urban = float(first["cases_persons"].sel(group=history.URBAN).sum())
    assert table[0]["urban_dibao_persons"] == pytest.approx(urban)
    assert all(r["monitored_households"] >= r["tuopin_at_risk_households"] - 1e-6 for r in table)


def test_orphans_subsidy_is_count_times_standard() -> None:
    ct = refdata.counties()
    months = np.array(["2021-01-01", "2023-01-01"], dtype="datetime64[ns]")
    ds = xr.Dataset(
        coords={"scenario": ["s"], "replicate": [0], "county": ct.code, "month": months}
    )
    got = history.orphans_subsidy(ds).sum("county").values[0, 0]
    # 10,374 orphans + 9,898 de facto unsupported children (2020-01) at 1,280 yuan (2020-12
    # standard) and 1,290 yuan (from 2022-07)
    assert got[0] == pytest.approx((10374 + 9898) * 1280.0)
    assert got[1] == pytest.approx((10374 + 9898) * 1290.0)


def test_other_group_counts_use_the_paying_population() -> None:
    """The estimated counts of 优抚对象 and unemployment-insurance recipients: Yunnan's
    2019-05..2020-07 person-times / (sum over the 15 index months of the share of the census
    population living in the prefectures that paid, from the activation calendar). By hand:
    the 7 / 12 / 14 prefectures of 2019-05..07 hold 65.4% / 88.2% / 96.4% of the population,
    all 16 the other 12 months: 14.4998."""
    ct = refdata.counties()
    months = np.arange("2019-05", "2020-08", dtype="datetime64[M]")
    cal = activation_calendar(months)
    pop: dict[str, float] = {}
    for pref, people in zip(ct.prefecture_code, ct.pop_total, strict=True):
        pop[str(pref)] = pop.get(str(pref), 0.0) + float(people)
    total = sum(pop.values())
    paying = sum(pop[p] * float(np.nansum(v)) for p, v in cal.items()) / total
    assert paying == pytest.approx(14.4998, abs=1e-4)
    facts = refdata.history_facts()
    times_key = "province_price_linked_person_times_{}_2019_05_2020_07"
    pairs = (
        ("province_entitled_veterans_2019_2020", times_key.format("veterans")),
        ("province_unemployment_insurance_recipients_2019_2020", times_key.format("unemployed")),
    )
    for count, times in pairs:
        assert facts[count].value == pytest.approx(facts[times].value / paying, abs=1.0)
        assert facts[count].status == refdata.INFERRED


def test_no_covered_group_with_a_count_is_priced_at_zero() -> None:
    """Every group ``price_subsidy.covered_groups`` names (at any date) is priced: by the
    household step (dibao, tekun, edge) or by ``other_groups_subsidy``; every group with a
    count gets count x rate in a month it is covered (and only then), so a count that fails to
    reach the subsidy (a missing fact key, a group left out) fails here. Groups without a
    count are said so (status from memory, priced at 0)."""
    from safetynet.params import load_parameters
    from safetynet.rules import price_subsidy

    ps = load_parameters()
    dates = [e.start for e in ps["price_subsidy.covered_groups"].entries]
    named = {g for d in dates for g in ps.at(d).price_subsidy.covered_groups}
    groups = {g.name: g for g in history.other_groups()}
    assert named == set(history.HOUSEHOLD_GROUPS) | set(groups)
    counted = [g for g in groups.values() if g.persons > 0]
    assert {g.name for g in counted} >= {"orphans", "unsupported_children",
                                         "unemployment_insurance", "entitled_veterans"}  # fmt: skip
    for g in groups.values():
        if g.persons <= 0:
            assert g.status == refdata.MEMORY and "priced at 0" in g.note, g.name
    ct = refdata.counties()
    stamps = np.array([np.datetime64(d, "ns") for d in dates])
    shape = (1, 1, ct.code.shape[0], len(stamps))
    ds = xr.Dataset(
        {
            "price_subsidy_rate_urban": (("scenario", "replicate", "county", "month"),
                                         np.full(shape, 10.0)),
            "price_trigger": (("scenario", "replicate", "county", "month"), np.ones(shape)),
        },
        coords={"county": ct.code, "month": stamps},
    )  # fmt: skip
    got = history.other_groups_subsidy(ds, ps).sum("county").values[0, 0]
    for i, d in enumerate(dates):
        p = ps.at(d).price_subsidy
        want = sum(10.0 * g.persons for g in counted if price_subsidy.group_flag(p, g.name))
        assert got[i] == pytest.approx(want), d
        assert any(price_subsidy.group_flag(p, g.name) for g in counted), d
    assert (got > 0).all()
