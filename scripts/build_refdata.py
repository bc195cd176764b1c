#!/usr/bin/env python3
"""Build the safetynet package data (model/safetynet/data) from the shared source CSVs.

Usage: python scripts/build_refdata.py [--source DIR] [--out DIR]

The output is deterministic: sorted rows, fixed float formatting, no timestamps. Every value
keeps its source and status (SOURCES.md vocabulary). Files are written atomically.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import math
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

BUILD_SCRIPT_VERSION = "1.0.0"
REPO = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO.parent / "shared" / "data"
DEFAULT_OUT = REPO / "model" / "safetynet" / "data"
#: facts gathered for the 2019-2024 replay (issue 16); kept in the repository, not in the shared
#: data directory, each row with its address, title and publication date
FACTS_DIR = REPO / "scripts" / "sources"
FACT_INPUTS = {
    "history": "history_facts.csv",
    "activation": "price_subsidy_activation.csv",
}

# Canonical statuses (SOURCES.md vocabulary). Anything more specific goes to `status_note`.
VERIFIED = "verified (source text seen)"
DERIVED = "verified-derived"
LOCAL_EXAMPLE = "local example (non-Yunnan), verified"
MEMORY = "from memory, unverified"
MACHINE = "machine-generated, unverified"  # extension: machine-made English names / pinyin
INFERRED = "estimated (inferred, reasoning in note)"  # extension: a stated inference, not a fact
STATUSES = (VERIFIED, DERIVED, LOCAL_EXAMPLE, MEMORY, MACHINE, INFERRED)

INPUTS = {
    "counties": "yunnan_counties.csv",
    "prefectures": "yunnan_prefectures.csv",
    "census": "yunnan_census2020_county.csv",
    "pref_census": "yunnan_prefecture_census_2010_2020.csv",
    "cpi_full": "cpi_national_headline_full_history.csv",
    "cpi_monthly": "cpi_national_monthly_2016_2024.csv",
    "cpi_points": "yunnan_cpi_points.csv",
    "caseloads": "caseloads.csv",
    "stats": "yunnan_civil_affairs_stats_2019_2020.csv",
    "derived": "yunnan_civil_affairs_derived_metrics.csv",
    "income": "income_consumption.csv",
    "standards": "dibao_tekun_standards.csv",
    "literature": "dibao_targeting_literature.csv",
}


class BuildError(RuntimeError):
    """An input file is missing or malformed, or a consistency check failed."""


# --------------------------------------------------------------------------- reading


def read_input(src: Path, key: str, required: Sequence[str]) -> pd.DataFrame:
    """Read one input CSV as strings; fail naming the file and any missing column."""
    path = src / INPUTS[key]
    if not path.is_file():
        raise BuildError(f"input file missing: {path}")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:  # pandas raises several parser error types
        raise BuildError(f"{path.name}: cannot parse CSV ({exc})") from exc
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise BuildError(f"{path.name}: missing column(s) {', '.join(missing)}")
    return df


def to_num(df: pd.DataFrame, col: str, fname: str, *, allow_empty: bool = False) -> pd.Series:
    """Parse a column as float; fail naming file, column and the first bad cell."""
    out = []
    for i, raw in enumerate(df[col].tolist()):
        s = str(raw).strip().replace(",", "")
        if s == "":
            if not allow_empty:
                raise BuildError(f"{fname}: column {col!r} row {i + 2}: empty value")
            out.append(math.nan)
            continue
        try:
            out.append(float(s))
        except ValueError:
            raise BuildError(
                f"{fname}: column {col!r} row {i + 2}: not a number: {raw!r}"
            ) from None
    return pd.Series(out, index=df.index, dtype="float64")


def to_int(df: pd.DataFrame, col: str, fname: str) -> pd.Series:
    """Parse a column as integer counts (e.g. '5886076.0' is accepted)."""
    vals = to_num(df, col, fname)
    bad = vals[(vals % 1) != 0]
    if len(bad):
        raise BuildError(f"{fname}: column {col!r}: non-integer count {bad.iloc[0]!r}")
    return vals.astype("int64")


def split_status(raw: str, where: str) -> tuple[str, str]:
    """Map an input status to (canonical status, note with the remaining detail)."""
    s = raw.strip()
    low = s.lower()
    if low.startswith("from memory"):
        rest = s[len("from memory, unverified") :].strip(" ()") if "unverified" in low else ""
        return MEMORY, rest
    if low.startswith("verified-derived"):
        return DERIVED, s[len("verified-derived") :].strip(" ()")
    if low.startswith("local example"):
        return LOCAL_EXAMPLE, ""
    if low.startswith("title verified only"):
        return VERIFIED, "title only; abstract not captured"
    if low.startswith("verified"):
        note = s[len("verified") :].strip()
        note = note.replace("(source text seen)", "").strip()
        note = re.sub(r"^\((.*)\)$", r"\1", note).strip(" ;")
        return VERIFIED, note
    raise BuildError(f"{where}: unknown status {raw!r}")


def resolve_same(sources: Iterable[str]) -> list[str]:
    """Replace 'same' / 'same (...)' / 'same as above' with the previous row's source."""
    out: list[str] = []
    prev = ""
    for s in sources:
        st = s.strip()
        if st.lower().startswith("same"):
            tail = st[4:].strip()
            if tail.lower().startswith("as above"):
                tail = tail[len("as above") :].strip()
            st = prev + (f" {tail}" if tail else "")
        else:
            prev = st
        out.append(st)
    return out


