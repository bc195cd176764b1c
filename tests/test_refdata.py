"""Tests for the package reference data and its accessors (safetynet.refdata)."""

from __future__ import annotations

import csv
import hashlib
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from safetynet import refdata

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data"
SCRIPT = REPO / "scripts" / "build_refdata.py"


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def ct() -> refdata.CountyTable:
    return refdata.counties()


@pytest.fixture(scope="module")
def tg() -> dict[str, refdata.Target]:
    return refdata.targets()


# --------------------------------------------------------------------------- counties


def test_counts(ct: refdata.CountyTable) -> None:
    assert len(ct) == 129
    assert len(ct.prefectures) == 16
    assert list(ct.code) == sorted(ct.code)
    assert ct.code.dtype.kind == "U" and all(len(c) == 6 and c.isdigit() for c in ct.code)
    assert ct.pop_total.dtype == np.int64 and ct.avg_household_size.dtype == np.float64
    assert np.array_equal(ct.prefectures[ct.prefecture_index], ct.prefecture_code)


def test_prefecture_county_counts(ct: refdata.CountyTable) -> None:
    rows = _csv(refdata.DATA_DIR / "prefectures.csv")
    expected = {r["prefecture_code"]: int(r["n_counties"]) for r in rows}
    got = dict(zip(*np.unique(ct.prefecture_code, return_counts=True), strict=True))
    assert {str(k): int(v) for k, v in got.items()} == expected
    if SHARED.is_dir():  # against the original source too
        src = {
            r["prefecture_code"]: int(r["n_counties"])
            for r in _csv(SHARED / "yunnan_prefectures.csv")
        }
        assert expected == src


@pytest.mark.parametrize(
    "column",
    [
        "pop_total",
        "pop_urban",
        "pop_rural",
        "family_households",
        "family_household_pop",
        "one_person_households",
        "households_with_65plus",
    ],
)
def test_county_sums_equal_province(
    ct: refdata.CountyTable, tg: dict[str, refdata.Target], column: str
) -> None:
    total = tg[f"province_census2020_{column}"].value
    assert float(np.sum(getattr(ct, column))) == total


def test_prefecture_totals_equal_county_sums(ct: refdata.CountyTable) -> None:
    rows = {r["prefecture_code"]: r for r in _csv(refdata.DATA_DIR / "prefectures.csv")}
    for i, p in enumerate(ct.prefectures):
        mask = ct.prefecture_index == i
        assert int(ct.pop_total[mask].sum()) == int(rows[str(p)]["pop_total"])
        assert int(ct.family_households[mask].sum()) == int(rows[str(p)]["family_households"])


def test_census_facts(ct: refdata.CountyTable, tg: dict[str, refdata.Target]) -> None:
    # POLICY.md: 47.2 M people, 15.1 M family households
    assert round(ct.pop_total.sum() / 1e6, 1) == 47.2
    assert round(ct.family_households.sum() / 1e6, 1) == 15.1
    assert np.all(ct.pop_urban + ct.pop_rural == ct.pop_total)
    shares = ct.share_age_0_14 + ct.share_age_15_64 + ct.share_age_65_plus
    assert np.allclose(shares, 1.0, atol=2e-4)
    assert np.all((ct.farm_occupation_share >= 0) & (ct.farm_occupation_share <= 1))


def test_lufeng_alias(ct: refdata.CountyTable) -> None:
    cur, old = ct.index_of(["532302", "532331"])
    assert cur == old
    assert ct.name_zh[cur] == "禄丰市"
    assert ct.code_census2020[cur] == "532331"
    assert ct.index_of(["530102", "532331"]).dtype == np.int64


def test_unknown_code(ct: refdata.CountyTable) -> None:
    with pytest.raises(refdata.UnknownCountyError, match="999999"):
        ct.index_of(["530102", "999999"])
    with pytest.raises(KeyError):
        ct.index_of(["12345"])


def test_arrays_read_only(ct: refdata.CountyTable) -> None:
    with pytest.raises(ValueError):
        ct.pop_total[0] = 0


def test_counties_cached_per_dir(tmp_path: Path) -> None:
    assert refdata.counties() is refdata.counties(refdata.DATA_DIR)
    for name in ("counties.csv", "counties_sources.csv"):
        (tmp_path / name).write_bytes((refdata.DATA_DIR / name).read_bytes())
    other = refdata.counties(tmp_path)
    assert other is not refdata.counties() and len(other) == 129


# --------------------------------------------------------------------------- statuses


def test_every_value_has_status() -> None:
    man = json.loads((refdata.DATA_DIR / "manifest.json").read_text(encoding="utf-8"))
    allowed = set(refdata.STATUSES)
    for name in man["outputs"]:
        rows = _csv(refdata.DATA_DIR / name)
        assert rows, name
        if name.endswith("_sources.csv"):
            table = _csv(refdata.DATA_DIR / name.replace("_sources", ""))
            assert {r["column"] for r in rows} == set(table[0]), name
            assert all(r["status"] in allowed and r["source"] for r in rows), name
            continue
        if name in ("counties.csv", "prefectures.csv"):
            assert (refdata.DATA_DIR / name.replace(".csv", "_sources.csv")).exists()
            continue
        scols = [c for c in rows[0] if c == "status" or c.endswith("_status")]
        assert scols, f"{name} has no status column"
        for sc in scols:
            vcol = sc.removesuffix("_status")
            vcol = vcol if vcol in rows[0] else "value"
            for r in rows:
                if r[vcol] != "":
                    assert r[sc] in allowed, (name, sc, r)
                    assert r.get(sc.removesuffix("status") + "source", r.get("source")), (name, r)
                else:
                    assert r[sc] in allowed or r[sc] == "", (name, sc, r)


