"""Order review on a whole workbook: read the master, review the new lines, write the review sheet.

`review_workbook(path, today=…, quotes=…)` reads the master workbook (订单, 客户, 产品, 假期 and the ledger
sheets for open balances), reviews the lines whose 状态 says 新单 / 待评审 / new with the pure
`review.review_orders` against `quotes` (the quote log, which the door reads from the store), and writes
the review as a *sidecar* workbook `name.review.xlsx` next to the master (XlsxWriter; the master is only
read).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Iterable


from gendan_xl import defaults, schema
from gendan_xl.books.accounts import read_accounts
from gendan_xl.books.master import load_master
from gendan_xl.errors import WARNING, Issue, MissingSheetError
from gendan_xl.orders import orders_from_rows
from gendan_xl.pricing import Quote
from gendan_xl.schema import DEFAULT_VOCABULARY, Vocabulary
from gendan_xl.customers import customers_from_rows
from gendan_xl.review import (ACCEPT, CHECKS, CONDITION, CONDITIONS, REJECT, REJECTS, Review, is_new,
                              products_from_rows, review_orders, text)
from gendan_xl.statement import Period
from gendan_xl.xlsx.read import open_book, read_table
from gendan_xl.xlsx.writer import GeneratedBook, write_new_workbook

__all__ = ["open_balances", "review_path", "review_workbook", "review_xlsx_bytes", "write_review_xlsx"]


def open_balances(path: str | Path, *, today: dt.date, lang: str = "zh") -> tuple[dict[str, Decimal], list[Issue]]:
    """{customer code: what it owes on `today`} from the master workbook's 期初/出货/退货/收款 sheets.

    The figure is the closing balance of a one-day statement on `today` (so cancelled documents, the opening
    cut-over and currencies are handled as on the customer's statement). A workbook without ledger sheets
    gives no balances and one warning."""
    try:
        acc = read_accounts(path, lang=lang)
    except MissingSheetError:
        return {}, [Issue("no-ledger", WARNING, schema.SHIPMENTS.zh, "", None, text("no-ledger", lang))]
    day = Period(today, today, today.isoformat())
    out = {}
    for code in sorted(set(acc.customers) | set(acc.documents)):
        out[code] = acc.statement(code, day, as_of=today, lang=lang).closing_balance
    return out, []


def review_path(path: str | Path) -> Path:
    """Where the review of `orders.xlsx` goes: `orders.review.xlsx` beside it."""
    p = Path(path)
    return p.with_name(f"{p.stem}.review.xlsx")


def review_workbook(path: str | Path, *, today: dt.date, quotes: Iterable[Quote] = (),
                    orders: str | Path | None = None, out: str | Path | None = None,
                    weekly: str = defaults.WEEKLY, lang: str | None = None, write: bool = True,
                    vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> Review:
    """Review the new order lines of the master workbook `path` and write `name.review.xlsx` beside it.

    The lines are those whose 状态 says 新单 / 待评审 / new, or every line of `orders` (a separate
    new-orders workbook) when given. `quotes` is the quote log (`delivery.store.Store(data_dir).quotes()`);
    none means every price is unquoted. `write=False` reviews without writing. The master is only read.
    """
    path = Path(path)
    master = load_master(path, vocabulary=vocabulary)
    lang = lang or master.orders.lang
    if orders is not None:
        lines = orders_from_rows(read_table(open_book(orders), vocabulary.orders).rows)
    else:
        lines = [o for o in orders_from_rows(master.orders.rows) if is_new(o, vocabulary)]
    calendar, issues = master.calendar_and_issues(weekly=weekly, lang=lang)
    products = products_from_rows(master.products.rows) if master.products is not None else None
    customers = customers_from_rows(master.customers.rows) if master.customers is not None else None
    balances, ledger_issues = open_balances(path, today=today, lang=lang) if lines else ({}, [])
    review = review_orders(lines, today=today, calendar=calendar, products=products, customers=customers,
                           quotes=quotes, open_balances=balances)
    sheet = master.calendar.sheet if master.calendar is not None else schema.CALENDAR.zh
    review.issues = [*master.notes, *issues, *ledger_issues,
                     *calendar.issues_for(review.years, sheet=sheet, lang=lang)]
    if write:
        review.path = write_review_xlsx(review, Path(out) if out else review_path(path), lang=lang,
                                        inputs=[Path(p) for p in (path, orders) if p])
    return review


_FILLS = {ACCEPT: "#C6EFCE", CONDITIONS: "#FFEB9C", REJECT: "#FFC7CE"}
_LEVEL_FILLS = {CONDITION: "#FFEB9C", REJECTS: "#FFC7CE"}


def review_xlsx_bytes(review: Review, lang: str = "zh") -> bytes:
    """The review workbook in memory: one row per line (verdict coloured, one column per check), and one
    row per reason on a second sheet for filtering."""
    book = GeneratedBook()
    base = {"font_name": "Microsoft YaHei", "font_size": 10, "valign": "top", "border": 1}
    head = book.add_format({**base, "bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF", "text_wrap": True})
    plain = book.add_format(base)
    wrap = book.add_format({**base, "text_wrap": True})
    date = book.add_format({**base, "num_format": "yyyy-mm-dd"})
    num = book.add_format({**base, "num_format": "#,##0"})
    money = book.add_format({**base, "num_format": "#,##0.00##"})
    fills = {k: book.add_format({**base, "bold": True, "bg_color": v}) for k, v in _FILLS.items()}
    level_fills = {k: book.add_format({**base, "text_wrap": True, "bg_color": v}) for k, v in _LEVEL_FILLS.items()}

    ws = book.add_worksheet(text("sheet.review", lang))
    cols = [("row", 5, plain), ("order_no", 12, plain), ("customer", 10, plain), ("model", 10, plain),
            ("quantity", 9, num), ("unit_price", 9, money), ("currency", 6, plain), ("amount", 12, money),
            ("due", 11, date), ("earliest", 11, date), ("promise", 11, date), ("verdict", 12, None),
            ("merchandiser", 8, plain)]
    headers = [text(f"col.{k}", lang) for k, _, _ in cols] + [text(f"check.{c}", lang) for c in CHECKS]
    ws.write_row(0, 0, headers, head)
    for i, (_, width, _) in enumerate(cols):
        ws.set_column(i, i, width)
    ws.set_column(len(cols), len(cols) + len(CHECKS) - 1, 36)
    for r, line in enumerate(review.lines, start=1):
        values = [line.row, line.order_no, line.customer, line.model, line.quantity, line.unit_price, line.currency,
                  line.amount, line.due_date, line.earliest_due_date, line.promise_date, line.label(lang),
                  line.merchandiser]
        for c, ((_, _, fmt), value) in enumerate(zip(cols, values)):
            fmt = fills[line.verdict] if fmt is None else fmt
            book.cell(ws, r, c, value, fmt)
        for c, check in enumerate(CHECKS, start=len(cols)):
            worst, messages = line.check_summary(check, lang)
            book.cell(ws, r, c, messages, level_fills.get(worst, wrap))
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(len(review.lines), 1), len(headers) - 1)

    ws2 = book.add_worksheet(text("sheet.reasons", lang))
    keys = ("row", "order_no", "customer", "model", "verdict", "check", "level", "code", "message")
    ws2.write_row(0, 0, [text(f"col.{k}", lang) for k in keys], head)
    for i, width in enumerate((5, 12, 10, 10, 12, 8, 8, 20, 80)):
        ws2.set_column(i, i, width)
    r = 1
    for line in review.lines:
        for reason in line.reasons:
            values = [line.row, line.order_no, line.customer, line.model, line.label(lang),
                      text(f"check.{reason.check}", lang), text(f"level.{reason.level}", lang), reason.code,
                      reason.message(lang)]
            for c, value in enumerate(values):
                book.cell(ws2, r, c, value, level_fills.get(reason.level, plain) if c == 6 else plain)
            r += 1
    ws2.freeze_panes(1, 0)
    ws2.autofilter(0, 0, max(r - 1, 1), len(keys) - 1)
    return book.close()


def write_review_xlsx(review: Review, target: str | Path, *, lang: str = "zh", inputs: Iterable[Path] = ()) -> Path:
    """Write the review workbook to `target` (a temporary file, then an atomic rename). Refuses while
    `target` is open in Excel or LibreOffice, and refuses to write over one of the `inputs`."""
    return write_new_workbook(review_xlsx_bytes(review, lang), Path(target), inputs=inputs)