# --------------------------------------------------------------------------- writing


def fmt(v: Any) -> str:
    """Fixed, locale-free formatting: ints as ints, floats with up to 12 significant digits."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return format(v, ".12g")
    if hasattr(v, "item"):  # numpy scalar
        return fmt(v.item())
    return str(v)


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(columns)
    for r in rows:
        if len(r) != len(columns):
            raise BuildError(f"internal: row has {len(r)} cells, expected {len(columns)}")
        w.writerow([fmt(x) for x in r])
    return buf.getvalue().encode("utf-8")


def frame_bytes(df: pd.DataFrame) -> bytes:
    return csv_bytes(list(df.columns), df.itertuples(index=False, name=None))


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- counties

CENSUS_INT = [
    "pop_total",
    "pop_urban",
    "pop_rural",
    "pop_male",
    "pop_female",
    "family_households",
    "family_household_pop",
    "one_person_households",
]
CENSUS_INT_OPTIONAL = [
    "one_generation_households",
    "two_generation_households",
    "three_generation_households",
    "four_plus_generation_households",
    "households_with_65plus",
    "households_with_one_65plus",
    "households_with_two_65plus",
    "households_with_three_plus_65plus",
    "illiterate_15plus",
    "family_households_longform",
    "housing_selfbuilt_longform",
    "housing_rented_longform",
    "employed_longform_total",
    "occ_agriculture_longform",
]
# census column -> (output column, divisor) for shares stored as fractions
CENSUS_PCT = {
    "share_age_0_14_pct": "share_age_0_14",
    "share_age_15_64_pct": "share_age_15_64",
    "share_age_65plus_pct": "share_age_65_plus",
    "minority_share_pct": "minority_share",
    "illiteracy_rate_15plus_pct": "illiteracy_rate_15plus",
}
CENSUS_FLOAT = {
    "urban_share": "urban_share",
    "avg_family_household_size": "avg_household_size",
    "avg_years_schooling": "avg_years_schooling",
    "housing_floor_area_per_capita_m2": "housing_floor_area_per_capita_m2",
}
SUMMABLE = CENSUS_INT + CENSUS_INT_OPTIONAL
ID_COLS = (
    "code",
    "name_zh",
    "county_type",
    "county_type_zh",
    "prefecture_code",
    "prefecture_name_zh",
)


def load_census(src: Path) -> pd.DataFrame:
    fname = INPUTS["census"]
    req = [
        "level",
        "code_census2020",
        "code_current",
        "name_zh",
        "name_current_zh",
        "prefecture_name_zh",
        "source",
        *CENSUS_INT,
        *CENSUS_PCT,
        *CENSUS_FLOAT,
    ]
    df = read_input(src, "census", req)
    for c in CENSUS_INT:
        df[c] = to_int(df, c, fname)
    for c in CENSUS_INT_OPTIONAL:
        if c in df.columns:
            v = to_num(df, c, fname, allow_empty=True)
            if ((v.dropna() % 1) != 0).any():
                raise BuildError(f"{fname}: column {c!r}: non-integer count")
            df[c] = v
        else:
            df[c] = math.nan
    for c in [*CENSUS_PCT, *CENSUS_FLOAT]:
        df[c] = to_num(df, c, fname)
    for c in ("code_census2020", "code_current"):
        bad = df[~df[c].str.fullmatch(r"\d{6}")]
        if len(bad):
            raise BuildError(f"{fname}: column {c!r}: not a 6-digit code: {bad[c].iloc[0]!r}")
    levels = set(df["level"])
    if not {"province", "prefecture", "county"} <= levels:
        raise BuildError(f"{fname}: column 'level' must contain province, prefecture and county")
    if (df["level"] == "province").sum() != 1:
        raise BuildError(f"{fname}: column 'level': expected exactly one province row")
    return df


def check_sums(children: pd.DataFrame, parent: pd.Series, what: str) -> list[str]:
    errs = []
    for c in SUMMABLE:
        if pd.isna(parent[c]):
            continue
        got = children[c].sum(min_count=1)
        if pd.isna(got) or abs(float(got) - float(parent[c])) > 0.5:
            errs.append(f"{what}: {c}: sum of counties {got} != {parent[c]}")
    return errs


def build_counties(src: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.Series]:
    """Return (counties, counties_sources, census prefecture rows, census province row)."""
    cfile = INPUTS["counties"]
    kc = [
        "county_code",
        "county_name_zh",
        "county_name_en",
        "county_pinyin",
        "county_type_zh",
        "county_type",
        "prefecture_code",
        "prefecture_name_zh",
        "prefecture_name_en",
        "source",
    ]
    k = read_input(src, "counties", kc)
    bad = k[~k["county_code"].str.fullmatch(r"\d{6}")]
    if len(bad):
        raise BuildError(f"{cfile}: column 'county_code': bad code {bad['county_code'].iloc[0]!r}")
    if k["county_code"].duplicated().any():
        dup = k.loc[k["county_code"].duplicated(), "county_code"].iloc[0]
        raise BuildError(f"{cfile}: column 'county_code': duplicate {dup}")

    census = load_census(src)
    ccty = census[census["level"] == "county"].set_index("code_current")
    if ccty.index.duplicated().any():
        raise BuildError(f"{INPUTS['census']}: column 'code_current': duplicate county code")
    missing = sorted(set(k["county_code"]) - set(ccty.index))
    extra = sorted(set(ccty.index) - set(k["county_code"]))
    if missing or extra:
        raise BuildError(
            f"{cfile} vs {INPUTS['census']}: county codes without census row {missing}; "
            f"census county rows not in county list {extra}"
        )
    m = k.set_index("county_code").join(ccty, suffixes=("", "_census"))
    mismatch = m[m["county_name_zh"] != m["name_current_zh"]]
    if len(mismatch):
        raise BuildError(
            f"{cfile} vs {INPUTS['census']}: county name mismatch for "
            f"{mismatch.index[0]}: {mismatch['county_name_zh'].iloc[0]} != "
            f"{mismatch['name_current_zh'].iloc[0]}"
        )

    prov = census[census["level"] == "province"].iloc[0]
    errs = check_sums(ccty, prov, "province")
    cpref = census[census["level"] == "prefecture"].set_index("code_current")
    by_pref = ccty.assign(_p=m.loc[ccty.index, "prefecture_code"]).groupby("_p")
    for pcode, grp in by_pref:
        if pcode not in cpref.index:
            errs.append(f"prefecture {pcode}: no census prefecture row")
            continue
        errs += check_sums(grp, cpref.loc[pcode], f"prefecture {pcode}")
    if errs:
        raise BuildError(f"{INPUTS['census']}: county sums do not match:\n  " + "\n  ".join(errs))

    out = pd.DataFrame(
        {
            "code": m.index,
            "code_census2020": m["code_census2020"].to_numpy(),
            "name_zh": m["county_name_zh"].to_numpy(),
            "name_census2020_zh": m["name_zh"].to_numpy(),
            "name_en": m["county_name_en"].to_numpy(),
            "pinyin": m["county_pinyin"].to_numpy(),
            "county_type": m["county_type"].to_numpy(),
            "county_type_zh": m["county_type_zh"].to_numpy(),
            "prefecture_code": m["prefecture_code"].to_numpy(),
            "prefecture_name_zh": m["prefecture_name_zh"].to_numpy(),
            "prefecture_name_en": m["prefecture_name_en"].to_numpy(),
        }
    )
    for c in CENSUS_INT:
        out[c] = m[c].to_numpy()
    for c, o in CENSUS_FLOAT.items():
        out[o] = m[c].to_numpy()
    for c, o in CENSUS_PCT.items():
        out[o] = (m[c] / 100.0).round(6).to_numpy()
    for c in CENSUS_INT_OPTIONAL:
        out[c] = m[c].to_numpy()
    emp = m["employed_longform_total"].astype("float64")
    agr = m["occ_agriculture_longform"].astype("float64")
    out["farm_occupation_share"] = (agr / emp.where(emp > 0)).round(6).to_numpy()
    out = out.sort_values("code", kind="stable").reset_index(drop=True)

    id_src = k["source"].iloc[0]
    census_src = str(prov["source"])
    note_en = k["en_name_note"].iloc[0] if "en_name_note" in k.columns else ""
    rows: list[tuple[str, str, str, str]] = []
    for c in out.columns:
        if c in ("name_en", "pinyin", "prefecture_name_en"):
            rows.append((c, MACHINE, note_en, f"{cfile}: {id_src}"))
        elif c in ID_COLS:
            rows.append((c, VERIFIED, "", f"{cfile}: {id_src}"))
        elif c in ("code_census2020", "name_census2020_zh"):
            rows.append((c, VERIFIED, "", f"{INPUTS['census']}: {census_src}"))
        elif c == "farm_occupation_share":
            rows.append(
                (
                    c,
                    DERIVED,
                    "occ_agriculture_longform / employed_longform_total (10% long-form sample)",
                    f"{INPUTS['census']}: {census_src}",
                )
            )
        elif c in CENSUS_PCT.values():
            rows.append(
                (c, DERIVED, "census percentage / 100", f"{INPUTS['census']}: {census_src}")
            )
        else:
            note = "10% long-form sample count" if c.endswith("_longform") else ""
            rows.append((c, VERIFIED, note, f"{INPUTS['census']}: {census_src}"))
    srcs = pd.DataFrame(rows, columns=["column", "status", "status_note", "source"])
    return out, srcs, cpref, prov


def build_prefectures(
    src: Path, counties: pd.DataFrame, cpref: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    pfile = INPUTS["prefectures"]
    req = ["prefecture_code", "prefecture_name_zh", "prefecture_name_en", "prefecture_type"]
    p = read_input(src, "prefectures", [*req, "n_counties", "source"])
    p["n_counties"] = to_int(p, "n_counties", pfile)
    counts = counties.groupby("prefecture_code").size()
    errs = []
    for _, r in p.iterrows():
        got = int(counts.get(r["prefecture_code"], 0))
        if got != int(r["n_counties"]):
            errs.append(f"{r['prefecture_code']}: n_counties {r['n_counties']} but {got} counties")
    unknown = sorted(set(counts.index) - set(p["prefecture_code"]))
    if unknown:
        errs.append(f"counties in unknown prefectures {unknown}")
    if errs:
        raise BuildError(f"{pfile}: column 'n_counties' mismatch: " + "; ".join(errs))

    pc_file = INPUTS["pref_census"]
    pc = read_input(src, "pref_census", ["city_code", "popu_2010", "age_15_59_2020", "age_60_2020"])
    pc = pc.set_index("city_code")
    out = p[
        [
            "prefecture_code",
            "prefecture_name_zh",
            "prefecture_name_en",
            "prefecture_type",
            "n_counties",
        ]
    ].copy()
    out = out.sort_values("prefecture_code").reset_index(drop=True)
    cp = cpref.reindex(out["prefecture_code"])
    if cp["pop_total"].isna().any():
        raise BuildError(f"{INPUTS['census']}: prefecture row missing for some prefecture code")
    for c in CENSUS_INT:
        out[c] = cp[c].astype("int64").to_numpy()
    out["avg_household_size"] = cp["avg_family_household_size"].to_numpy()
    for c, o in CENSUS_PCT.items():
        out[o] = (cp[c] / 100.0).round(6).to_numpy()
    for c in CENSUS_INT_OPTIONAL:
        out[c] = cp[c].to_numpy()
    pcx = pc.reindex(out["prefecture_code"])
    out["pop_total_2010"] = to_num(pcx, "popu_2010", pc_file, allow_empty=True).to_numpy()
    out["share_age_15_59"] = (
        (to_num(pcx, "age_15_59_2020", pc_file, allow_empty=True) / 100).round(6).to_numpy()
    )
    out["share_age_60_plus"] = (
        (to_num(pcx, "age_60_2020", pc_file, allow_empty=True) / 100).round(6).to_numpy()
    )

    pc_src = pc["source"].iloc[0] if "source" in pc.columns else ""
    census_src = cpref["source"].iloc[0]
    rows = []
    for c in out.columns:
        if c == "prefecture_name_en":
            rows.append((c, MACHINE, "", f"{pfile}"))
        elif c in ("prefecture_code", "prefecture_name_zh", "prefecture_type", "n_counties"):
            rows.append((c, VERIFIED, "", f"{pfile}: {p['source'].iloc[0]}"))
        elif c in ("pop_total_2010", "share_age_15_59", "share_age_60_plus"):
            note = "census percentage / 100" if c.startswith("share") else ""
            st = DERIVED if note else VERIFIED
            rows.append((c, st, note, f"{pc_file}: {pc_src}"))
        elif c in CENSUS_PCT.values():
            rows.append(
                (c, DERIVED, "census percentage / 100", f"{INPUTS['census']}: {census_src}")
            )
        else:
            rows.append((c, VERIFIED, "", f"{INPUTS['census']}: {census_src}"))
    srcs = pd.DataFrame(rows, columns=["column", "status", "status_note", "source"])
    return out, srcs


# --------------------------------------------------------------------------- CPI


def month_range(first: str, last: str) -> list[str]:
    y, m = map(int, first.split("-"))
    ly, lm = map(int, last.split("-"))
    out = []
    while (y, m) <= (ly, lm):
        out.append(f"{y:04d}-{m:02d}")
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out


def build_cpi(src: Path) -> pd.DataFrame:
    ffile, mfile = INPUTS["cpi_full"], INPUTS["cpi_monthly"]
    heads = ["cpi_yoy_pct", "cpi_urban_yoy_pct", "cpi_rural_yoy_pct"]
    full = read_input(src, "cpi_full", ["month", *heads, "source"])
    mon = read_input(
        src,
        "cpi_monthly",
        [
            "month",
            *heads,
            "food_cpi_yoy_pct_verified",
            "food_cpi_verified_source",
            "food_cpi_yoy_pct_from_memory_unverified",
        ],
    )
    for df, fname in ((full, ffile), (mon, mfile)):
        bad = df[~df["month"].str.fullmatch(r"\d{4}-\d{2}")]
        if len(bad):
            raise BuildError(f"{fname}: column 'month': bad month {bad['month'].iloc[0]!r}")
        if df["month"].duplicated().any():
            raise BuildError(f"{fname}: column 'month': duplicate month")
    full = full.sort_values("month").reset_index(drop=True)
    months = month_range(full["month"].iloc[0], full["month"].iloc[-1])
    if list(full["month"]) != months:
        gaps = sorted(set(months) - set(full["month"]))
        raise BuildError(f"{ffile}: column 'month': gaps in monthly series {gaps[:5]}")
    out = pd.DataFrame({"month": months})
    for h in heads:
        out[h] = to_num(full, h, ffile).to_numpy()
        out[f"{h}_status"] = VERIFIED
        out[f"{h}_source"] = [f"{ffile}: {s}" for s in full["source"]]
    # cross-check the overlap with the 2016-2024 file
    mon_idx = mon.set_index("month")
    for h in heads:
        mv = to_num(mon, h, mfile)
        mv.index = mon["month"]
        fv = out.set_index("month")[h].reindex(mv.index)
        diff = (mv - fv).abs()
        if (diff > 0.051).any():
            bad_m = diff[diff > 0.051].index[0]
            raise BuildError(f"{mfile} vs {ffile}: column {h!r} disagrees at {bad_m}")
    ver = to_num(mon, "food_cpi_yoy_pct_verified", mfile, allow_empty=True)
    mem = to_num(mon, "food_cpi_yoy_pct_from_memory_unverified", mfile, allow_empty=True)
    food_v, food_st, food_note, food_src = [], [], [], []
    by_month = {}
    for i, mth in enumerate(mon["month"]):
        vsrc = str(mon_idx.loc[mth, "food_cpi_verified_source"]).strip()
        if not math.isnan(ver.iloc[i]):
            derived = vsrc.lower().startswith("derived")
            st = DERIVED if derived else VERIFIED
            note = "previous month's release +/- stated change" if derived else ""
            by_month[mth] = (float(ver.iloc[i]), st, note, f"{mfile}: {vsrc}")
        elif not math.isnan(mem.iloc[i]):
            by_month[mth] = (float(mem.iloc[i]), MEMORY, "", f"{mfile}: recollection")
    for mth in months:
        v, st, note, s = by_month.get(mth, (math.nan, "", "", ""))
        food_v.append(v)
        food_st.append(st)
        food_note.append(note)
        food_src.append(s)
    extra = sorted(set(by_month) - set(months))
    if extra:
        raise BuildError(f"{mfile}: column 'month': months outside {ffile} range: {extra[:3]}")
    out["food_cpi_yoy_pct"] = food_v
    out["food_cpi_yoy_pct_status"] = food_st
    out["food_cpi_yoy_pct_status_note"] = food_note
    out["food_cpi_yoy_pct_source"] = food_src
    return out


def build_cpi_regional(src: Path) -> pd.DataFrame:
    fname = INPUTS["cpi_points"]
    df = read_input(src, "cpi_points", ["month", "geo", "item", "value", "source", "status"])
    df = df[df["month"].str.fullmatch(r"\d{4}-\d{2}")].copy()  # drop range/note rows
    df["value"] = to_num(df, "value", fname)
    rows = []
    for _, r in df.iterrows():
        st, note = split_status(r["status"], fname)
        rows.append((r["geo"], r["item"], r["month"], r["value"], st, note, r["source"]))
    out = pd.DataFrame(
        rows, columns=["geo", "item", "month", "value", "status", "status_note", "source"]
    )
    if out.duplicated(["geo", "item", "month"]).any():
        raise BuildError(f"{fname}: duplicate (geo, item, month)")
    return out.sort_values(["geo", "item", "month"]).reset_index(drop=True)


# --------------------------------------------------------------------------- targets


def period_slug(period: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", period.lower()).strip("_")


def norm_period(p: str) -> str:
    """'2019-01..05' -> '2019-01..2019-05'."""
    m = re.fullmatch(r"(\d{4})-(\d{2})\.\.(\d{2})", p)
    return f"{m[1]}-{m[2]}..{m[1]}-{m[3]}" if m else p


def scope_of(geo: str, province: str) -> str:
    g = geo.lower()
    if g.startswith("national"):
        return "national"
    if g.startswith(province):
        return "province"
    return period_slug(g)


TEN_K = 10_000.0


def build_targets(src: Path, prov: pd.Series, province: str) -> pd.DataFrame:
    rows: list[tuple[str, str, str, float, str, str, str, str]] = []

    # civil-affairs monthly report (2019-05)
    sfile = INPUTS["stats"]
    st = read_input(
        src, "stats", ["geo", "period", "source", "item", "value", "unit", "note", "status"]
    )
    st["value"] = to_num(st, "value", sfile)
    stats_vals: dict[str, float] = {}
    for _, r in st.iterrows():
        status, note = split_status(r["status"], sfile)
        if "inferred" in r["geo"]:
            note = "province attribution inferred (see source file)"
        value, unit, period = float(r["value"]), r["unit"], r["period"]
        item = r["item"]
        if unit == "10k yuan":
            value, unit = round(value * TEN_K, 2), "yuan"
            note = (note + "; " if note else "") + "converted from 10k yuan (x 10,000)"
        if "cum jan-may" in r["note"].lower():
            period = f"{period[:4]}-01..{period}"
            item = item.removesuffix("_cum").removesuffix("_cum_jan_may")
        stats_vals[item] = value
        key = f"{scope_of(r['geo'], province)}_{item}_{period_slug(period)}"
        rows.append((key, r["geo"].split(" ")[0], period, value, unit, status, note, r["source"]))

    # caseloads (national context + Yunnan); skip duplicates of the monthly report
    cfile = INPUTS["caseloads"]
    cl = read_input(src, "caseloads", ["geo", "period", "item", "value", "status", "source"])
    cl["value"] = to_num(cl, "value", cfile)
    cl["source"] = resolve_same(cl["source"])
    seen = {r[0]: r for r in rows}
    for _, r in cl.iterrows():
        status, note = split_status(r["status"], cfile)
        item = r["item"]
        unit = "yuan" if item.endswith("_yuan") else "persons"
        if "person_times" in item:
            unit = "person-times"
        item = item.removesuffix("_yuan")
        key = f"{scope_of(r['geo'], province)}_{item}_{period_slug(r['period'])}"
        if key in seen:
            if abs(seen[key][3] - float(r["value"])) > 0.5:
                raise BuildError(f"{cfile}: {key} = {r['value']} disagrees with {sfile}")
            continue
        rows.append(
            (key, r["geo"], r["period"], float(r["value"]), unit, status, note, r["source"])
        )
        seen[key] = rows[-1]

    # derived metrics, re-checked against the report
    dfile = INPUTS["derived"]
    dm = read_input(src, "derived", ["period", "metric", "value", "unit", "status"])
    dm["value"] = to_num(dm, "value", dfile)
    for _, r in dm.iterrows():
        status, note = split_status(r["status"], dfile)
        period = norm_period(r["period"])
        key = f"province_{r['metric']}_{period_slug(period)}"
        unit = r["unit"]
        formula = ""
        if r["metric"] == "urban_dibao_persons_per_household":
            formula = "urban_dibao_persons / urban_dibao_households"
            unit = "persons/household"
        elif r["metric"].endswith("benefit_per_person_month"):
            area = r["metric"].split("_")[0]
            formula = f"{area}_dibao_benefit (Jan-May, yuan) / 5 / {area}_dibao_persons (May)"
            unit = "yuan/person/month"
        check = _derive(r["metric"], stats_vals)
        if check is not None and abs(check - float(r["value"])) > 0.06:
            raise BuildError(f"{dfile}: {r['metric']} = {r['value']} but recomputed {check:.3f}")
        rows.append(
            (key, province, period, float(r["value"]), unit, status, formula, f"{dfile} ({sfile})")
        )

    # regional CPI note: consecutive trigger months
    pfile = INPUTS["cpi_points"]
    pts = read_input(src, "cpi_points", ["month", "geo", "item", "value", "source", "status"])
    for _, r in pts[pts["item"] == "note"].iterrows():
        m = re.search(r"(\d+) months", r["value"])
        if m and "trigger" in r["value"]:
            status, note = split_status(r["status"], pfile)
            rows.append(
                (
                    f"province_price_trigger_consecutive_months_{period_slug(r['month'])}",
                    province,
                    r["month"],
                    float(m[1]),
                    "months",
                    status,
                    f"{r['value']}; {note}",
                    r["source"],
                )
            )

    # census 2020 province totals (for aggregate checks)
    for c in SUMMABLE:
        if pd.isna(prov[c]):
            continue
        unit = "households" if ("households" in c or c.startswith("housing")) else "persons"
        note = "10% long-form sample count" if c.endswith("_longform") else ""
        rows.append(
            (
                f"province_census2020_{c}",
                province,
                "2020-11-01",
                float(prov[c]),
                unit,
                VERIFIED,
                note,
                f"{INPUTS['census']}: {prov['source']}",
            )
        )
    rows.append(
        (
            "province_census2020_avg_household_size",
            province,
            "2020-11-01",
            float(prov["avg_family_household_size"]),
            "persons/household",
            VERIFIED,
            "",
            f"{INPUTS['census']}: {prov['source']}",
        )
    )

    out = pd.DataFrame(
        rows,
        columns=["key", "geo", "period", "value", "unit", "status", "status_note", "source"],
    )
    if out["key"].duplicated().any():
        raise BuildError(
            f"internal: duplicate target key {out.loc[out['key'].duplicated(), 'key'].iloc[0]}"
        )
    return out.sort_values("key").reset_index(drop=True)


def _derive(metric: str, v: dict[str, float]) -> float | None:
    try:
        if metric == "urban_dibao_persons_per_household":
            return v["urban_dibao_persons"] / v["urban_dibao_households"]
        if metric.endswith("_dibao_benefit_per_person_month"):
            area = metric.split("_")[0]
            return v[f"{area}_dibao_benefit"] / 5 / v[f"{area}_dibao_persons"]
    except KeyError:
        return None
    return None


# --------------------------------------------------------------------------- other tables


def norm_income_period(p: str) -> tuple[str, str]:
    m = re.search(r"Q1-Q3.*?(\d{4})", p)
    if m:
        return f"{m[1]}Q1-Q3", "year inferred from source URL path; verify"
    return p, ""


def build_income(src: Path) -> pd.DataFrame:
    fname = INPUTS["income"]
    df = read_input(
        src, "income", ["geo", "period", "area", "item", "value", "unit", "status", "source"]
    )
    df["value"] = to_num(df, "value", fname)
    df["source"] = resolve_same(df["source"])
    rows = []
    for _, r in df.iterrows():
        status, note = split_status(r["status"], fname)
        period, pnote = norm_income_period(r["period"])
        note = "; ".join(x for x in (note, pnote) if x)
        rows.append(
            (
                r["geo"],
                period,
                r["area"],
                r["item"],
                r["value"],
                r["unit"],
                status,
                note,
                r["source"],
            )
        )
    cols = ["geo", "period", "area", "item", "value", "unit", "status", "status_note", "source"]
    out = pd.DataFrame(rows, columns=cols)
    if out.duplicated(["geo", "period", "area", "item"]).any():
        raise BuildError(f"{fname}: duplicate (geo, period, area, item)")
    return out.sort_values(["geo", "item", "area", "period"]).reset_index(drop=True)


def build_standards(src: Path) -> tuple[pd.DataFrame, list[str]]:
    fname = INPUTS["standards"]
    df = read_input(
        src, "standards", ["geo", "period", "item", "value", "unit", "status", "source"]
    )
    df["source"] = resolve_same(df["source"])
    gaps = []
    rows = []
    for _, r in df.iterrows():
        if r["value"].strip() == "":
            gaps.append(f"{r['geo']} {r['period']} {r['item']}: {r['status']}")
            continue
        status, note = split_status(r["status"], fname)
        unit = re.sub(r"\s*\(.*\)$", "", r["unit"]).strip()
        v = to_num(pd.DataFrame({"value": [r["value"]]}), "value", fname).iloc[0]
        if unit == "yuan/person/month":
            monthly = v
        elif unit == "yuan/person/year":
            monthly = round(v / 12.0, 4)
        else:
            monthly = math.nan
        rows.append((r["geo"], r["period"], r["item"], v, unit, monthly, status, note, r["source"]))
    cols = [
        "geo",
        "period",
        "item",
        "value",
        "unit",
        "value_per_month",
        "status",
        "status_note",
        "source",
    ]
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["geo", "item", "period"]).reset_index(drop=True), gaps


def build_literature(src: Path) -> pd.DataFrame:
    fname = INPUTS["literature"]
    req = [
        "study",
        "scope",
        "data",
        "headline_finding_verified_from_abstract",
        "status",
        "source",
        "numbers_from_memory_unverified",
    ]
    df = read_input(src, "literature", req)
    rows = []
    for _, r in df.iterrows():
        head = r["headline_finding_verified_from_abstract"].strip()
        status, note = split_status(r["status"], fname)
        if head.startswith("(") and head.endswith(")"):  # "(abstract not captured)"
            head = ""
        nums = r["numbers_from_memory_unverified"].strip()
        if nums in ("—", "-", ""):
            nums = ""
        rows.append(
            (
                r["study"],
                r["scope"],
                r["data"],
                head,
                status,
                note,
                r["source"],
                nums,
                MEMORY if nums else "",
            )
        )
    cols = [
        "study",
        "scope",
        "data",
        "headline",
        "headline_status",
        "headline_status_note",
        "source",
        "numbers_from_memory",
        "numbers_from_memory_status",
    ]
    return pd.DataFrame(rows, columns=cols).sort_values("study").reset_index(drop=True)


# --------------------------------------------------------------------------- main


# --------------------------------------------------------------------------- history facts

#: derived facts: key -> (numerator key, denominator key, scale, unit, formula text)
HISTORY_DERIVED: dict[str, tuple[str, str, float, str]] = {
    "province_urban_dibao_persons_per_household_2020_01": (
        "province_urban_dibao_persons_2020_01",
        "province_urban_dibao_households_2020_01",
        1.0,
        "persons/household",
    ),
    "province_rural_dibao_persons_per_household_2020_01": (
        "province_rural_dibao_persons_2020_01",
        "province_rural_dibao_households_2020_01",
        1.0,
        "persons/household",
    ),
    "province_urban_dibao_spending_per_person_2020_01": (
        "province_urban_dibao_spending_2020_01",
        "province_urban_dibao_persons_2020_01",
        1.0,
        "yuan/person/month",
    ),
    "province_rural_dibao_spending_per_person_2020_01": (
        "province_rural_dibao_spending_2020_01",
        "province_rural_dibao_persons_2020_01",
        1.0,
        "yuan/person/month",
    ),
    "province_temporary_assistance_spending_per_month_2020_01_2020_03": (
        "province_temporary_assistance_spending_2020_01_2020_03",
        "",
        1.0 / 3.0,
        "yuan/month",
    ),
    # national household size (issue 16: MCA bulletins; rural dibao households are small)
    **{
        f"national_{area}_dibao_persons_per_household_{p}": (
            f"national_{area}_dibao_persons_{p}",
            f"national_{area}_dibao_households_{p}",
            1.0,
            "persons/household",
        )
        for area in ("urban", "rural")
        for p in ("2019_12", "2020_12")
    },
}
#: key prefixes of the geographic level, not part of the item name
GEO_PREFIXES = ("province_", "national_")

HISTORY_COLUMNS = [
    "key",
    "geo",
    "period",
    "item",
    "value",
    "unit",
    "status",
    "status_note",
    "source",
    "title",
    "published",
]


def _read_fact_file(facts: Path, key: str, required: Sequence[str]) -> pd.DataFrame:
    path = facts / FACT_INPUTS[key]
    if not path.is_file():
        raise BuildError(f"input file missing: {path}")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise BuildError(f"{path.name}: missing column(s) {', '.join(missing)}")
    bad = sorted(set(df["status"]) - set(STATUSES))
    if bad:
        raise BuildError(f"{path.name}: column 'status': unknown status {bad}")
    return df


def build_history_facts(facts: Path) -> pd.DataFrame:
    """Dated facts of 2019-2024 (caseloads, spending, price-subsidy reports) and the ratios
    derived from them; every row keeps its address, title and publication date."""
    fname = FACT_INPUTS["history"]
    df = _read_fact_file(facts, "history", HISTORY_COLUMNS)
    df["value"] = to_num(df, "value", fname)
    if df["key"].duplicated().any():
        raise BuildError(f"{fname}: duplicate key {df.loc[df['key'].duplicated(), 'key'].iloc[0]}")
    by_key = {r["key"]: r for _, r in df.iterrows()}
    rows = [list(r[c] for c in HISTORY_COLUMNS) for _, r in df.iterrows()]
    for key, (num, den, scale, unit) in HISTORY_DERIVED.items():
        if num not in by_key or (den and den not in by_key):
            raise BuildError(f"{fname}: {key} needs {num} and {den or '-'}")
        a = by_key[num]
        value = float(a["value"]) * scale
        formula = f"{num} x {scale:.6g}"
        if den:
            value /= float(by_key[den]["value"])
            formula = f"{num} / {den}"
        period = str(a["period"])
        item = key.removesuffix("_" + period_slug(period))
        for prefix in GEO_PREFIXES:
            item = item.removeprefix(prefix)
        rows.append(
            [key, a["geo"], period, item, round(value, 4), unit, DERIVED, formula, a["source"],
             a["title"], a["published"]]
        )  # fmt: skip
    out = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    return out.sort_values("key").reset_index(drop=True)


def build_price_activation(facts: Path, prefectures: pd.DataFrame) -> pd.DataFrame:
    """Which prefectures paid the price-linked subsidy for which index month: one row per index
    month and prefecture, active 1/0, with the status and source of that month's row."""
    fname = FACT_INPUTS["activation"]
    cols = ["first_index_month", "last_index_month", "prefectures", "status", "note", "url"]
    df = _read_fact_file(facts, "activation", cols)
    codes = [str(c) for c in prefectures["prefecture_code"].tolist()]
    rows: list[list[Any]] = []
    seen: set[str] = set()
    for _, r in df.iterrows():
        months = month_range(r["first_index_month"], r["last_index_month"])
        spec = r["prefectures"].strip()
        if spec == "all":
            active = set(codes)
        elif spec == "none":
            active = set()
        else:
            active = set(spec.split())
            unknown = sorted(active - set(codes))
            if unknown:
                raise BuildError(f"{fname}: unknown prefecture code(s) {unknown}")
        for m in months:
            if m in seen:
                raise BuildError(f"{fname}: index month {m} listed twice")
            seen.add(m)
            for c in codes:
                rows.append([m, c, int(c in active), r["status"], r["note"], r["url"]])
    out = pd.DataFrame(
        rows, columns=["index_month", "prefecture_code", "active", "status", "note", "source"]
    )
    return out.sort_values(["index_month", "prefecture_code"]).reset_index(drop=True)


