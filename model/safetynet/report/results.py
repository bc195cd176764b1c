"""Reading and checking a run's results file (the Dataset of ``outputs.py``, saved as netCDF)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from safetynet import guard
from safetynet.errors import InputError
from safetynet.outputs import GROUPS, PROGRAMMES, VARIABLE_BY_NAME
from safetynet.report.tables import run_record

#: the declared variables the report reads
REQUIRED: tuple[str, ...] = (
    "cases_persons",
    "cases_households",
    "spending",
    "price_trigger",
    "budget_need",
    "transfers",
    "county_budget",
    "funding_gap",
    "eligible_households",
    "eligible_covered_households",
    "ineligible_covered_households",
    "standard_urban",
    "standard_rural",
    "floor_urban",
    "floor_rural",
    "tekun_standard",
)
RESULTS_NAME = "results.nc"
EXPECTED_FILE = "a results file written by `safetynet run` (netCDF, e.g. results.nc)"


def validate_dataset(ds: xr.Dataset, source: str = "<dataset>") -> xr.Dataset:
    """Check that ``ds`` is a run Dataset the report can read; return it unchanged.

    Raises InputError naming ``source``, the offending key and what was expected.
    """
    if not isinstance(ds, xr.Dataset):
        raise InputError(source, "dataset", "an xarray Dataset", f"got {type(ds).__name__}")
    for dim in ("replicate", "county", "month"):
        if dim not in ds.dims:
            raise InputError(source, f"dims.{dim}", f"a dimension {dim!r}", f"dims {list(ds.dims)}")
        if ds.sizes[dim] == 0:
            raise InputError(source, f"dims.{dim}", f"at least one {dim}", "empty")
    if "scenario" in ds.dims and ds.sizes["scenario"] == 0:
        raise InputError(source, "dims.scenario", "at least one scenario", "empty")
    if not np.issubdtype(ds["month"].dtype, np.datetime64):
        raise InputError(source, "coords.month", "datetime64 months", f"dtype {ds['month'].dtype}")
    missing = [v for v in REQUIRED if v not in ds.data_vars]
    if missing:
        raise InputError(
            source, "variables", f"the run variables {list(REQUIRED)}", f"missing {missing}"
        )
    for name in REQUIRED:
        want = {d for d in VARIABLE_BY_NAME[name].dims if d != "scenario" or "scenario" in ds.dims}
        got = {str(d) for d in ds[name].dims}
        if got != want:
            raise InputError(source, name, f"dims {sorted(want)}", f"got {sorted(got)}")
    for coord, names in (("group", GROUPS), ("programme", PROGRAMMES)):
        have = {str(x) for x in ds[coord].values}
        lacking = [n for n in names if n not in have]
        if lacking:
            raise InputError(
                source, f"coords.{coord}", f"all of {list(names)}", f"missing {lacking}"
            )
    run_record(ds, source)
    guard.check_results(ds, source)  # months, codes, finite/non-negative values (issue #13)
    return ds


def results_file(path: Path | str) -> Path:
    """The results file at ``path`` (a file, or a run folder holding results.nc)."""
    p = Path(path)
    if p.is_dir():
        if (p / RESULTS_NAME).is_file():
            return p / RESULTS_NAME
        found = sorted(p.glob("*.nc"))
        if len(found) == 1:
            return found[0]
        got = "no .nc file" if not found else f"{len(found)} .nc files"
        raise InputError(p, "folder", f"a run folder with {RESULTS_NAME}", got)
    if not p.exists():
        raise InputError(p, "file", EXPECTED_FILE, "no such file")
    return p


def load_results(path: Path | str) -> xr.Dataset:
    """Read and check a run's results (file or run folder) into memory.

    A missing, unreadable or wrong file gives an InputError naming the file.
    """
    p = results_file(path)
    guard.check_input_file(p, "results")
    try:
        with xr.open_dataset(p) as f:
            ds = f.load()
    except (OSError, ValueError, TypeError, KeyError, RuntimeError, IndexError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(p, "file", EXPECTED_FILE, f"cannot read it: {first}") from None
    return validate_dataset(ds, str(p))
