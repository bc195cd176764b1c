"""Household schema: every column declared once, dtypes as declared, checks, xarray attrs."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from safetynet import schema
from safetynet.errors import InputError
from safetynet.schema import SCHEMA, Households, empty

REPO = Path(__file__).resolve().parent.parent

#: the columns docs/architecture.md ("Households") promises
ARCHITECTURE_COLUMNS = (
    "county", "urban", "weight", "size", "n_0_15", "n_16_17", "n_18_59", "n_60p", "n_workers",
    "n_disabled_severe", "n_disabled_mental", "n_ill", "care_level", "income_wage",
    "income_farm", "income_transfer", "assets", "exp_medical", "exp_schooling",
    "exp_disability", "has_supporter", "tuopin", "programme", "covered_persons",
    "exit_months_left", "edge", "pending_months",
)  # fmt: skip


def _valid(n: int = 4) -> Households:
    """Hand-made households that satisfy every identity."""
    hh = empty(n)
    hh["size"] = [1, 2, 3, 4][:n]
    hh["n_60p"] = [1, 0, 1, 0][:n]
    hh["n_65p"] = [1, 0, 0, 0][:n]
    hh["n_18_59"] = [0, 2, 1, 2][:n]
    hh["n_0_15"] = [0, 0, 1, 2][:n]
    hh["n_workers"] = [0, 1, 1, 2][:n]
    hh["income_wage"] = [0.0, 2000.0, 900.5, 3000.0][:n]
    hh["programme"] = [3, 0, 1, 0][:n]
    hh["covered_persons"] = [1, 0, 3, 0][:n]
    hh["weight"] = [10.0, 10.0, 12.5, 12.5][:n]
    hh.members_from_counts()
    return hh


def test_every_column_declared_once_with_known_dtype() -> None:
    names = [c.name for c in SCHEMA]
    assert len(names) == len(set(names))
    assert set(ARCHITECTURE_COLUMNS) <= set(names)
    for c in SCHEMA:
        assert np.dtype(c.dtype).kind in "biuf", c.name
        assert c.unit and c.label_zh and c.label_en and c.meaning, c.name
        if c.codes:
            assert np.dtype(c.dtype).kind in "iu"
            assert all(len(v) == 2 and all(v) for v in c.codes.values())
    money = [c for c in SCHEMA if c.unit.startswith("yuan")]
    assert {c.name for c in money} >= {"income_wage", "assets", "exp_medical"}
    assert all(c.dtype == "float32" for c in money)


def test_row_fits_the_memory_budget() -> None:
    per_row = schema.bytes_per_household()
    per_person = schema.bytes_per_person()
    assert per_row == sum(np.dtype(c.dtype).itemsize for c in SCHEMA)
    assert per_person == sum(np.dtype(c.dtype).itemsize for c in schema.PERSON_SCHEMA)
    # members included: Yunnan's mean family household has about 3 members, + 1 free slot
    assert per_row + 5 * per_person <= 200
    hh = empty(1000)  # one slot each
    assert hh.nbytes == 1000 * (per_row + per_person)


def test_empty_has_declared_dtypes_and_defaults() -> None:
    hh = empty(3)
    assert hh.n == len(hh) == 3
    assert hh.columns == tuple(c.name for c in SCHEMA)
    for c in SCHEMA:
        assert hh[c.name].dtype == np.dtype(c.dtype), c.name
    assert (hh["pending_months"] == -1).all()
    assert (hh["size"] == 1).all() and (hh["weight"] == 1.0).all()
    with pytest.raises(InputError, match="n_0_15 = count over the members"):
        hh.validate()  # one member (aged 0) but no count in any age band
    empty(0).validate()


def test_valid_households_pass_and_attribute_access() -> None:
    hh = _valid()
    hh.validate()
    assert hh.size is hh["size"]
    assert hh.total_households() == pytest.approx(45.0)
    assert hh.total_persons() == pytest.approx(10 * 1 + 10 * 2 + 12.5 * 3 + 12.5 * 4)
    with pytest.raises(KeyError, match="no household column"):
        hh["sizes"]
    with pytest.raises(AttributeError):
        _ = hh.sizes


def test_setitem_casts_and_checks_shape() -> None:
    hh = _valid()
    hh["income_farm"] = np.array([1, 2, 3, 4], dtype=np.int64)
    assert hh["income_farm"].dtype == np.float32
    with pytest.raises(InputError, match="income_farm"):
        hh["income_farm"] = np.zeros(5)
    with pytest.raises(KeyError):
        hh["nonsense"] = np.zeros(4)


def test_constructor_rejects_missing_unknown_and_ragged() -> None:
    data = {c.name: np.zeros(2, dtype=c.dtype) for c in SCHEMA}
    Households(data)
    with pytest.raises(InputError, match="missing"):
        Households({k: v for k, v in data.items() if k != "assets"})
    with pytest.raises(InputError, match="unknown"):
        Households({**data, "extra": np.zeros(2)})
    with pytest.raises(InputError, match="length 2"):
        Households({**data, "assets": np.zeros(3)})


@pytest.mark.parametrize(
    ("column", "value", "key"),
    [
        ("programme", 7, "programme"),
        ("care_level", -1, "care_level"),
        ("n_65p", 2, "n_65p"),  # more 65+ than 60+ in row 0
        ("income_wage", np.nan, "income_wage"),
        ("assets", -1.0, "assets"),
        ("covered_persons", 0, "covered_persons"),  # row 0 is on tekun with 0 persons
        ("n_workers", 3, "n_workers"),  # row 0 has one member
        ("pending_months", -2, "pending_months"),
        ("weight", 0.0, "weight"),
    ],
)
def test_validate_names_the_broken_column(column: str, value: float, key: str) -> None:
    hh = _valid()
    arr = hh[column].copy()
    arr[0] = value
    hh[column] = arr
    with pytest.raises(InputError) as err:
        hh.validate()
    assert err.value.key == key
    assert err.value.file == "households"


def test_validate_rejects_wrong_dtype() -> None:
    hh = _valid()
    hh._data["size"] = hh["size"].astype(np.int64)  # bypass the casting setter
    with pytest.raises(InputError, match="dtype int8"):
        hh.validate()


def test_take_copy_concat() -> None:
    hh = _valid()
    a = hh.take(np.array([True, False, True, False]))
    b = hh.take([1, 3])
    assert a.n == b.n == 2
    assert a["size"].tolist() == [1, 3] and b["size"].tolist() == [2, 4]
    joined = Households.concat([a, b])
    assert sorted(joined["size"].tolist()) == [1, 2, 3, 4]
    c = hh.copy()
    c["size"][0] = 9
    assert hh["size"][0] == 1
    with pytest.raises(InputError):
        hh.take(np.array([True, False]))
    assert Households.concat([]).n == 0


def test_to_xarray_uses_declared_attrs_and_round_trips() -> None:
    hh = _valid()
    ds = hh.to_xarray()
    persons = [f"person_{c}" for c in schema.PERSON_COLUMNS]
    assert list(ds.data_vars) == [*hh.columns, *persons]
    assert ds.sizes["household"] == 4
    for c in SCHEMA:
        attrs = ds[c.name].attrs
        assert attrs["units"] == c.unit
        assert attrs["long_name"] == c.label_en
        assert attrs["long_name_zh"] == c.label_zh
        assert attrs["allowed_values"] == c.allowed()
        assert ds[c.name].dtype == np.dtype(c.dtype)
    back = Households.from_xarray(ds)
    for name in hh.columns:
        np.testing.assert_array_equal(back[name], hh[name])
    for name in schema.PERSON_COLUMNS:
        np.testing.assert_array_equal(back.persons[name], hh.persons[name])
    back.validate()


def test_allowed_values_text() -> None:
    by = schema.COLUMN_BY_NAME
    assert by["programme"].allowed().startswith("0 none (无), 1 dibao, whole household")
    assert by["size"].allowed() == "1 .. 20"
    assert by["assets"].allowed() == "≥ 0"
    assert by["urban"].allowed() == "False, True"
    assert by["propensity"].allowed() == "0 .. 1"


def test_docs_table_is_generated_from_the_schema() -> None:
    """docs/population.md carries schema_markdown() verbatim (one declaration, two uses)."""
    text = (REPO / "docs" / "population.md").read_text(encoding="utf-8")
    assert schema.schema_markdown() in text
    assert schema.schema_markdown(schema.PERSON_SCHEMA) in text
    documented = set(re.findall(r"^\| `([a-z0-9_]+)` \|", text, flags=re.M))
    assert documented == {c.name for c in (*SCHEMA, *schema.PERSON_SCHEMA)}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 4), st.integers(0, 2), st.integers(0, 5), st.integers(0, 4),
            st.integers(0, 10), st.floats(0.5, 1e4),
        ),
        min_size=1, max_size=30,
    )
)  # fmt: skip
def test_households_built_from_age_counts_validate(rows: list[tuple[int, ...]]) -> None:
    """Invariant: any household whose size is the sum of its age bands validates, and ``take``
    keeps weighted persons additive."""
    rows = [r for r in rows if 1 <= sum(r[:4]) <= 20] or [(0, 0, 1, 0, 0, 1.0)]
    n = len(rows)
    hh = empty(n)
    a = np.array(rows, dtype=np.float64)
    for i, col in enumerate(("n_0_15", "n_16_17", "n_18_59", "n_60p")):
        hh[col] = a[:, i]
    hh["size"] = a[:, :4].sum(axis=1)
    hh["n_65p"] = np.minimum(a[:, 3], a[:, 4])
    hh["n_workers"] = np.minimum(a[:, 1] + a[:, 2], a[:, 4])
    hh["weight"] = a[:, 5]
    hh.members_from_counts()
    hh.validate()
    mask = np.arange(n) % 2 == 0
    total = hh.take(mask).total_persons() + hh.take(~mask).total_persons()
    assert total == pytest.approx(hh.total_persons(), rel=1e-9)


def test_pickle_round_trip() -> None:
    """Households travel to dask workers: pickling keeps every column and dtype."""
    import pickle

    hh = _valid()
    back = pickle.loads(pickle.dumps(hh))
    assert back.columns == hh.columns
    for name in hh.columns:
        np.testing.assert_array_equal(back[name], hh[name])
        assert back[name].dtype == hh[name].dtype