def build(
    src: Path, out_dir: Path, province: str = "yunnan", facts: Path = FACTS_DIR
) -> dict[str, Any]:
    """Build all package-data files from `src` (and the repository's `facts`) into `out_dir`;
    return the manifest."""
    if not src.is_dir():
        raise BuildError(f"source directory not found: {src}")
    counties, counties_src, cpref, prov = build_counties(src)
    prefectures, pref_src = build_prefectures(src, counties, cpref)
    standards, gaps = build_standards(src)
    tables: dict[str, pd.DataFrame] = {
        "counties.csv": counties,
        "counties_sources.csv": counties_src,
        "prefectures.csv": prefectures,
        "prefectures_sources.csv": pref_src,
        "cpi.csv": build_cpi(src),
        "cpi_regional.csv": build_cpi_regional(src),
        "targets.csv": build_targets(src, prov, province),
        "income.csv": build_income(src),
        "standards_observed.csv": standards,
        "literature.csv": build_literature(src),
        "history_facts.csv": build_history_facts(facts),
        "price_subsidy_activation.csv": build_price_activation(facts, prefectures),
    }
    blobs = {name: frame_bytes(df) for name, df in sorted(tables.items())}
    _check_statuses(tables)
    outputs = {name: sha256(b) for name, b in blobs.items()}
    inputs = {}
    for fname in sorted(INPUTS.values()):
        inputs[fname] = sha256((src / fname).read_bytes())
    for fname in sorted(FACT_INPUTS.values()):
        inputs[f"scripts/sources/{fname}"] = sha256((facts / fname).read_bytes())
    digest = sha256("".join(f"{n}\t{h}\n" for n, h in outputs.items()).encode())
    manifest = {
        "build_script": "scripts/build_refdata.py",
        "build_script_version": BUILD_SCRIPT_VERSION,
        "data_version": digest[:12],
        "province": province,
        "known_gaps": gaps,
        "outputs": outputs,
        "inputs": inputs,
    }
    for name, b in blobs.items():
        write_atomic(out_dir / name, b)
    mbytes = (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()
    write_atomic(out_dir / "manifest.json", mbytes)
    return manifest


def _check_statuses(tables: dict[str, pd.DataFrame]) -> None:
    allowed = set(STATUSES)
    for name, df in tables.items():
        for col in df.columns:
            if col == "status" or col.endswith("_status"):
                vals = set(df[col]) - {""}
                bad = vals - allowed
                if bad:
                    raise BuildError(f"internal: {name}: column {col!r}: bad status {sorted(bad)}")


def main(argv: Sequence[str] | None = None, *, _print: Callable[[str], None] = print) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="input data directory")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output package-data directory")
    ap.add_argument("--province", default="yunnan", help="geo name of the province in the inputs")
    args = ap.parse_args(argv)
    try:
        man = build(args.source, args.out, args.province)
    except BuildError as exc:
        print(f"build_refdata: error: {exc}", file=sys.stderr)
        return 1
    _print(
        f"wrote {len(man['outputs']) + 1} files to {args.out} (data version {man['data_version']})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
