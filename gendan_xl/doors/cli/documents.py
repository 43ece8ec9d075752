"""Commands that make documents: quote, statement, reconcile, review, allocate."""
from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from gendan_xl.doors.cli.base import (EXIT_ISSUES, EXIT_OK, add_send_options, command, note, output_dir,
                                      output_file, parse_day, print_result, send_mails, settings_for,
                                      split_result)

def _quote_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("request", type=Path, help="the quote request workbook (报价申请)")
    p.add_argument("--out", type=Path, help="folder for Q{yyyy}{seq}-{customer}.xlsx (default: [paths] out_dir)")
    p.add_argument("--pdf", action="store_true", help="also a PDF (needs LibreOffice)")
    p.add_argument("--today", type=parse_day, help="the quote date (default: today)")
    p.add_argument("--json", action="store_true", help="print the prices as JSON")


@command("quote", "Price a quote request (VAT rebate, incoterms, tiers) and fill the bilingual quotation.",
         "gendan-xl quote workbooks/quote_request.xlsx --pdf", _quote_setup, wraps="make_quote")
def cmd_quote(args: argparse.Namespace) -> int:
    from gendan_xl.books.quotes import make_quote
    from gendan_xl.delivery.store import Store

    settings = settings_for(args, args.request)
    output_dir(args.out, args.request)
    with Store(settings.data_dir) as store:
        result = make_quote(args.request, out=args.out or settings.out_dir / "quotes", quote_log=store,
                            today=args.today or dt.date.today(), pdf=args.pdf, company=settings.company,
                            unit_places=settings.unit_places, amount_places=settings.amount_places,
                            rates_max_age_days=settings.rates_max_age_days)
    if args.json:
        doc, ok, written, issues = split_result(result.to_dict(), "path", "pdf")
        doc.pop("request", None)  # the input: in "paths"
        print_result(args, doc, ok=ok, written=written, issues=issues)
    else:
        print(result.to_text())
    return EXIT_OK if result.ok else EXIT_ISSUES


def _statement_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("workbook", type=Path, help="master workbook with 出货 / 退货 / 收款 / 期初 / 客户 sheets")
    p.add_argument("--customer", help="customer code or name (default: every customer with activity or a balance)")
    p.add_argument("--period", required=True, help="2026-06, 2026年6月, 2026-Q2 or 2026-04-01..2026-06-30")
    p.add_argument("--as-of", type=parse_day, help="the day balances and ageing are counted to (default: period end)")
    p.add_argument("--today", type=parse_day, help="the day the statements are made, their 制表日期 (default: today)")
    p.add_argument("--basis", choices=("invoice", "due"), default="invoice",
                   help="age by invoice date or by due date from the payment terms (invoice)")
    p.add_argument("--out", type=Path, help="write one filled statement .xlsx per customer into this folder")
    p.add_argument("--pdf", action="store_true", help="with --out, also a PDF of each (needs LibreOffice; "
                   "--send attaches the PDF whenever LibreOffice is installed)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the text output (zh)")
    p.add_argument("--json", action="store_true", help="print the statement(s) as JSON")
    add_send_options(p)


@command("statement", "Statements of account (对账单): balances, documents, open items and ageing.",
         "gendan-xl statement workbooks/orders.xlsx --period 2026-06 --out build/statements --pdf", _statement_setup, wraps="statements_from_workbook")
def cmd_statement(args: argparse.Namespace) -> int:
    from gendan_xl.books.accounts import statements_from_workbook, write_statement

    settings = settings_for(args, args.workbook)
    output_dir(args.out, args.workbook)
    statements = statements_from_workbook(args.workbook, args.period, customer=args.customer, as_of=args.as_of,
                                          basis=args.basis, lang=args.lang)
    today = args.today or dt.date.today()  # the 制表日期, whether the statements are written or sent
    if args.send or args.dry_run:
        from gendan_xl.doors.wiring import statement_mails
        from gendan_xl.statement import Period

        # "2026年10月" and "2026-10" are one period: the key the statements job sends October's under
        period = Period.parse(args.period).label
        mails, no_email = statement_mails(settings, args.workbook, period, today=today,
                                          out_dir=args.out or settings.out_dir / "statements" / period,
                                          statements=statements)
        for code in no_email:
            note(f"warning: no e-mail for customer {code} in the 客户 sheet; statement not sent")
        return send_mails(settings, mails, job="statements", period=period, args=args, as_json=args.json)
    written = []
    if args.out:
        for st in statements:
            path = write_statement(st, args.out, company=settings.company, issued=today, pdf=args.pdf)
            written += [path, path.with_suffix(".pdf")] if args.pdf else [path]  # the PDF is made beside it
            if not args.json:
                note(f"wrote {path}")
    errors = any(i.severity == "error" for st in statements for i in st.issues)
    if args.json:  # always a list, one statement per customer, each with its own findings
        docs = [{k: v for k, v in st.to_dict().items() if k != "issues"} for st in statements]  # issues: top level
        print_result(args, {"statements": docs}, ok=not errors, written=written,
                     issues=[i for st in statements for i in st.issues])
    else:
        print("\n\n".join(st.to_text() for st in statements))
    return EXIT_ISSUES if errors else EXIT_OK


