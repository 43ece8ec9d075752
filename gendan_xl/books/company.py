"""Who a customer document is from: the one company block that quotes and statements print.

It comes from gendan.toml's `[company]` (the door reads it and passes it as a mapping of the keys below),
so a customer sees one identity on every document. `company_block` fills in every key and refuses an
empty block: a quote or a statement without the sender's name goes to nobody.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from gendan_xl.errors import CompanyError

__all__ = ["COMPANY_KEYS", "BANK_KEYS", "company_block", "bank_lines"]

# The keys of [company] in gendan.toml, in the order a letterhead prints them.
COMPANY_KEYS = ("name", "name_en", "address", "tel", "email", "contact", "contact_en", "logo")
# The bank block (汇款资料) customers pay into; printed with the LABELS below, the empty ones left out.
BANK_KEYS = ("bank_name", "bank_account_name", "bank_account_no", "swift", "bank_address")
LABELS = {  # the printed labels of the letterhead's contact line and of the bank block: one table, zh and en
    "tel": "电话 Tel",
    "email": "邮箱 Email",
    "bank_name": "开户银行 Bank",
    "bank_account_name": "账户名称 Account Name",
    "bank_account_no": "银行账号 Account No.",
    "swift": "SWIFT Code",
    "bank_address": "银行地址 Bank Address",
}


def company_block(company: Mapping[str, Any] | None, *, document: str) -> dict[str, Any]:
    """Every key of COMPANY_KEYS and BANK_KEYS as text ("" when not set), plus `bank` (the printed lines).

    Raises CompanyError naming the setting when there is no company name: `document` (the file about to be
    written) would reach a customer with a blank sender.
    """
    given = dict(company or {})
    block: dict[str, Any] = {key: str(given.get(key) or "").strip() for key in (*COMPANY_KEYS, *BANK_KEYS)}
    if not block["name"] and not block["name_en"]:
        raise CompanyError.said("no-company", document=document)
    if block["logo"] and not Path(block["logo"]).is_file():
        raise CompanyError.said("no-logo", document=document, logo=block["logo"])
    block["contact_line"] = "    ".join(_labelled(block, ("tel", "email")))
    block["bank"] = bank_lines(block)
    return block


def bank_lines(block: Mapping[str, str]) -> list[str]:
    """'开户银行 Bank: 中国银行…' for each bank key that is set, in BANK_KEYS order."""
    return _labelled(block, BANK_KEYS)


def _labelled(block: Mapping[str, str], keys: tuple[str, ...]) -> list[str]:
    return [f"{LABELS[key]}: {block[key]}" for key in keys if block.get(key)]
