"""Every issue message, in Chinese and English: the one table of them (validation, the calendar,
quotes, statements, the file patcher).

Templates use `str.format` fields: {column} (the column's title in the message language), {value}, and
rule-specific ones. A message says what is wrong and what to do.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from gendan_xl.errors import Issue

MESSAGES: dict[str, tuple[str, str]] = {
    "missing-value": ("{column}为空，请填写", "{column} is empty; fill it in"),
    "bad-date": ("{column}“{value}”不是日期，请写成 2026-11-03 这样的日期",
                 "{column} '{value}' is not a date; write it like 2026-11-03"),
    "bad-number": ("{column}“{value}”不是数字，请只填数字", "{column} '{value}' is not a number; enter digits only"),
    "no-cached-value": ("{column}是公式但没有计算结果，请在 Excel 中打开并保存一次",
                        "{column} is a formula with no calculated value; open and save the file in Excel once"),
    "duplicate-order": ("订单号 {value} 型号 {model} 与 {other} 重复，请删除或改正其中一行",
                        "order {value} model {model} repeats {other}; delete or correct one of the lines"),
    "bad-quantity": ("数量 {value} 必须大于 0", "quantity {value} must be greater than 0"),
    "negative-price": ("单价 {value} 不能为负数", "unit price {value} cannot be negative"),
    "amount-mismatch": ("金额 {value} 不等于 数量×单价 = {expected}，请核对",
                        "amount {value} is not quantity × unit price = {expected}; check it"),
    "ship-before-order": ("出货日期 {value} 早于下单日期 {order_date}，请核对",
                          "ship date {value} is before the order date {order_date}; check it"),
    "due-before-order": ("{column} {value} 早于下单日期 {order_date}，请核对",
                         "{column} {value} is before the order date {order_date}; check it"),
    "over-shipped": ("已出货数量 {value} 大于订单数量 {quantity}，请核对",
                     "shipped quantity {value} exceeds the ordered quantity {quantity}; check it"),
    "unknown-customer": ("客户“{value}”不在“{master}”表中，请先添加该客户或改正客户代码",
                         "customer '{value}' is not in the '{master}' sheet; add it there or correct the code"),
    "unknown-model": ("型号“{value}”不在“{master}”表中，请先添加该产品或改正型号",
                      "model '{value}' is not in the '{master}' sheet; add it there or correct the model"),
    "unknown-currency": ("币种“{value}”不在允许的列表中（{allowed}）",
                         "currency '{value}' is not one of the allowed currencies ({allowed})"),
    "signature-removed": ("工作簿有数字签名，本次刷新（--force）已使签名失效；如需签名，请在 Excel 中重新签名",
                          "the workbook was digitally signed and this refresh (--force) broke the signature, which "
                          "no longer holds; sign it again in Excel if it must be signed"),
    "unknown-status": ("状态“{value}”（{rows} 行）无法对应到订单阶段，这些行只按日期和数量判断；如果它表示某个阶段，"
                       "请在 gendan.toml 加上：[statuses] \"{value}\" = \"<阶段>\"（阶段：{stages}）",
                       "status '{value}' ({rows} rows) maps to no order stage, so those lines are judged by their "
                       "dates and quantities only; if it names a stage, add to gendan.toml: "
                       "[statuses] \"{value}\" = \"<stage>\" (stages: {stages})"),
    "unreadable-dropdown": ("状态列的下拉列表来源“{value}”无法读取（{why}），其中的状态词未核对",
                            "the status column's drop-down list '{value}' cannot be read ({why}); its words were "
                            "not checked"),
    "unmapped-header": ("表头“{value}”看起来是{column}，但没有识别，结果可能不对：如果是，请在 gendan.toml 加上："
                        "[columns] {field} = [\"{value}\"]",
                        "header '{value}' looks like {column} but is not recognised, which may change results; if it "
                        "is, add to gendan.toml: [columns] {field} = [\"{value}\"]"),
    "header-not-used": ("表头“{value}”也可能是{column}，但已使用 {used}：如果应该用这一列，请在 gendan.toml 写明："
                        "[columns] {field} = [\"{value}\"]",
                        "header '{value}' may also be {column}, but {used} is used; if this column is the right one, "
                        "say so in gendan.toml: [columns] {field} = [\"{value}\"]"),
    "date-out-of-range": ("{column} {value} 与下单日期 {order_date} 相差太远，年份是否写错？",
                          "{column} {value} is far from the order date {order_date}; is the year a typo?"),
    "order-date-out-of-range": ("下单日期 {value} 与本表其他订单相差两年以上，年份是否写错？",
                                "order date {value} is over two years from the other orders; is the year a typo?"),
    "missing-column": ("表头（第 {row} 行）缺少“{column}”列，相关检查未做：请加上这一列，或在 gendan.toml 的 "
                       "[columns] 写明你的表头",
                       "the header (row {row}) has no '{column}' column, so its checks were skipped: add it, or "
                       "name your header in gendan.toml [columns]"),
    "no-customer-sheet": ("工作簿中没有“客户”表，无法核对客户", "the workbook has no Customers sheet; customers are not checked"),
    "no-product-sheet": ("工作簿中没有“产品”表，无法核对型号", "the workbook has no Products sheet; models are not checked"),
    # the working-day calendar (假期 sheet)
    "calendar-unverified": (
        "{year} 年没有官方节假日数据，已按周末和“{sheet}”表计算，可能不准：请在“{sheet}”表补全 {year} 年的"
        "法定假日和调休上班日（至少包括春节和国庆），或升级 chinesecalendar",
        "{year} has no official holiday data; working days were computed from weekends and the '{sheet}' "
        "sheet and may be wrong: add {year}'s public holidays and makeup working days to the '{sheet}' "
        "sheet (at least Spring Festival and National Day), or upgrade chinesecalendar",
    ),
    "unknown-calendar-kind": (
        "类型“{value}”无法识别，请填写 放假 或 上班",
        "type '{value}' is not recognised; write holiday or workday",
    ),
    "calendar-conflict": (
        "{value} 在“{sheet}”表中既是放假又是上班，以第 {row} 行（{kind}）为准，请删除另一行",
        "{value} is both a holiday and a working day in the '{sheet}' sheet; row {row} ({kind}) wins, "
        "delete the other row",
    ),
    # quotes (QuoteInputError codes too)
    "no-rebate-rate": ("型号 {model} 找不到 {date} 适用的退税率（HS {hs_code}，系列 {family}），请在“退税率”表补充",
                       "no rebate rate for model {model} on {date} (HS {hs_code}, family {family}); add a row "
                       "to the Rebate rates sheet"),
    "no-lines": ("报价明细表没有任何产品行，请至少填写一行", "the quote lines sheet has no lines; fill in at least one"),
    "tier-below-moq": ("型号 {model} 的数量档位 {value} 低于最小起订量 {moq}",
                       "model {model}: tier quantity {value} is below the MOQ {moq}"),
    "duplicate-tier": ("型号 {model} 的数量档位 {value} 重复（另见第 {other} 行）",
                       "model {model}: tier quantity {value} appears twice (see also row {other})"),
    "rates-outdated": ("退税率表的核对日期 {value} 已是 {days} 天前（超过 {max_days} 天），退税率可能已调整：请按最新的"
                       "财政部、税务总局公告核对后更新核对日期",
                       "the rebate rate table was last checked on {value}, {days} days ago (more than {max_days}); "
                       "rates may have changed: check them against the latest MOF / STA notice and update the date"),
    "rates-undated": ("退税率表没有核对日期，无法知道是否过期：请核对后在表上填写“核对日期”和日期（超过 {max_days} 天会提醒）",
                      "the rebate rate table says not when it was checked: check it, then add a 'Checked On' label "
                      "with the date (a warning comes after {max_days} days)"),
    "company-differs": ("{column}“{value}”与 gendan.toml [company] {key} 不同，报价单用 gendan.toml 的“{used}”："
                        "请删掉这一格或改成一致",
                        "{column} '{value}' differs from gendan.toml [company] {key}; the quote prints '{used}': "
                        "clear the cell or make them agree"),
    "negative-input": ("{name} 不能为负数（{value}）", "{name} must not be negative (got {value})"),
    "rate-too-high": ("{name} 必须小于 100%（{value}）", "{name} must be below 100% (got {value})"),
    "margin-too-high": ("利润率、银行费率和保险费合计 {value} 达到或超过 100%，无法定价",
                        "profit margin, bank fee and insurance add up to {value}, 100% or more; no price "
                        "can cover that"),
    "rebate-above-vat": ("退税率 {value} 高于增值税率 {vat_rate}，请核对", "rebate rate {value} is above the VAT "
                         "rate {vat_rate}; check both"),
    "bad-exchange-rate": ("汇率必须大于 0（{value}）", "exchange_rate must be greater than 0 (got {value})"),
    "pricing-mode": ("利润率与成本加成率只能填一个", "give profit_margin or markup_on_cost, not both"),
    "no-pricing": ("利润率与成本加成率至少填一个", "give profit_margin or markup_on_cost"),
    "unknown-incoterm": ("贸易条款“{value}”无法识别，请填写 EXW、FOB、CFR 或 CIF",
                         "unknown incoterm '{value}'; use EXW, FOB, CFR or CIF"),
    "bad-places": ("小数位数 {value} 无效", "places must be a whole number from 0 to 10 (got {value})"),
    # statements
    "unknown-reference": ("{doc} 指向的单号 {ref} 不在本客户的未结单据中，已按最早未结单据核销；请核对单号",
                              "{doc} names {ref}, which is not an open document of this customer; applied "
                              "to the oldest open item instead — check the number"),
    "reference-to-cancelled": ("{doc} 指向已取消的单据 {ref}，已按最早未结单据核销；请核对",
                                   "{doc} names {ref}, which is cancelled; applied to the oldest open item "
                                   "instead — check it"),
    "currency-mismatch": ("{doc} 的币种 {currency} 与客户币种 {expected} 不同，未计入对账单；请换算后再录入",
                              "{doc} is in {currency}, not the customer's {expected}; left out of the "
                              "statement — enter it converted"),
    "unknown-payment-terms": ("付款条件“{terms}”无法识别，账龄改按单据日期计算；请写成“月结60天”或“Net 30”",
                                  "payment terms \"{terms}\" not understood; ageing by invoice date instead — "
                                  "write them like \"月结60天\" or \"Net 30\""),
    "unapplied-credit": ("{doc} 还有 {amount} 未核销（预收/多付），列为负数未结项",
                             "{doc} has {amount} not applied to any invoice (prepaid or overpaid); listed as "
                             "a negative open item"),
    "period-before-opening": ("对账期间开始于期初日期 {cutover} 之前，期初之前的单据不在工作簿中",
                                  "the period starts before the opening balances date {cutover}; documents "
                                  "before it are not in the workbook"),
    # the file patcher (refresh)
    "formula-cell-kept": ("该单元格是公式，未覆盖；请把公式移到别的列",
                          "this cell holds a formula and was not overwritten; move the formula to another column"),
    "array-formula-cell-kept": ("该单元格属于数组公式区域，未覆盖",
                                "this cell is part of an array formula and was not overwritten"),
    "table-header-renamed": ("表格列名重复，已改为 {new}", "duplicate table column name, renamed to {new}"),
    "text-truncated": ("文本超过 32767 个字符，已截断", "text longer than 32767 characters was cut"),
}


def message(code: str, lang: str, **params: Any) -> str:
    zh, en = MESSAGES[code]
    return (zh if lang == "zh" else en).format(**{k: show_value(v) for k, v in params.items()})


def make_issue(code: str, severity: str, sheet: str, cell: str, value: Any, lang: str, **params: Any) -> Issue:
    return Issue(code=code, severity=severity, sheet=sheet, cell=cell, value=value,
                 message=message(code, lang, value=show_value(value), **params))


def show_value(value: Any) -> str:
    """A value as a message shows it: no "None", no "1000.0", no "8.3400" for a plain 8.34."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    return str(value)