def test_is_official_flags(tg: dict[str, refdata.Target]) -> None:
    assert refdata.is_official_status("verified (source text seen)")
    assert refdata.is_official_status("verified-derived")
    assert not refdata.is_official_status("from memory, unverified")
    assert tg["province_urban_dibao_persons_2019_05"].is_official
    assert not tg["national_urban_dibao_persons_2019_12"].is_official
    ct = refdata.counties()
    assert ct.is_official("pop_total") and not ct.is_official("name_en")


# --------------------------------------------------------------------------- CPI


def test_cpi_monthly_without_gaps() -> None:
    series = refdata.cpi()
    assert {"cpi_yoy_pct", "food_cpi_yoy_pct", "cpi_urban_yoy_pct", "cpi_rural_yoy_pct"} <= set(
        series
    )
    head = series["cpi_yoy_pct"]
    assert head.months.dtype == np.dtype("datetime64[M]")
    assert head.months[0] == np.datetime64("2008-01")
    expected = np.arange(head.months[0], head.months[-1] + 1)
    assert np.array_equal(head.months, expected)
    assert not np.isnan(head.values).any()
    assert head.is_official().all()
    assert head.at("2008-01") == pytest.approx(7.08)


def test_food_cpi_statuses() -> None:
    food = refdata.cpi()["food_cpi_yoy_pct"]
    present = ~np.isnan(food.values)
    assert set(food.status[present]) >= {"verified (source text seen)", "from memory, unverified"}
    assert set(food.status[~present]) == {""}
    months = food.months[present]
    assert months[0] == np.datetime64("2016-01") and months[-1] == np.datetime64("2024-12")
    assert food.is_official().sum() == 28  # verified or derived from a verified release
    assert food.at("2019-06") == pytest.approx(8.3)
    assert math.isnan(food.at("2010-01"))
    with pytest.raises(KeyError):
        food.at("1990-01")


def test_regional_cpi() -> None:
    reg = refdata.regional_cpi()
    s = reg[("yunnan_province", "food_cpi_yoy_pct")]
    assert [str(m) for m in s.months] == ["2019-05", "2019-06", "2019-07"]
    assert s.at("2019-07") == pytest.approx(9.5)
    assert s.is_official().all()


# --------------------------------------------------------------------------- targets

POLICY = {
    "province_urban_dibao_persons_2019_05": (431_509, 0.5),
    "province_urban_dibao_households_2019_05": (286_523, 0.5),
    "province_rural_dibao_persons_2019_05": (2_495_857, 0.5),
    "province_dibao_spending_2019_01_2019_05": (3.49e9, 0.005e9),
    "province_urban_dibao_spending_2019_01_2019_05": (0.85e9, 0.005e9),
    "province_rural_dibao_spending_2019_01_2019_05": (2.64e9, 0.005e9),
    "province_tekun_spending_2019_01_2019_05": (0.43e9, 0.005e9),
    "province_temporary_assistance_spending_2019_01_2019_05": (0.14e9, 0.005e9),
    "province_urban_dibao_benefit_per_person_month_2019_01_2019_05": (391.4, 0.05),
    "province_rural_dibao_benefit_per_person_month_2019_01_2019_05": (210.8, 0.05),
}


@pytest.mark.parametrize(("key", "expected"), sorted(POLICY.items()))
def test_policy_calibration_facts(
    tg: dict[str, refdata.Target], key: str, expected: tuple[float, float]
) -> None:
    value, tol = expected
    t = tg[key]
    assert abs(t.value - value) <= tol, (key, t.value)
    assert t.status and t.source


def test_target_units(tg: dict[str, refdata.Target]) -> None:
    assert tg["province_dibao_spending_2019_01_2019_05"].unit == "yuan"
    assert tg["province_dibao_spending_2019_01_2019_05"].period == "2019-01..2019-05"
    assert tg["province_urban_dibao_persons_2019_05"].unit == "persons"
    assert all(t.key == k for k, t in tg.items())


def test_data_version_matches_manifest() -> None:
    v = refdata.data_version()
    assert len(v) == 12 and int(v, 16) >= 0
    man = refdata.manifest()
    outputs = man["outputs"]
    assert isinstance(outputs, dict)
    for name, digest in outputs.items():
        assert hashlib.sha256((refdata.DATA_DIR / name).read_bytes()).hexdigest() == digest


# --------------------------------------------------------------------------- build


def _run_build(src: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--source", str(src), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_rebuild_is_byte_identical(tmp_path: Path) -> None:
    if not SHARED.is_dir():
        pytest.skip("../shared/data is absent")
    res = _run_build(SHARED, tmp_path)
    assert res.returncode == 0, res.stderr
    man = json.loads((refdata.DATA_DIR / "manifest.json").read_text(encoding="utf-8"))
    names = [*man["outputs"], "manifest.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    for name in names:
        assert (tmp_path / name).read_bytes() == (refdata.DATA_DIR / name).read_bytes(), name


def test_build_error_names_file_and_column(tmp_path: Path) -> None:
    if not SHARED.is_dir():
        pytest.skip("../shared/data is absent")
    src = tmp_path / "src"
    src.mkdir()
    for p in SHARED.glob("*.csv"):
        (src / p.name).write_bytes(p.read_bytes())
    census = src / "yunnan_census2020_county.csv"
    text = census.read_text(encoding="utf-8").replace("pop_rural,", "pop_rurl,", 1)
    census.write_text(text, encoding="utf-8")
    res = _run_build(src, tmp_path / "out")
    assert res.returncode == 1
    assert "yunnan_census2020_county.csv" in res.stderr and "pop_rural" in res.stderr
    assert not (tmp_path / "out").exists()
