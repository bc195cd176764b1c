"""County outputs after the run (safetynet.county_outputs): institution places (S3 二(二)),
township-approved temporary cases, advance payments and case-by-case cases (S4 四(九)),
computed by hand from the rule book on a Dataset whose caseloads are set by the test."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import xarray as xr
from numpy.testing import assert_allclose
from safetynet import outputs, refdata
from safetynet.county_outputs import add_county_outputs, type_shares
from safetynet.params import Override, load_parameters

COUNTIES = ["530102", "530324"]
MONTH = dt.date(2021, 6, 1)


def _dataset(cases: list[float], persons: list[float], institutional: list[float]) -> xr.Dataset:
    ds = outputs.empty_dataset(["t"], [0], COUNTIES, np.array(["2021-06-01"], "datetime64[ns]"))
    ds["cases_households"].loc[{"group": "temporary"}] = np.array(cases)[None, None, :, None]
    ds["cases_persons"].loc[{"group": "temporary"}] = np.array(persons)[None, None, :, None]
    ds["cases_persons"].loc[{"group": "tekun_institutional"}] = np.array(institutional)[
        None, None, :, None
    ]
    return ds


def test_type_shares_follow_one_uniform_draw() -> None:
    # urgent if v < 0.4, severe if v < 0.3: urgent-severe 0.3, urgent-moderate 0.1, no
    # expenditure-severe, expenditure-moderate 0.6
    assert_allclose(type_shares(0.4, 0.3), [0.3, 0.1, 0.0, 0.6])
    assert_allclose(type_shares(0.2, 0.5), [0.2, 0.0, 0.3, 0.5])
    assert type_shares(0.7, 0.1).sum() == pytest.approx(1.0)


def test_places_township_cases_and_advance_by_hand() -> None:
    ps = load_parameters().with_overrides(
        [
            Override(path="temporary.township_approval_limit", start=MONTH, value=1000.0),
            Override(path="behaviour.temporary_urgent_share", start=MONTH, value=0.4),
            Override(path="behaviour.temporary_severe_share", start=MONTH, value=0.3),
            Override(path="tekun.institution_share_willing", start=MONTH, value=1.0),
        ]
    )
    p = ps.at(MONTH)
    idx = refdata.counties().index_of(COUNTIES)
    std = np.asarray(p.dibao.standard.urban)[idx]
    assert ((std > 500) & (std < 1000)).all()  # amounts below are compared with 1000
    ds = _dataset([100.0, 10.0], [200.0, 20.0], [37.0, 0.0])
    add_county_outputs(ds, ps)
    # S3 二(二): a place for every willing person (share 1)
    assert_allclose(ds["tekun_institution_places"].values.ravel(), [37.0, 0.0])
    # two persons per case; amounts = standard × base months × severity × 2 persons × months:
    # urgent severe 0.5 × 2 × 2 × 1 = 2 standards (> 1000: county approves), urgent moderate
    # 0.5 × 1 × 2 × 1 = 1 standard (township), expenditure moderate 1 × 1 × 2 × 3 = 6 (county)
    cases = np.array([100.0, 10.0])
    assert_allclose(ds["temporary_township_cases"].values.ravel(), cases * 0.1)
    # advance (urgent only): up to the township limit
    advance = cases * (0.3 * np.minimum(2 * std, 1000.0) + 0.1 * np.minimum(std, 1000.0))
    assert_allclose(ds["temporary_advance"].values.ravel(), advance)
    # case by case above 12 standards: none at two persons
    assert_allclose(ds["temporary_case_by_case_cases"].values.ravel(), [0.0, 0.0])
    for v in outputs.COUNTY_OUTPUTS:
        assert ds[v.name].dims == v.dims and ds[v.name].attrs["units"] == v.unit


def test_sizes_between_two_are_split_and_large_cases_go_case_by_case() -> None:
    ps = load_parameters()
    # 5.5 persons per case: half at 5, half at 6 persons (5 counted: the cap); expenditure
    # moderate = 1 × 1 × 5 × 3 = 15 standards > 12: case by case
    ds = _dataset([10.0, 0.0], [55.0, 0.0], [0.0, 0.0])
    add_county_outputs(ds, ps)
    u = float(ps.value("behaviour.temporary_urgent_share", MONTH))  # type: ignore[arg-type]
    s = float(ps.value("behaviour.temporary_severe_share", MONTH))  # type: ignore[arg-type]
    expenditure_moderate = type_shares(u, s)[3]
    got = ds["temporary_case_by_case_cases"].values.ravel()
    assert got[0] == pytest.approx(10.0 * expenditure_moderate)
    assert got[1] == 0.0
    assert (ds["temporary_township_cases"].values >= 0).all()
