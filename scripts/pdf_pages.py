"""Render pages of a report PDF to PNG files, to look at them (pypdfium2, a dev dependency).

Usage::

    .venv/bin/python scripts/pdf_pages.py reports/baseline/report.pdf --pages 1-3 --out /tmp/pages

Writes ``page-01.png`` ... into ``--out`` (default: a ``pages`` folder next to the PDF).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def page_numbers(spec: str, count: int) -> list[int]:
    """1-based page numbers from '1-3,7' (all pages for 'all'), clipped to the document.

    >>> page_numbers("1-3,7", 5)
    [1, 2, 3]
    >>> page_numbers("all", 2)
    [1, 2]
    """
    if spec == "all":
        return list(range(1, count + 1))
    out: list[int] = []
    for part in spec.split(","):
        a, _, b = part.partition("-")
        out += range(int(a), int(b or a) + 1)
    return [p for p in dict.fromkeys(out) if 1 <= p <= count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdf", type=Path)
    parser.add_argument("--pages", default="1-3", help="e.g. 1-3,7 or all (default 1-3)")
    parser.add_argument("--scale", type=float, default=1.5, help="1 = 72 dpi (default 1.5)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    import pypdfium2

    out = args.out or args.pdf.parent / "pages"
    out.mkdir(parents=True, exist_ok=True)
    doc = pypdfium2.PdfDocument(str(args.pdf))
    try:
        for n in page_numbers(args.pages, len(doc)):
            path = out / f"page-{n:02d}.png"
            doc[n - 1].render(scale=args.scale).to_pil().save(path)
            print(path)
    finally:
        doc.close()


if __name__ == "__main__":
    main()
