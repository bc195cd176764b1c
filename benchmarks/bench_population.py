"""Benchmark: generate every household of Yunnan (≈15.1 M) and report time and memory per row.

Usage::

    .venv/bin/python benchmarks/bench_population.py            # full province, one process
    .venv/bin/python benchmarks/bench_population.py --fraction 0.1 --json

Prints the wall-clock seconds of ``population.generate`` (parameters and county table loaded
beforehand, so only generation is timed) and the bytes per household of the result. The issue-3
budget is ≤ 60 s and ≤ 200 bytes per household on the 2-core reference machine.
"""

from __future__ import annotations

import argparse
import json
import time

from safetynet import population, refdata, schema
from safetynet.params import load_parameters


def run(fraction: float = 1.0, seed: int = 0) -> dict[str, float]:
    """Time one generation; return seconds, households, persons and bytes per household."""
    counties = refdata.counties()
    params = load_parameters()
    started = time.perf_counter()
    hh = population.generate(counties, sample_fraction=fraction, seed=seed, params=params)
    seconds = time.perf_counter() - started
    return {
        "fraction": fraction,
        "seconds": round(seconds, 2),
        "rows": hh.n,
        "households": round(hh.total_households()),
        "persons": round(hh.total_persons()),
        "bytes_per_household": hh.nbytes / max(hh.n, 1),
        "declared_bytes_per_household": schema.bytes_per_household(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fraction", type=float, default=1.0, help="sample fraction (0, 1]")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    result = run(args.fraction, args.seed)
    if args.json:
        print(json.dumps(result))
        return
    print(f"population.generate: {result['seconds']:.2f} s for {result['rows']:,} rows "
          f"(fraction {args.fraction:g}; {result['households']:,} households, "
          f"{result['persons']:,} persons)")  # fmt: skip
    print(f"bytes/household: {result['bytes_per_household']:.1f}")


if __name__ == "__main__":
    main()
