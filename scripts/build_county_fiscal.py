"""Write model/safetynet/parameters/funding/county_fiscal.csv: general budget revenue and
expenditure per county (一般公共预算收入/支出), yuan per year, used by the factor method for
fiscal difficulty and fiscal effort (rules/funding.py, issue #14).

No per-county figures for Yunnan's 129 counties were found in our sources (county final accounts
决算 and the 云南统计年鉴 county tables are not in ../shared/data, and the searches did not find
them). Every row is therefore ESTIMATED: the provincial totals for 2023 (from memory, unverified)
are spread over counties, revenue in proportion to the census-2020 urban population (taxes come
from towns) and expenditure in proportion to the total population. A planner replaces a row with
the county's 决算 figure (status official, with its reference).

Run: .venv/bin/python scripts/build_county_fiscal.py
"""

from __future__ import annotations

import csv
from pathlib import Path

from safetynet import refdata

#: Yunnan 2023 一般公共预算收入 / 支出, yuan (from memory, unverified: 2,149 and 6,720 亿元)
REVENUE_2023 = 2149e8
EXPENDITURE_2023 = 6720e8
OUT = Path(__file__).parent.parent / "model/safetynet/parameters/funding/county_fiscal.csv"
REF = "云南省2023年一般公共预算收支 (from memory, unverified); scripts/build_county_fiscal.py"


def main() -> None:
    t = refdata.counties()
    urban = t.pop_urban.astype(float)
    total = t.pop_total.astype(float)
    rows = []
    for i, code in enumerate(t.code):
        rev = REVENUE_2023 * urban[i] / urban.sum()
        exp = EXPENDITURE_2023 * total[i] / total.sum()
        for key, value, how in (
            (
                "revenue",
                rev,
                f"provincial revenue x urban population share {urban[i] / urban.sum():.5f}",
            ),
            (
                "expenditure",
                exp,
                f"provincial expenditure x population share {total[i] / total.sum():.5f}",
            ),
        ):
            rows.append(
                [
                    str(code),
                    key,
                    "2023-01-01",
                    f"{value:.0f}",
                    "estimated",
                    REF,
                    f"generated: {how} (census 2020); no county figure found",
                ]
            )
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["county_code", "key", "from", "value", "status", "reference", "note"])
        w.writerows(rows)
    print(f"wrote {OUT} ({len(rows)} rows)")


if __name__ == "__main__":
    main()
