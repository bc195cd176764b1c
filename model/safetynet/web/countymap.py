"""The county map of the web page, behind one function: :func:`county_map`.

The package has no county boundaries yet, so this draws a schematic tile map: one square per
county, one row per prefecture, coloured by a value (diverging colours around 0). When a
geographic choropleth lands (issue #17, see /work/notes/INTERFACES.md), only this function
changes. Output: SVG text (drawn by the browser; hover a square for the county and its value).
"""

from __future__ import annotations

import html
import math

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.colors import to_hex

TILE = 24
GAP = 3
LABEL_MIN = 80
LEGEND = 40


def _colour(x: float, limit: float) -> str:
    if not math.isfinite(x):
        return "#dddddd"
    cmap = matplotlib.colormaps["RdBu_r"]
    return str(to_hex(cmap(0.5 + 0.5 * max(-1.0, min(1.0, x / limit)))))


def county_map(counties: pd.DataFrame, value: str, lang: str, unit: str = "%") -> str:
    """SVG tile map of ``counties[value]`` (columns code, name_zh/en, prefecture,
    prefecture_zh/en); counties in table order within each prefecture."""
    prefs = counties.drop_duplicates("prefecture")[["prefecture", f"prefecture_{lang}"]]
    widest = int(counties.groupby("prefecture").size().max()) if len(counties) else 1
    longest = max((len(str(n)) for n in prefs[f"prefecture_{lang}"]), default=4)
    label = max(LABEL_MIN, int(longest * (13 if lang == "zh" else 6.8)) + 10)
    width = label + max(widest * (TILE + GAP), 9 * 30) + 10
    height = len(prefs) * (TILE + GAP) + LEGEND
    vals = counties[value].to_numpy(dtype=float)
    finite = vals[np.isfinite(vals)]
    limit = float(np.max(np.abs(finite))) if finite.size and np.max(np.abs(finite)) > 0 else 1.0
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="county-map" width="100%" '
        f'style="max-width:{width}px" viewBox="0 0 {width} {height}" font-size="12">'
    ]
    for row, (code, name) in enumerate(prefs.itertuples(index=False)):
        y = row * (TILE + GAP)
        out.append(
            f'<text x="{label - 6}" y="{y + TILE * 0.7:.1f}" text-anchor="end">'
            f"{html.escape(str(name))}</text>"
        )
        mine = counties[counties["prefecture"] == code]
        for col, r in enumerate(mine.itertuples(index=False)):
            x = label + col * (TILE + GAP)
            v = float(getattr(r, value))
            shown = "—" if not math.isfinite(v) else f"{v:+.1f}{unit}"
            tip = html.escape(f"{getattr(r, f'name_{lang}')} ({r.code}): {shown}")
            out.append(
                f'<rect class="county" data-code="{html.escape(str(r.code))}" x="{x}" y="{y}" '
                f'width="{TILE}" height="{TILE}" fill="{_colour(v, limit)}" stroke="#fff">'
                f"<title>{tip}</title></rect>"
            )
    y = len(prefs) * (TILE + GAP) + 8
    steps = 9
    for i in range(steps):
        x = label + i * 30
        v = -limit + 2 * limit * i / (steps - 1)
        out.append(
            f'<rect x="{x}" y="{y}" width="30" height="10" fill="{_colour(v, limit)}"></rect>'
        )
    out.append(f'<text x="{label}" y="{y + 24}">{-limit:+.1f}{unit}</text>')
    out.append(
        f'<text x="{label + steps * 30}" y="{y + 24}" text-anchor="end">{limit:+.1f}{unit}</text>'
    )
    out.append("</svg>")
    return "".join(out)
