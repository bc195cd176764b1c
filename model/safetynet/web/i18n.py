"""Words of the web page in Chinese (default) and English. No Latin letters in the Chinese.

``text(key, lang)``; line names reuse the labels of :mod:`safetynet.outputs` for programmes.
"""

from __future__ import annotations

from safetynet.outputs import PROGRAMME_LABELS

LANGS: tuple[str, ...] = ("zh", "en")

STRINGS: dict[str, tuple[str, str]] = {
    "title": ("云南省社会救助兜底保障测算", "Yunnan social assistance: budget simulator"),
    "switch": ("English", "中文"),
    "levers": ("政策调整", "Levers"),
    "base": ("起始情景文件", "Scenario file to start from"),
    "budget_year": ("预算年度", "Budget year"),
    "rural_rise": ("农村低保标准提高（%）", "Rural dibao standard rise (%)"),
    "urban_rise": ("城市低保标准提高（%）", "Urban dibao standard rise (%)"),
    "rise_from": ("提标起始月（年-月）", "Rise from (year-month)"),
    "rise_province": (
        "以上提标适用于未单独设定的州（市）",
        "These rises apply to every prefecture not set below",
    ),
    "rise_prefectures": ("单独设定提标的州（市）", "Prefectures with their own rise"),
    "pref_rural": ("农村（%）", "Rural (%)"),
    "pref_urban": ("城市（%）", "Urban (%)"),
    "edge_multiple": ("低保边缘家庭收入倍数", "Dibao-edge income multiple"),
    "services_cap": ("购买服务支出上限（%）", "Purchased-services cap (%)"),
    "cpi_threshold": ("价格补贴启动条件：居民消费价格指数同比（%）", "CPI trigger (%)"),
    "food_threshold": ("价格补贴启动条件：食品价格同比（%）", "Food CPI trigger (%)"),
    "shock": ("灾害冲击", "Shock"),
    "shock_counties": ("受灾县（市、区）", "Counties hit"),
    "shock_severity": ("受灾户比例（%）", "Households hit (%)"),
    "shock_months": ("持续月数", "Months"),
    "shock_from": ("起始月（年-月）", "From (year-month)"),
    "sample": ("抽样比例（%）", "Sample (% of households)"),
    "replicates": ("重复次数", "Replicates"),
    "reset": ("恢复起始情景", "Reset levers"),
    "running": ("测算中", "Running"),
    "cached": ("已有结果，未重新测算", "cached result, not rerun"),
    "done": ("测算完成", "Done"),
    "seconds": ("秒", "s"),
    "error": ("输入有误", "Input error"),
    "failed": ("测算失败", "Run failed"),
    "results_for": (
        "{year}年预算年度结果（与起始情景比较）",
        "Budget year {year} against the baseline",
    ),
    "one_replicate": (
        "仅一次重复，无不确定性区间；增加重复次数可得区间。",
        "One replicate: no bands; raise replicates to get them.",
    ),
    "band_note": (
        "区间为各次重复的第10至第90百分位（共{n}次）。",
        "Bands: 10th to 90th percentile over {n} replicates.",
    ),
    "programmes": ("分项目资金需求（万元）", "Need by programme (10k yuan)"),
    "funding": ("资金来源与缺口（万元）", "Funding sources and gap (10k yuan)"),
    "caseloads": ("保障人数", "Caseloads"),
    "line": ("项目", "Line"),
    "scenario": ("本情景", "Scenario"),
    "baseline": ("起始情景", "Baseline"),
    "diff": ("变化", "Change"),
    "band": ("区间", "Band"),
    "budget_need": ("资金需求", "Budget need"),
    "transfers": ("上级补助资金", "Central and provincial transfers"),
    "county_budget": ("县级预算安排", "County budget"),
    "funding_gap": ("资金缺口", "Funding gap"),
    "source_central": ("中央补助", "Central allocation"),
    "source_provincial": ("省级补助", "Provincial allocation"),
    "source_prefecture": ("州（市）级补助", "Prefecture allocation"),
    "source_county": ("县级安排", "County own budget"),
    "fund_reserve_released": ("预留资金下达", "Reserve released"),
    "fund_gap": ("年度资金缺口（分县不相抵）", "Gap for the year (counties not netted)"),
    "fund_surplus": ("年度资金结余", "Surplus for the year"),
    "dibao_persons": ("低保人数（12月）", "Dibao persons (December)"),
    "tekun_persons": ("特困人数（12月）", "Tekun persons (December)"),
    "edge_households": ("低保边缘家庭户数（12月）", "Dibao-edge households (December)"),
    "temporary_cases": ("临时救助户次（全年）", "Temporary assistance cases (year)"),
    "map": ("各县资金需求变化（%）", "Change in budget need by county (%)"),
    "map_note": (
        "与起始情景相比的变化；红色为增加，蓝色为减少；粗线为州（市）界。"
        "边界来自开源数据包，仅作示意。",
        "Change against the baseline; red up, blue down; thick lines are prefecture borders. "
        "Boundaries from an open data package, for illustration.",
    ),
    "checks_wait": ("核查计算中……", "Computing the checks…"),
    "counties": ("分县结果（点击表头排序）", "Counties (click a header to sort)"),
    "filter": ("按州（市）筛选", "Filter by prefecture"),
    "county": ("县（市、区）", "County"),
    "prefecture": ("州（市）", "Prefecture"),
    "code": ("代码", "Code"),
    "need": ("资金需求（万元）", "Need (10k yuan)"),
    "need_base": ("起始情景需求（万元）", "Baseline need (10k yuan)"),
    "need_diff": ("需求变化（万元）", "Change (10k yuan)"),
    "need_diff_pct": ("需求变化（%）", "Change (%)"),
    "gap": ("资金缺口（万元）", "Gap (10k yuan)"),
    "dibao": ("低保人数", "Dibao persons"),
    "checks_failed": ("未通过核查项数", "Checks failed"),
    "checks": ("政策核查（未通过的县数）", "Checks (counties failing)"),
    "check": ("核查项", "Check"),
    "fail": ("未通过", "Failing"),
    "na": ("无法核查", "Not checked"),
    "check_floor": ("低保标准不低于省级指导标准", "Dibao standard at or above the floor"),
    "check_tekun": ("特困标准不低于低保标准的规定倍数", "Tekun standard at or above the multiple"),
    "check_services": ("购买服务不超过上限", "Purchased services within the cap"),
    "check_temporary": (
        "临时救助户均不低于上年",
        "Temporary assistance per case not below last year",
    ),
    "check_band": ("标准增幅在指导标准浮动范围内", "Standard within the band over the floor"),
    "check_tekun_province": (
        "特困标准不低于省定最低标准",
        "Tekun standard at or above the provincial floor",
    ),
    "check_price": ("价格补贴启动月份均已发放", "Price subsidy paid in every trigger month"),
    "check_local": (
        "地方启动条件不高于国家规定",
        "Local trigger threshold not above the national one",
    ),
    "cpi": ("价格补贴启动月份", "CPI trigger months"),
    "month": ("月份", "Month"),
    "cpi_yoy": ("居民消费价格同比（%）", "CPI yoy (%)"),
    "cpi_thr": ("启动条件（%）", "Trigger (%)"),
    "food_yoy": ("食品价格同比（%）", "Food CPI yoy (%)"),
    "food_thr": ("食品启动条件（%）", "Food trigger (%)"),
    "triggered": ("启动比例（重复中）", "Triggered (share of replicates)"),
    "trig_counties": ("启动县数", "Counties triggered"),
    "no_trigger": ("本年度未启动价格临时补贴。", "The price subsidy is not triggered this year."),
    "downloads": ("下载", "Downloads"),
    "dl_toml": ("情景文件（可用命令行重算）", "Scenario TOML (rerun with the CLI)"),
    "dl_xlsx": ("电子表格报告", "Excel workbook"),
    "dl_pdf": ("打印版报告", "PDF report"),
    "none": ("无", "none"),
    "all": ("全部", "All"),
    "wait": ("请稍候", "Please wait"),
    "scenario_key": ("情景编号", "Scenario hash"),
}


def text(key: str, lang: str, **fmt: object) -> str:
    """The page's word for ``key`` in ``lang`` ('zh' or 'en')."""
    zh, en = STRINGS[key]
    out = zh if lang == "zh" else en
    return out.format(**fmt) if fmt else out


def line_label(line: str, lang: str) -> str:
    """Label of a result line: a programme, a funding line, a caseload line or a source."""
    if line in PROGRAMME_LABELS:
        zh, en = PROGRAMME_LABELS[line]
        return zh if lang == "zh" else en
    if line in STRINGS:
        return text(line, lang)
    return line.removeprefix("source_")  # a source the page has no word for: its code