def _reconcile_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ours", type=Path, required=True, help="our master workbook, or a statement .xlsx we wrote")
    p.add_argument("--theirs", type=Path, required=True, help="the customer's statement or a bank export (xlsx, csv)")
    p.add_argument("--customer", help="which customer, when our workbook holds several")
    p.add_argument("--period", help="the period (default: the month of their last date)")
    p.add_argument("--as-of", type=parse_day, help="count to this day (default: period end)")
    p.add_argument("--sheet", help="the sheet of their file to read")
    p.add_argument("--bank", action="store_true", help="their file is a bank receipts export")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the explanations (zh)")
    p.add_argument("--json", action="store_true", help="print the reconciliation as JSON")


@command("reconcile", "Match the customer's statement (or a bank export) to ours and explain each difference.",
         "gendan-xl reconcile --ours workbooks/orders.xlsx --customer ANK --theirs their-statement.xlsx",
         _reconcile_setup, wraps="reconcile_files")
def cmd_reconcile(args: argparse.Namespace) -> int:
    from gendan_xl.books.reconciliation import reconcile_files

    rec = reconcile_files(args.ours, args.theirs, customer=args.customer, period=args.period, as_of=args.as_of,
                          sheet=args.sheet, bank=args.bank, lang=args.lang)
    agree = all(item.category == "matched" for item in rec.items)
    if args.json:
        doc, _, _, issues = split_result(rec.to_dict())
        print_result(args, doc, ok=agree, issues=issues)
    else:
        print(rec.to_text())
    # 0 only when the two sides agree item for item; explained differences still need someone to act
    return EXIT_OK if agree else EXIT_ISSUES


def _review_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("workbook", type=Path, help="master workbook; lines whose 状态 is 新单 / 待评审 / new are reviewed")
    p.add_argument("--orders", type=Path, help="review every line of this separate new-orders workbook instead")
    p.add_argument("--today", type=parse_day, help="the review day (default: today)")
    p.add_argument("--data-dir", type=Path, help="where the quote log is (default: [paths] data_dir)")
    p.add_argument("--out", type=Path, help="the review workbook (default: <name>.review.xlsx beside it)")
    p.add_argument("--lang", choices=("zh", "en"), help="language of reasons (default: gendan.toml)")
    p.add_argument("--json", action="store_true", help="print every verdict and reason as JSON")
    add_send_options(p)


@command("review", "Order review (订单评审): delivery, price vs quote, credit, terms and MOQ for each new order.",
         "gendan-xl review workbooks/orders.xlsx --today 2026-11-26", _review_setup, wraps="review_workbook")
def cmd_review(args: argparse.Namespace) -> int:
    from gendan_xl.books.order_review import review_workbook
    from gendan_xl.delivery.notices import review_mails
    from gendan_xl.delivery.store import Store

    settings = settings_for(args, args.workbook)
    lang = args.lang or settings.lang
    today = args.today or dt.date.today()
    with Store(args.data_dir or settings.data_dir) as store:
        quotes = store.quotes()
    result = review_workbook(args.workbook, today=today, quotes=quotes, orders=args.orders,
                             out=output_file(args.out, args.workbook, args.orders), weekly=settings.weekly, lang=lang,
                             vocabulary=settings.vocabulary, sign_off=settings.review_sign_off)
    if args.send or args.dry_run:
        mails, no_email = review_mails(result, emails=settings.merchandisers, lang=lang)
        for name in no_email:
            note(f"warning: no e-mail for {name} in gendan.toml [mail.merchandisers]")
        return send_mails(settings, mails, job="review", period=today.isoformat(), args=args, as_json=args.json)
    if args.json:
        doc, ok, written, issues = split_result(result.to_dict(lang), "path")
        print_result(args, doc, ok=ok, written=written, issues=issues)
    else:
        print(result.to_text(lang))
    return EXIT_OK if result.ok else EXIT_ISSUES


def _allocate_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("workbook", type=Path, help="master workbook with the open order lines")
    p.add_argument("--stock", type=Path, required=True, help="stock workbook: model and available quantity")
    p.add_argument("--skip", default="", help="stages not to supply, comma separated (e.g. on_hold,new)")
    p.add_argument("--out", type=Path, help="the allocation workbook (default: <name>.allocation.xlsx)")
    p.add_argument("--lang", choices=("zh", "en"), help="language of the text (default: gendan.toml)")
    p.add_argument("--json", action="store_true", help="print the allocation as JSON")


@command("allocate", "Allocate short stock to open orders: grade A before B before C, then due date, order date.",
         "gendan-xl allocate workbooks/orders.xlsx --stock workbooks/stock.xlsx", _allocate_setup, wraps="allocate_workbook")
def cmd_allocate(args: argparse.Namespace) -> int:
    from gendan_xl.books.allocation import allocate_workbook

    settings = settings_for(args, args.workbook)
    lang = args.lang or settings.lang
    skip = tuple(s.strip() for s in args.skip.split(",") if s.strip())
    out = output_file(args.out, args.workbook, args.stock)
    result = allocate_workbook(args.workbook, args.stock, out=out, skip=("cancelled", *skip), lang=lang,
                               vocabulary=settings.vocabulary, today=dt.date.today())
    if args.json:
        doc, ok, written, issues = split_result(result.to_dict(), "path")
        print_result(args, doc, ok=ok, written=written, issues=issues)
    else:
        print(result.to_text(lang))
    return EXIT_OK if result.ok else EXIT_ISSUES
