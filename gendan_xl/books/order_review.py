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
from typing import Iterable, Sequence

from gendan_xl import defaults, schema
from gendan_xl.books.accounts import read_accounts
from gendan_xl.books.master import load_master
from gendan_xl.errors import WARNING, Issue, MissingSheetError
from gendan_xl.orders import orders_from_rows
from gendan_xl.pricing import Quote
from gendan_xl.schema import DEFAULT_VOCABULARY, Vocabulary
from gendan_xl.customers import customers_from_rows
from gendan_xl.review import (ACCEPT, CHECKS, CONDITION, CONDITIONS, NOTE, OK, REJECT, REJECTS, LineReview, Review,
                              is_new, products_from_rows, review_orders, text)
from gendan_xl.statement import Period
from gendan_xl.xlsx.read import open_book, read_table
from gendan_xl.xlsx.writer import FONT, HEADER_ROW, fit_row, titled_sheet, write_new_workbook, GeneratedBook

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
                    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
                    sign_off: Sequence[str] = defaults.REVIEW_SIGN_OFF) -> Review:
    """Review the new order lines of the master workbook `path` and write `name.review.xlsx` beside it.

    The lines are those whose 状态 says 新单 / 待评审 / new, or every line of `orders` (a separate
    new-orders workbook) when given. `quotes` is the quote log (`delivery.store.Store(data_dir).quotes()`);
    none means every price is unquoted. `write=False` reviews without writing. The master is only read.
    `sign_off`: the departments that sign the review form, one column each (PMC, 生产, 品质, 财务).
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
    review.source = " + ".join(Path(p).name for p in (path, orders) if p)
    review.sign_off = tuple(sign_off)
    if write:
        review.path = write_review_xlsx(review, Path(out) if out else review_path(path), lang=lang,
                                        inputs=[Path(p) for p in (path, orders) if p])
    return review


_FILLS = {ACCEPT: "#C6EFCE", CONDITIONS: "#FFEB9C", REJECT: "#FFC7CE"}
_LEVEL_FILLS = {CONDITION: "#FFEB9C", REJECTS: "#FFC7CE"}
_LEVEL_RANK = {level: i for i, level in enumerate((OK, NOTE, CONDITION, REJECTS))}
REASON_WIDTH = 70


def findings(line: LineReview, lang: str) -> str:
    """What a line's review found, for the form's one wrapped cell: each check that needs someone on its own
    line, worst first ("价格（条件）：没有 FLX SP-M3 的报价…"), then the checks that passed, by name."""
    colon = "：" if lang == "zh" else ": "
    paren = ("（", "）") if lang == "zh" else (" (", ")")
    checks = [(check, *line.check_summary(check, lang)) for check in CHECKS]
    out = [f"{text(f'check.{check}', lang)}{paren[0]}{text(f'level.{worst}', lang)}{paren[1]}{colon}{messages}"
           for check, worst, messages in sorted(checks, key=lambda c: -_LEVEL_RANK[c[1]]) if worst != OK]
    passed = [text(f"check.{check}", lang) for check, worst, _ in checks if worst == OK]
    if passed:
        out.append(text("level.ok", lang) + colon + ("、" if lang == "zh" else ", ").join(passed))
    return "\n".join(out)


def review_xlsx_bytes(review: Review, lang: str = "zh") -> bytes:
    """The review workbook in memory: the review form (one row per line: the order, the verdict coloured,
    every check's finding in one wrapped cell, a column for each department to sign), and one row per reason
    on a second sheet for filtering. Both say which workbook, which day and how many; both print."""
    book = GeneratedBook()
    base = {"font_name": FONT, "font_size": 10, "valign": "top", "border": 1}
    head = book.add_format({**base, "bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF", "text_wrap": True})
    plain = book.add_format(base)
    wrap = book.add_format({**base, "text_wrap": True})
    small = book.add_format({**base, "font_size": 8, "font_color": "#7F7F7F"})
    date = book.add_format({**base, "num_format": "yyyy-mm-dd"})
    num = book.add_format({**base, "num_format": "#,##0"})
    money = book.add_format({**base, "num_format": "#,##0.00##"})
    fills = {k: book.add_format({**base, "bold": True, "bg_color": v}) for k, v in _FILLS.items()}
    level_fills = {k: book.add_format({**base, "bg_color": v}) for k, v in _LEVEL_FILLS.items()}
    facts = " · ".join(x for x in (review.source, text("facts.day", lang, today=review.today.isoformat()),
                                   review.summary(lang)) if x)

    ws = titled_sheet(book, text("sheet.review", lang), title=text("title.form", lang), facts=facts)
    top = HEADER_ROW
    cols = [("row", 5, plain), ("order_no", 11, plain), ("customer", 10, plain), ("model", 10, plain),
            ("quantity", 8, num), ("unit_price", 8, money), ("currency", 5, plain), ("amount", 11, money),
            ("due", 10.5, date), ("earliest", 10.5, date), ("promise", 10.5, date), ("verdict", 10, None),
            ("merchandiser", 7, plain), ("findings", 52, wrap)]
    headers = [text(f"col.{k}", lang) for k, _, _ in cols] + [text("col.sign_off", lang, department=d)
                                                              for d in review.sign_off]
    ws.write_row(top, 0, headers, head)
    ws.set_row(top, 30)
    for i, (_, width, _) in enumerate(cols):
        ws.set_column(i, i, width)
    ws.set_column(len(cols), len(cols) + max(len(review.sign_off), 1) - 1, 9)
    for r, line in enumerate(review.lines, start=top + 1):
        values = [line.row, line.order_no, line.customer, line.model, line.quantity, line.unit_price, line.currency,
                  line.amount, line.due_date, line.earliest_due_date, line.promise_date, line.label(lang),
                  line.merchandiser, findings(line, lang)]
        for c, ((_, _, fmt), value) in enumerate(zip(cols, values)):
            book.cell(ws, r, c, value, fills[line.verdict] if fmt is None else fmt)
        for c in range(len(cols), len(headers)):
            ws.write_blank(r, c, None, plain)  # the department signs here, with the date
        fit_row(ws, r, [(values[-1], cols[-1][1])], least=32 if review.sign_off else 0)  # room to sign
    ws.freeze_panes(top + 1, 2)
    ws.autofilter(top, 0, top + max(len(review.lines), 1), len(headers) - 1)

    ws2 = titled_sheet(book, text("sheet.reasons", lang), title=text("sheet.reasons", lang), facts=facts)
    keys = ("row", "order_no", "customer", "model", "verdict", "check", "level", "message", "code")
    ws2.write_row(top, 0, [text(f"col.{k}", lang) for k in keys], head)
    for i, width in enumerate((5, 11, 10, 10, 11, 8, 7, REASON_WIDTH, 18)):
        ws2.set_column(i, i, width)
    r = top + 1
    for line in review.lines:
        for reason in line.reasons:
            values = [line.row, line.order_no, line.customer, line.model, line.label(lang),
                      text(f"check.{reason.check}", lang), text(f"level.{reason.level}", lang),
                      reason.message(lang), reason.code]
            formats = [plain] * 6 + [level_fills.get(reason.level, plain), wrap, small]
            for c, (value, fmt) in enumerate(zip(values, formats)):
                book.cell(ws2, r, c, value, fmt)
            fit_row(ws2, r, [(values[7], REASON_WIDTH)])
            r += 1
    ws2.freeze_panes(top + 1, 0)
    ws2.autofilter(top, 0, max(r - 1, top + 1), len(keys) - 1)
    return book.close()


def write_review_xlsx(review: Review, target: str | Path, *, lang: str = "zh", inputs: Iterable[Path] = ()) -> Path:
    """Write the review workbook to `target` (a temporary file, then an atomic rename). Refuses while
    `target` is open in Excel or LibreOffice, and refuses to write over one of the `inputs`."""
    return write_new_workbook(review_xlsx_bytes(review, lang), Path(target), inputs=inputs)
