"""The customer master (客户 sheet): one `Customer` per code, as the review and the statements read it."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable, Mapping

from gendan_xl.schema import normalize_currency

__all__ = ["Customer", "customers_from_rows"]


@dataclass(frozen=True)
class Customer:
    """One customer of the 客户 sheet. `currency` is normalized ("人民币" → "CNY"); blank fields are ""."""

    code: str
    name: str = ""
    grade: str = ""
    currency: str = ""
    payment_terms: str = ""
    credit_limit: Decimal | None = None
    email: str = ""
    language: str = ""

    @classmethod
    def from_values(cls, v: Mapping[str, Any]) -> "Customer":
        """A customer from one row's typed values (`Row.values`), which must have a code."""
        return cls(str(v["code"]), v.get("name") or "", (v.get("grade") or "").strip(),
                   normalize_currency(v.get("currency")) if v.get("currency") else "",
                   v.get("payment_terms") or "", v.get("credit_limit"), v.get("email") or "", v.get("language") or "")


def customers_from_rows(rows: Iterable[Any]) -> dict[str, Customer]:
    """{code: Customer} from the 客户 sheet's rows (the first row of a code wins)."""
    out: dict[str, Customer] = {}
    for row in rows:
        code = row.values.get("code")
        if code in (None, "") or str(code) in out:
            continue
        out[str(code)] = Customer.from_values(row.values)
    return out
