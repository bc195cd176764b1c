"""The parameter loader (safetynet.params) on tiny trees with a fake county list."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from safetynet.errors import ParameterError
from safetynet.params import (
    CountyParameter,
    Entry,
    Override,
    Parameter,
    ParameterSet,
    load_parameter_file,
    load_parameters,
    parse_date,
)

D = dt.date
CODES = ["530102", "530103", "530111"]

RATIO = """\
label: {zh: 边缘倍数, en: Edge multiple}
unit: ratio
description: test parameter
type: number
min: 0
max: 10
values:
  - from: 2020-01-01
    value: 1.5
    status: official
    reference: S4 二(二)
  - from: 2022-07-01
    value: 2.0
    status: estimated
    reference: ASSUMED
    note: guess
"""

AGE = """\
label: {zh: 年龄, en: Age}
unit: years
type: integer
values:
  - {from: 2016-01-01, value: 16, status: official, reference: S4 二(一)}
  - {from: 2021-09-20, value: 18, status: official, reference: S4 二(一)}
"""

CARE = """\
label: {zh: 护理, en: Care}
unit: yuan/person/month
type: mapping
min: 0
values:
  - {from: 2016-01-01, value: {able: 50, unable: 500}, status: estimated, reference: x, note: n}
"""

TABLE = """\
label: {zh: 低保标准, en: Dibao standard}
unit: yuan/person/month
min: 0
table: standard.csv
keys: [urban, rural]
"""

HEADER = "county_code,key,from,value,status,reference,note\n"


def table_csv(codes: list[str] = CODES) -> str:
    """Urban 600 + 10 x i from 2019, +40 from 2020-01-01; rural 350 + i, one date."""
    rows = []
    for i, c in enumerate(codes):
        rows.append(f"{c},urban,2019-01-01,{600 + 10 * i},estimated,S3 三(二),generated")
        rows.append(f"{c},urban,2020-01-01,{640 + 10 * i},official,NAT 2020,")
        rows.append(f"{c},rural,2019-01-01,{350 + i},estimated,S3 三(二),generated")
    return HEADER + "\n".join(rows) + "\n"


def make_tree(root: Path, **files: str) -> Path:
    """Write ``{"dibao/edge_multiple.yaml": text, ...}`` (keys use __ for /) under ``root``."""
    defaults = {
        "dibao__edge_multiple.yaml": RATIO,
        "dibao__standard.yaml": TABLE,
        "dibao__standard.csv": table_csv(),
        "tekun__minor_age_limit.yaml": AGE,
        "tekun__care_subsidy.yaml": CARE,
    }
    defaults.update(files)
    for name, text in defaults.items():
        f = root / name.replace("__", "/")
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def ps(tmp_path: Path) -> ParameterSet:
    return load_parameters(make_tree(tmp_path), county_codes=CODES)


# ------------------------------------------------------------------------------ look-up


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (D(2010, 5, 1), 1.5),  # before the first date: the first value
        (D(2020, 1, 1), 1.5),  # on the first date
        (D(2022, 6, 30), 1.5),  # between: the earlier value
        (D(2022, 7, 1), 2.0),  # on the second date
        (D(2040, 1, 1), 2.0),  # after the last date: persists
    ],
)
def test_date_lookup(ps: ParameterSet, when: dt.date, expected: float) -> None:
    assert ps.value("dibao.edge_multiple", when) == expected
    assert ps.at(when).dibao.edge_multiple == expected


def test_entry_keeps_provenance(ps: ParameterSet) -> None:
    p = ps["dibao.edge_multiple"]
    assert isinstance(p, Parameter)
    e = p.entry_at(D(2023, 1, 1))
    assert (e.status, e.reference, e.note) == ("estimated", "ASSUMED", "guess")
    assert (p.label_zh, p.label_en, p.unit) == ("边缘倍数", "Edge multiple", "ratio")
    assert p.dates() == [D(2020, 1, 1), D(2022, 7, 1)]


def test_integer_and_mapping_values(ps: ParameterSet) -> None:
    snap = ps.at(D(2021, 9, 19))
    assert snap.tekun.minor_age_limit == 16
    assert ps.at(D(2021, 9, 20)).tekun.minor_age_limit == 18
    care = snap.tekun.care_subsidy
    assert isinstance(care, dict)  # mapping values stay plain dicts, not branches
    assert care["unable"] == 500 and care.get("able") == 50


def test_unknown_attribute_names_the_path(ps: ParameterSet) -> None:
    with pytest.raises(AttributeError, match=r"dibao\.nope"):
        _ = ps.at(D(2020, 1, 1)).dibao.nope


def test_county_vectorisation_follows_the_county_order(tmp_path: Path) -> None:
    order = [CODES[2], CODES[0], CODES[1]]  # not the CSV order
    ps = load_parameters(make_tree(tmp_path), county_codes=order)
    urban = ps.at(D(2019, 6, 1)).dibao.standard.urban
    np.testing.assert_array_equal(urban, [620.0, 600.0, 610.0])
    assert urban.dtype == np.float64
    np.testing.assert_array_equal(ps.at(D(2020, 1, 1)).dibao.standard["urban"], [660, 640, 650])
    np.testing.assert_array_equal(ps.at(D(2000, 1, 1)).dibao.standard.rural, [352, 350, 351])
    p = ps["dibao.standard"]
    assert isinstance(p, CountyParameter)
    assert list(p.statuses_at(D(2020, 1, 1), "urban")) == ["official"] * 3
    assert p.dates() == [D(2019, 1, 1), D(2020, 1, 1)]
    with pytest.raises(ParameterError, match=r"dibao.standard\[all\]"):
        p.at(D(2020, 1, 1), "all")


def test_county_arrays_are_read_only(ps: ParameterSet) -> None:
    urban = ps.at(D(2020, 1, 1)).dibao.standard.urban
    with pytest.raises(ValueError, match="read-only"):
        urban[0] = 0.0


def test_scalar_value_refuses_a_county_table(ps: ParameterSet) -> None:
    with pytest.raises(ParameterError, match="county table"):
        ps.value("dibao.standard", D(2020, 1, 1))


def test_parse_date_forms() -> None:
    assert parse_date("2022-07", "f", "k") == D(2022, 7, 1)
    assert parse_date(" 2022-07-15 ", "f", "k") == D(2022, 7, 15)
    assert parse_date(dt.datetime(2022, 7, 15, 3), "f", "k") == D(2022, 7, 15)
    with pytest.raises(ParameterError, match="k: expected a date"):
        parse_date("soon", "f", "k")


@given(
    starts=st.sets(st.dates(D(2000, 1, 1), D(2040, 1, 1)), min_size=1, max_size=8),
    when=st.dates(D(1990, 1, 1), D(2050, 1, 1)),
)
def test_lookup_is_the_last_start_on_or_before(starts: set[dt.date], when: dt.date) -> None:
    ordered = sorted(starts)
    entries = tuple(Entry(d, float(i), "estimated", "r") for i, d in enumerate(ordered))
    p = Parameter("x.y", "z", "e", "u", "", "number", entries)
    on_or_before = [i for i, d in enumerate(ordered) if d <= when]
    assert p.at(when) == float(on_or_before[-1] if on_or_before else 0)


# ------------------------------------------------------------------------------ refusals


def _bad(tmp_path: Path, name: str, text: str, key: str) -> ParameterError:
    """Load a tree with one broken file; the error must name the file and the key."""
    with pytest.raises(ParameterError) as info:
        load_parameters(make_tree(tmp_path, **{name: text}), county_codes=CODES)
    err = info.value
    assert key in err.key, (err.key, key)
    assert key in str(err) and name.split("__")[-1] in str(err)
    return err


YAML_REFUSALS = {
    "missing unit": (RATIO.replace("unit: ratio\n", ""), "unit"),
    "empty unit": (RATIO.replace("unit: ratio", "unit: ''"), "unit"),
    "missing label": (RATIO.replace("label: {zh: 边缘倍数, en: Edge multiple}\n", ""), "label"),
    "missing label zh": (RATIO.replace("zh: 边缘倍数, ", ""), "label.zh"),
    "missing label en": (RATIO.replace(", en: Edge multiple", ""), "label.en"),
    "unquoted comma in label": (
        RATIO.replace("en: Edge multiple", "en: Edge multiple, for families"),
        "label.for families",
    ),
    "missing reference": (RATIO.replace("    reference: ASSUMED\n", ""), "values[1].reference"),
    "blank reference": (
        RATIO.replace("reference: ASSUMED", "reference: '  '"),
        "values[1].reference",
    ),
    "bad status": (RATIO.replace("status: estimated", "status: guessed"), "values[1].status"),
    "unsorted dates": (RATIO.replace("2022-07-01", "2019-07-01"), "values"),
    "duplicate dates": (RATIO.replace("2022-07-01", "2020-01-01"), "values"),
    "bad date": (RATIO.replace("2022-07-01", "July 2022"), "values[1].from"),
    "string for number": (RATIO.replace("value: 2.0", "value: 'two'"), "values[1].value"),
    "bool for number": (RATIO.replace("value: 2.0", "value: true"), "values[1].value"),
    "nan for number": (RATIO.replace("value: 2.0", "value: .nan"), "values[1].value"),
    "above max": (RATIO.replace("value: 2.0", "value: 11"), "values[1].value"),
    "below min": (RATIO.replace("value: 1.5", "value: -1"), "values[0].value"),
    "unknown top-level key": (RATIO + "colour: red\n", "colour"),
    "unknown entry key": (
        RATIO.replace("note: guess", "note: guess\n    unit: x"),
        "values[1].unit",
    ),
    "no values": (RATIO.split("values:")[0] + "values: []\n", "values"),
    "bad type": (RATIO.replace("type: number", "type: float"), "type"),
    "bad YAML": (RATIO.replace("label: {zh", "label: {{zh"), "<file>"),
    "not a mapping": ("- 1\n- 2\n", "<file>"),
}


@pytest.mark.parametrize("case", sorted(YAML_REFUSALS))
def test_yaml_refusals(tmp_path: Path, case: str) -> None:
    text, key = YAML_REFUSALS[case]
    _bad(tmp_path, "dibao__edge_multiple.yaml", text, key)


def test_integer_refuses_a_float(tmp_path: Path) -> None:
    _bad(tmp_path, "tekun__minor_age_limit.yaml", AGE.replace("value: 18", "value: 18.5"), "value")


def test_integer_refuses_a_bool(tmp_path: Path) -> None:
    _bad(tmp_path, "tekun__minor_age_limit.yaml", AGE.replace("value: 18", "value: no"), "value")


def test_mapping_refuses_changing_keys(tmp_path: Path) -> None:
    text = CARE + (
        "  - {from: 2020-01-01, value: {able: 60}, status: estimated, reference: x, note: n}\n"
    )
    err = _bad(tmp_path, "tekun__care_subsidy.yaml", text, "values[1].value")
    assert "able" in err.expected and "unable" in err.expected


def test_mapping_refuses_a_negative_value(tmp_path: Path) -> None:
    _bad(tmp_path, "tekun__care_subsidy.yaml", CARE.replace("able: 50", "able: -5"), "value")


def test_choices_are_enforced(tmp_path: Path) -> None:
    text = (
        "label: {zh: 公式, en: Formula}\nunit: '-'\ntype: string\nchoices: [gap, tiered]\n"
        "values:\n  - {from: 2016-01-01, value: flat, status: estimated, reference: r, note: n}\n"
    )
    _bad(tmp_path, "dibao__benefit_formula.yaml", text, "values[0].value")


CSV_REFUSALS = {
    "unknown county code": (
        table_csv() + "999999,urban,2019-01-01,600,estimated,r,\n",
        "line 11.county_code",
    ),
    "missing county": (
        HEADER + "\n".join(table_csv().splitlines()[1:-3]) + "\n",  # drops CODES[2] rows
        f"{CODES[2]}/urban",
    ),
    "bad number": (table_csv().replace(",600,", ",six hundred,"), "line 2.value"),
    "nan number": (table_csv().replace(",600,", ",nan,"), "line 2.value"),
    "below min": (table_csv().replace(",600,", ",-600,"), "line 2.value"),
    "unknown key": (table_csv().replace("rural", "town", 1), "line 4.key"),
    "bad status": (table_csv().replace("estimated", "maybe", 1), "line 2.status"),
    "missing reference": (table_csv().replace("S3 三(二)", "", 1), "line 2.reference"),
    "bad date": (table_csv().replace("2019-01-01", "2019/01/01", 1), "line 2.from"),
    "duplicate date": (table_csv().replace("2020-01-01", "2019-01-01", 1), f"{CODES[0]}/urban"),
    "missing column": (table_csv().replace("status,", "state,", 1), "<header>"),
}


@pytest.mark.parametrize("case", sorted(CSV_REFUSALS))
def test_csv_refusals(tmp_path: Path, case: str) -> None:
    text, key = CSV_REFUSALS[case]
    _bad(tmp_path, "dibao__standard.csv", text, key)


def test_table_header_refusals(tmp_path: Path) -> None:
    _bad(tmp_path, "dibao__standard.yaml", TABLE + "values: []\n", "values")
    _bad(tmp_path, "dibao__standard.yaml", TABLE.replace("standard.csv", "nope.csv"), "table")
    _bad(tmp_path, "dibao__standard.yaml", TABLE.replace("[urban, rural]", "urban"), "keys")
    _bad(tmp_path, "dibao__standard.yaml", TABLE + "type: string\n", "type")


def test_missing_root_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="<dir>"):
        load_parameters(tmp_path / "absent", county_codes=CODES)


def test_single_file_loader(tmp_path: Path) -> None:
    f = tmp_path / "edge_multiple.yaml"
    f.write_text(RATIO, encoding="utf-8")
    p = load_parameter_file(f, "dibao.edge_multiple", CODES)
    assert isinstance(p, Parameter) and p.at(D(2023, 1, 1)) == 2.0


# ------------------------------------------------------------------------------ overrides


def test_absolute_override_from_a_date(ps: ParameterSet) -> None:
    new = ps.with_overrides([Override("dibao.edge_multiple", D(2024, 1, 1), value=3.0)])
    assert new.value("dibao.edge_multiple", D(2023, 12, 31)) == 2.0
    assert new.value("dibao.edge_multiple", D(2024, 1, 1)) == 3.0
    assert new.value("dibao.edge_multiple", D(2030, 1, 1)) == 3.0
    p = new["dibao.edge_multiple"]
    assert isinstance(p, Parameter)
    assert p.entry_at(D(2024, 1, 1)).status == "scenario"
    assert ps.value("dibao.edge_multiple", D(2030, 1, 1)) == 2.0  # the baseline is unchanged


def test_relative_override_scales_every_later_value(ps: ParameterSet) -> None:
    new = ps.with_overrides([Override("dibao.edge_multiple", D(2021, 1, 1), relative=0.08)])
    assert new.value("dibao.edge_multiple", D(2020, 6, 1)) == 1.5
    assert new.value("dibao.edge_multiple", D(2021, 1, 1)) == pytest.approx(1.5 * 1.08)
    assert new.value("dibao.edge_multiple", D(2023, 1, 1)) == pytest.approx(2.0 * 1.08)


def test_relative_override_of_an_integer_stays_integer(ps: ParameterSet) -> None:
    new = ps.with_overrides([Override("tekun.minor_age_limit", D(2022, 1, 1), relative=0.10)])
    v = new.value("tekun.minor_age_limit", D(2022, 1, 1))
    assert v == 20 and isinstance(v, int)  # round(18 x 1.1)


def test_relative_override_of_a_mapping(ps: ParameterSet) -> None:
    new = ps.with_overrides([Override("tekun.care_subsidy", D(2020, 1, 1), relative=-0.5)])
    assert new.value("tekun.care_subsidy", D(2021, 1, 1)) == {"able": 25.0, "unable": 250.0}


def test_override_with_an_end_date(ps: ParameterSet) -> None:
    ov = Override("dibao.edge_multiple", D(2021, 1, 1), value=5.0, end=D(2022, 7, 1))
    new = ps.with_overrides([ov])
    assert new.value("dibao.edge_multiple", D(2020, 12, 31)) == 1.5
    assert new.value("dibao.edge_multiple", D(2022, 6, 30)) == 5.0
    assert new.value("dibao.edge_multiple", D(2022, 7, 1)) == 2.0  # an entry starting at end
    p = new["dibao.edge_multiple"]
    assert isinstance(p, Parameter)
    starts = p.dates()
    assert starts == sorted(set(starts))  # no duplicate dates


def test_relative_override_with_an_end_inside_a_later_entry(ps: ParameterSet) -> None:
    ov = Override("dibao.edge_multiple", D(2021, 1, 1), relative=1.0, end=D(2023, 1, 1))
    new = ps.with_overrides([ov])
    assert new.value("dibao.edge_multiple", D(2021, 6, 1)) == 3.0
    assert new.value("dibao.edge_multiple", D(2022, 8, 1)) == 4.0
    assert new.value("dibao.edge_multiple", D(2023, 1, 1)) == 2.0
    ov2 = Override("dibao.edge_multiple", D(2021, 1, 1), relative=1.0, end=D(2022, 7, 1))
    p = ps.with_overrides([ov2])["dibao.edge_multiple"]
    assert isinstance(p, Parameter)
    assert p.dates() == sorted(set(p.dates()))
    assert p.at(D(2022, 7, 1)) == 2.0


def test_county_restricted_override(ps: ParameterSet) -> None:
    ov = Override("dibao.standard", D(2021, 1, 1), value=700.0, counties=(CODES[1],))
    new = ps.with_overrides([ov])
    np.testing.assert_array_equal(new.at(D(2021, 1, 1)).dibao.standard.urban, [640, 700, 660])
    np.testing.assert_array_equal(new.at(D(2021, 1, 1)).dibao.standard.rural, [350, 700, 352])
    np.testing.assert_array_equal(new.at(D(2020, 6, 1)).dibao.standard.urban, [640, 650, 660])


def test_key_restricted_relative_override(ps: ParameterSet) -> None:
    ov = Override("dibao.standard", D(2021, 1, 1), relative=0.10, keys=("rural",))
    snap = ps.with_overrides([ov]).at(D(2021, 1, 1))
    np.testing.assert_array_equal(snap.dibao.standard.urban, [640, 650, 660])
    np.testing.assert_allclose(snap.dibao.standard.rural, [385.0, 386.1, 387.2])


@pytest.mark.parametrize(
    ("ov", "key"),
    [
        (Override("dibao.edge_multipl", D(2021, 1, 1), value=1.0), "dibao.edge_multipl"),
        (Override("dibao.edge_multiple", D(2021, 1, 1), value="x"), "dibao.edge_multiple"),
        (Override("dibao.edge_multiple", D(2021, 1, 1)), "dibao.edge_multiple"),
        (Override("dibao.edge_multiple", D(2021, 1, 1), 1.0, 0.1), "dibao.edge_multiple"),
        (Override("dibao.edge_multiple", D(2021, 1, 1), 1.0, end=D(2020, 1, 1)), ".end"),
        (Override("dibao.edge_multiple", D(2021, 1, 1), 1.0, counties=("530102",)), "dibao"),
        (Override("dibao.standard", D(2021, 1, 1), 1.0, counties=("999999",)), ".counties"),
        (Override("dibao.standard", D(2021, 1, 1), 1.0, keys=("all",)), ".keys"),
        (Override("dibao.standard", D(2021, 1, 1), value=True), "dibao.standard"),
        (Override("tekun.care_subsidy", D(2021, 1, 1), value={"able": 1.0}), "care_subsidy"),
    ],
)
def test_override_refusals(ps: ParameterSet, ov: Override, key: str) -> None:
    with pytest.raises(ParameterError) as info:
        ps.with_overrides([ov])
    assert key in info.value.key


def test_unknown_path_suggests_close_matches(ps: ParameterSet) -> None:
    with pytest.raises(ParameterError, match=r"did you mean dibao\.edge_multiple"):
        _ = ps["dibao.edge_multipel"]


# ------------------------------------------------------------------------------ diffs


def test_diff_rows_for_scalars_and_county_tables(ps: ParameterSet) -> None:
    new = ps.with_overrides(
        [
            Override("dibao.edge_multiple", D(2024, 1, 1), value=3.0, reference="reform A"),
            Override("dibao.standard", D(2021, 1, 1), value=700.0, counties=(CODES[0],)),
        ]
    )
    rows = ps.diff(new)
    scalar = [r for r in rows if r.path == "dibao.edge_multiple"]
    assert [(r.start, r.where, r.old, r.new, r.status, r.reference) for r in scalar] == [
        (D(2024, 1, 1), "", 2.0, 3.0, "scenario", "reform A")
    ]
    assert scalar[0].label_en == "Edge multiple" and scalar[0].unit == "ratio"
    county = sorted((r.where, r.old, r.new) for r in rows if r.path == "dibao.standard")
    assert county == [(f"{CODES[0]}/rural", 350.0, 700.0), (f"{CODES[0]}/urban", 640.0, 700.0)]
    assert ps.diff(ps) == []


def test_diff_of_a_restating_override_is_empty(ps: ParameterSet) -> None:
    same = ps.with_overrides([Override("dibao.edge_multiple", D(2022, 7, 1), value=2.0)])
    assert ps.diff(same) == []
    zero = ps.with_overrides([Override("dibao.standard", D(2019, 1, 1), relative=0.0)])
    assert ps.diff(zero) == []
    np.testing.assert_array_equal(
        zero.at(D(2020, 1, 1)).dibao.standard.urban, ps.at(D(2020, 1, 1)).dibao.standard.urban
    )


def test_diff_of_an_override_with_an_end(ps: ParameterSet) -> None:
    """One row where the values part; the end shows in the new entries (no row of equal values)."""
    ov = Override("dibao.edge_multiple", D(2021, 1, 1), value=5.0, end=D(2021, 7, 1))
    new = ps.with_overrides([ov])
    rows = ps.diff(new)
    assert [(r.start, r.old, r.new) for r in rows] == [(D(2021, 1, 1), 1.5, 5.0)]
    p = new["dibao.edge_multiple"]
    assert isinstance(p, Parameter)
    assert next(e.start for e in p.entries if e.start > rows[0].start) == D(2021, 7, 1)
