"""Commands that make documents: quote, statement, reconcile, review, allocate."""
from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from gendan_xl.doors.cli.base import (EXIT_ISSUES, EXIT_OK, add_lang, add_send_options, command, note, output_dir,
                                      output_file, parse_day, print_result, send_mails, settings_for,
                                      run_lang, said, split_result, warn)

def _quote_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("request", type=Path)
    p.add_argument("--out", type=Path)
    p.add_argument("--pdf", action="store_true")
    p.add_argument("--today", type=parse_day)


@command("quote",
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
        print(result.to_text(run_lang(args, settings)))
    return EXIT_OK if result.ok else EXIT_ISSUES


def _statement_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("workbook", type=Path)
    p.add_argument("--customer")
    p.add_argument("--period", required=True)
    p.add_argument("--as-of", type=parse_day)
    p.add_argument("--today", type=parse_day)
    p.add_argument("--basis", choices=("invoice", "due"), default="invoice")
    p.add_argument("--out", type=Path)
    p.add_argument("--pdf", action="store_true")
    add_lang(p)
    add_send_options(p)


@command("statement",
         "gendan-xl statement workbooks/orders.xlsx --period 2026-06 --out build/statements --pdf", _statement_setup, wraps="statements_from_workbook")
def cmd_statement(args: argparse.Namespace) -> int:
    from gendan_xl.books.accounts import statements_from_workbook, write_statement

    settings = settings_for(args, args.workbook)
    output_dir(args.out, args.workbook)
    statements = statements_from_workbook(args.workbook, args.period, customer=args.customer, as_of=args.as_of,
                                          basis=args.basis, lang=run_lang(args, settings))
    today = args.today or dt.date.today()  # the 制表日期, whether the statements are written or sent
    if args.send or args.dry_run:
        from gendan_xl.doors.wiring import statement_mails
        from gendan_xl.statement import Period

        # "2026年10月" and "2026-10" are one period: the key the statements job sends October's under
        period = Period.parse(args.period).label
        mails, no_email = statement_mails(settings, args.workbook, period, today=today,
                                          out_dir=args.out or settings.out_dir / "statements" / period,
                                          statements=statements, dry_run=args.dry_run)
        for code in no_email:
            warn("note.no_email_customer", run_lang(args, settings), code=code)
        return send_mails(settings, mails, job="statements", period=period, args=args, as_json=args.json)
    written: list[Path] = []
    if args.out:
        written = [write_statement(st, args.out, company=settings.company, issued=today) for st in statements]
        if args.pdf and written:  # one LibreOffice start for all of them, as the statements job does
            from gendan_xl.xlsx.template import to_pdfs

            written += to_pdfs(written, args.out)
        if not args.json:
            for path in written:
                note(said("note.wrote", run_lang(args, settings), path=path))
    errors = any(i.severity == "error" for st in statements for i in st.issues)
    if args.json:  # always a list, one statement per customer, each with its own findings
        docs = [{k: v for k, v in st.to_dict().items() if k != "issues"} for st in statements]  # issues: top level
        print_result(args, {"statements": docs}, ok=not errors, written=written,
                     issues=[i for st in statements for i in st.issues])
    else:
        print("\n\n".join(st.to_text() for st in statements))
    return EXIT_ISSUES if errors else EXIT_OK


def _reconcile_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ours", type=Path, required=True)
    p.add_argument("--theirs", type=Path, required=True)
    p.add_argument("--customer")
    p.add_argument("--period")
    p.add_argument("--as-of", type=parse_day)
    p.add_argument("--sheet")
    p.add_argument("--bank", action="store_true")
    add_lang(p)


@command("reconcile",
         "gendan-xl reconcile --ours workbooks/orders.xlsx --customer ANK --theirs their-statement.xlsx",
         _reconcile_setup, wraps="reconcile_files")
def cmd_reconcile(args: argparse.Namespace) -> int:
    from gendan_xl.books.reconciliation import reconcile_files

    rec = reconcile_files(args.ours, args.theirs, customer=args.customer, period=args.period, as_of=args.as_of,
                          sheet=args.sheet, bank=args.bank, lang=run_lang(args, settings_for(args, args.ours)))
    agree = all(item.category == "matched" for item in rec.items)
    if args.json:
        doc, _, _, issues = split_result(rec.to_dict())
        print_result(args, doc, ok=agree, issues=issues)
    else:
        print(rec.to_text())
    # 0 only when the two sides agree item for item; explained differences still need someone to act
    return EXIT_OK if agree else EXIT_ISSUES


def _review_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("workbook", type=Path)
    p.add_argument("--orders", type=Path)
    p.add_argument("--today", type=parse_day)
    p.add_argument("--data-dir", type=Path)
    p.add_argument("--out", type=Path)
    add_lang(p)
    add_send_options(p)


@command("review",
         "gendan-xl review workbooks/orders.xlsx --today 2026-11-26", _review_setup, wraps="review_workbook")
def cmd_review(args: argparse.Namespace) -> int:
    from gendan_xl.books.order_review import review_workbook
    from gendan_xl.delivery.notices import review_mails
    from gendan_xl.delivery.store import Store

    settings = settings_for(args, args.workbook)
    lang = run_lang(args, settings)
    today = args.today or dt.date.today()
    with Store(args.data_dir or settings.data_dir) as store:
        quotes = store.quotes()
    result = review_workbook(args.workbook, today=today, quotes=quotes, orders=args.orders,
                             out=output_file(args.out, args.workbook, args.orders), weekly=settings.weekly, lang=lang,
                             vocabulary=settings.vocabulary, sign_off=settings.review_sign_off)
    if args.send or args.dry_run:
        mails, no_email = review_mails(result, emails=settings.merchandisers, lang=lang)
        for name in no_email:
            warn("note.no_email_reviewer", lang, name=name)
        return send_mails(settings, mails, job="review", period=today.isoformat(), args=args, as_json=args.json)
    if args.json:
        doc, ok, written, issues = split_result(result.to_dict(lang), "path")
        print_result(args, doc, ok=ok, written=written, issues=issues)
    else:
        print(result.to_text(lang))
    return EXIT_OK if result.ok else EXIT_ISSUES


def _allocate_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("workbook", type=Path)
    p.add_argument("--stock", type=Path, required=True)
    p.add_argument("--skip", default="")
    p.add_argument("--out", type=Path)
    add_lang(p)


@command("allocate",
         "gendan-xl allocate workbooks/orders.xlsx --stock workbooks/stock.xlsx", _allocate_setup, wraps="allocate_workbook")
def cmd_allocate(args: argparse.Namespace) -> int:
    from gendan_xl.books.allocation import allocate_workbook

    settings = settings_for(args, args.workbook)
    lang = run_lang(args, settings)
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
