"""Issue 16: the report's validation section (校核) is validation.py's fit table, with sources
and a reason for every miss."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import xarray as xr
from safetynet import validation
from safetynet.report import content, tables
from safetynet.report.validation import shown_rows, validation_frame, validation_section
from test_report import synthetic_run

SOURCE = re.compile(r"https?://\S+|[\w.-]+\.(?:cn|com|org|net)/|〔\d{4}〕\d+号")


@pytest.fixture(scope="module")
def run() -> xr.Dataset:
    return tables.select_scenario(synthetic_run())


def test_report_rows_equal_the_validation_rows(run: xr.Dataset) -> None:
    df = validation_frame(run)
    ds = run.expand_dims("scenario") if "scenario" not in run.dims else run
    rows = validation.fit_rows(ds)
    assert len(df) == len(rows) > 0
    for got, want in zip(df.to_dict("records"), rows, strict=True):
        assert got["key"] == want.key
        assert got["period"] == want.period
        assert got["fact"] == want.fact
        both_nan = math.isnan(got["model"]) and math.isnan(want.model)
        assert both_nan or got["model"] == want.model


def test_every_row_has_a_source_and_every_miss_a_reason(run: xr.Dataset) -> None:
    df = validation_frame(run)
    for r in df.to_dict("records"):
        assert SOURCE.search(str(r["source"])), (r["key"], r["source"])
        if r["within"] is False:
            assert r["reason_zh"] and r["reason_en"], r["key"]
    for lang in ("zh", "en"):
        for row in shown_rows(df, lang):
            assert row[9], row


def test_reasons_are_for_known_facts() -> None:
    why = validation.reasons()
    keys = set(validation.refdata.history_facts()) | set(validation.refdata.targets())
    computed = {"province_dibao_spending_per_person_2020_01", "province_tekun_persons_2020_01"}
    computed |= {k for k in why if k.startswith("province_dibao_benefit")}
    assert set(why) - {"*"} <= keys | computed, set(why) - keys - computed
    assert "*" in why
    assert all(zh and en for zh, en in why.values())


def test_the_section_holds_the_chart_the_table_and_uncovered_facts(run: xr.Dataset) -> None:
    short = run.isel(month=slice(0, 3))
    data = content.build(short)
    assert data.validation is not None
    df = data.validation
    assert (~df["covered"].astype(bool)).any()  # 2023 facts outside a 3-month run
    assert np.isnan(df.loc[~df["covered"].astype(bool), "model"]).all()
    for lang in ("zh", "en"):
        sec = validation_section(data, lang)
        assert [b.key for b in sec.blocks] == ["validation_path", "validation"]
        assert len(sec.blocks[1].rows) == len(df)  # type: ignore[union-attr]


def test_every_fact_item_has_an_english_and_a_chinese_label() -> None:
    """A fact the run does not reach is listed by its label: none may show its machine name
    (and the Chinese table no English)."""
    items = {f.item for f in validation.refdata.history_facts().values()}
    missing_en = sorted(i for i in items if i not in validation.history.LABELS)
    assert missing_en == []
    zh = [validation.history.LABELS_ZH.get(validation.history.LABELS[i], "") for i in items]
    assert all(re.search(r"[\u4e00-\u9fff]", z) and not re.search(r"[A-Za-z]", z) for z in zh)


def test_printed_sources_show_sites_and_the_workbook_full_addresses(run: xr.Dataset) -> None:
    df = validation_frame(run)
    for lang in ("zh", "en"):
        printed = " ".join(row[9] for row in shown_rows(df, lang))
        full = " ".join(row[9] for row in shown_rows(df, lang, full_addresses=True))
        assert "://" not in printed and "%" not in printed
        assert "https://ynmz.yn.gov.cn/" in full
        assert "ynmz.yn.gov.cn" in printed
