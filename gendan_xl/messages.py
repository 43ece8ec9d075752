"""Every issue message, in Chinese and English: the one table of them.

Templates use `str.format` fields: {column} (the column's title in the message language), {value}, and
rule-specific ones. A message says what is wrong and what to do.
"""
from __future__ import annotations

from typing import Any

from .errors import Issue

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
    "unknown-status": ("状态“{value}”不是已知状态（{allowed}），请从下拉列表选择",
                       "status '{value}' is not a known status ({allowed}); pick one from the dropdown"),
    "date-out-of-range": ("{column} {value} 与下单日期 {order_date} 相差太远，年份是否写错？",
                          "{column} {value} is far from the order date {order_date}; is the year a typo?"),
    "order-date-out-of-range": ("下单日期 {value} 与本表其他订单相差两年以上，年份是否写错？",
                                "order date {value} is over two years from the other orders; is the year a typo?"),
    "no-customer-sheet": ("工作簿中没有“客户”表，无法核对客户", "the workbook has no Customers sheet; customers are not checked"),
    "no-product-sheet": ("工作簿中没有“产品”表，无法核对型号", "the workbook has no Products sheet; models are not checked"),
}


def message(code: str, lang: str, **params: Any) -> str:
    zh, en = MESSAGES[code]
    return (zh if lang == "zh" else en).format(**params)


def make_issue(code: str, severity: str, sheet: str, cell: str, value: Any, lang: str, **params: Any) -> Issue:
    return Issue(code=code, severity=severity, sheet=sheet, cell=cell, value=value,
                 message=message(code, lang, value=_show(value), **params))


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
