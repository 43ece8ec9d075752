"""Validation rules: each rule reports exactly (sheet, cell, code), all issues are collected, none raised."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conftest import WORKBOOKS, good_row
from gendan_xl.books.master import validate_workbook

from gendan_xl.books import new_master as build_samples  # the generator knows what it planted

D = dt.date


@pytest.mark.parametrize("overrides, expected", [
    ({"客户": None}, [("订单", "B2", "missing-value")]),
    ({"客户交期": None}, [("订单", "I2", "missing-value")]),
    ({"下单日期": "2026/02/30"}, [("订单", "H2", "bad-date")]),
    ({"数量": "一千"}, [("订单", "D2", "bad-number")]),
    ({"数量": 0, "金额": 0}, [("订单", "D2", "bad-quantity")]),
    ({"数量": -5, "金额": -42.5}, [("订单", "D2", "bad-quantity")]),
    ({"单价": -1, "金额": -1000}, [("订单", "E2", "negative-price")]),
    ({"金额": 8500.01}, []),  # within a cent
    ({"金额": 8500.02}, [("订单", "G2", "amount-mismatch")]),  # beyond it
    ({"金额": 8600}, [("订单", "G2", "amount-mismatch")]),
    # beyond Decimal's 28 digits rounded to the cent (this crashed), and beyond the cents a cell can hold
    ({"数量": 10 ** 14, "单价": 10 ** 13, "金额": 1e27}, []),
    ({"数量": 10 ** 14, "单价": 10 ** 13, "金额": 2e27}, [("订单", "G2", "amount-mismatch")]),
    ({"数量": 10 ** 14, "单价": 8.5, "金额": 8.5e14 + 0.5}, []),  # 15 digits: the half a float cannot tell
    ({"数量": 10 ** 14, "单价": 8.5, "金额": 8.5e14 + 2}, [("订单", "G2", "amount-mismatch")]),
    ({"出货日期": D(2026, 3, 1)}, [("订单", "J2", "ship-before-order")]),
    ({"客户交期": D(2026, 3, 1)}, [("订单", "I2", "due-before-order")]),
    ({"已出货数量": 1001}, [("订单", "K2", "over-shipped")]),
    ({"客户": "NOPE"}, [("订单", "B2", "unknown-customer")]),
    ({"客户": "anker"}, []),  # a customer's name (any case) is as good as its code
    ({"型号": "XX-1"}, [("订单", "C2", "unknown-model")]),
    ({"币种": "RMB"}, []),  # RMB is CNY
    ({"币种": "DOGE"}, [("订单", "F2", "unknown-currency")]),
    ({"状态": "Cancelled"}, []),
    ({"客户交期": D(2062, 4, 20)}, [("订单", "I2", "date-out-of-range")]),
])
def test_each_rule(book, overrides, expected):
    report = validate_workbook(book([good_row(**overrides)]))
    assert report.flat() == expected
    assert report.ok == (not expected)


def order_dates_median(dates):
    """The reference the validation's median is held to: `statistics.median_low` of the known dates."""
    from statistics import median_low

    known = sorted(d for d in dates if d)
    return median_low(known) if known else None

def test_an_unknown_status_word_is_one_warning_with_its_row_count_and_the_fix(book):
    rows = [good_row(订单号=f"SO{i}", 状态="进行中") for i in range(3)] + [good_row(订单号="SO9", 状态="暂停")]
    report = validate_workbook(book(rows))
    assert report.flat() == [("订单", "L2", "unknown-status")] and report.ok  # a warning, once, at its first cell
    assert "（3 行）" in report.issues[0].message
    assert '[statuses] "进行中" = "<阶段>"' in report.issues[0].message


def test_formula_without_a_cached_value_is_a_warning(book):
    report = validate_workbook(book([good_row(金额="=D2*E2")]))  # openpyxl writes no cached value
    assert report.flat() == [("订单", "G2", "no-cached-value")]
    assert report.issues[0].severity == "warning" and report.ok


def test_duplicate_names_both_cells_and_allows_multi_line_orders(book):
    rows = [good_row(), good_row(型号="CH-20W"), good_row()]
    report = validate_workbook(book(rows))
    assert report.flat() == [("订单", "A4", "duplicate-order")]
    assert "订单!A2" in report.issues[0].message


def test_typo_year_in_the_order_date(book):
    rows = [good_row(订单号=f"SO{i}") for i in range(5)] + [
        good_row(订单号="SO9", 下单日期=D(2016, 3, 2), 客户交期=D(2016, 4, 20))]
    assert validate_workbook(book(rows)).flat() == [("订单", "H7", "order-date-out-of-range")]


def test_every_issue_is_collected_in_row_order(book):
    rows = [good_row(订单号="SO1", 客户=None, 数量=0, 金额=0), good_row(订单号="SO2", 型号="XX"),
            good_row(订单号="SO3", 出货日期=D(2026, 1, 1))]
    assert validate_workbook(book(rows)).flat() == [
        ("订单", "B2", "missing-value"), ("订单", "D2", "bad-quantity"), ("订单", "C3", "unknown-model"),
        ("订单", "J4", "ship-before-order")]


def test_missing_master_sheets_are_a_warning_not_a_failure(book):
    report = validate_workbook(book([good_row(客户="WHOEVER")], master=False))
    assert report.flat() == [("订单", "", "no-customer-sheet"), ("订单", "", "no-product-sheet")]
    assert report.ok


def test_messages_follow_the_header_language(book):
    zh = validate_workbook(book([good_row(客户=None)]))
    en = validate_workbook(book([good_row(客户=None)]), lang="en")
    assert str(zh.issues[0]) == "订单!B2: 客户为空，请填写"
    assert str(en.issues[0]) == "订单!B2: Customer is empty; fill it in"


def test_clean_sample_has_no_issues():
    report = validate_workbook(WORKBOOKS / "orders.xlsx")
    assert report.issues == [] and report.rows == 204  # 200 orders and 4 new ones to review


def test_messy_sample_reports_every_planted_problem_and_nothing_else():
    report = validate_workbook(WORKBOOKS / "orders_messy.xlsx")
    assert report.flat() == build_samples.planted_issues()
    assert report.rows == 200  # the totals row and the notes under the table are not orders


def test_samples_are_what_the_generator_builds(tmp_path):
    """The committed samples are rebuilt byte-for-byte in content: same sheets, same values."""
    import python_calamine as pc

    build_samples.build_samples(tmp_path)
    for name in ("orders.xlsx", "orders_messy.xlsx"):
        a, b = pc.CalamineWorkbook.from_path(str(WORKBOOKS / name)), pc.CalamineWorkbook.from_path(
            str(tmp_path / name))
        assert a.sheet_names == b.sheet_names
        for s in a.sheet_names:
            assert a.get_sheet_by_name(s).to_python() == b.get_sheet_by_name(s).to_python(), (name, s)


def test_a_missing_customer_column_is_a_warning_naming_the_checks_skipped(book):
    report = validate_workbook(book([good_row()], headers=["订单号", "型号", "数量", "单价", "下单日期", "客户交期"]))
    assert report.flat() == [("订单", "", "missing-column")] and report.ok
    assert "客户" in report.issues[0].message and "第 1 行" in report.issues[0].message


def test_a_missing_required_column_stops_with_the_headers_found_and_the_fix(book):
    from gendan_xl.errors import MissingColumnsError

    path = book([good_row()], headers=["订单号", "客户", "料品", "数量", "下单日期", "客户交期"])
    with pytest.raises(MissingColumnsError) as err:
        validate_workbook(path)
    text = str(err.value)
    assert "has no 型号 column" in text and "headers found in row 1: 订单号, 客户, 料品, 数量" in text
    assert 'gendan.toml [columns]: model = ["<your header>"]' in text


def test_status_needs_a_due_date_column(book):
    from gendan_xl.errors import MissingColumnsError
    from gendan_xl.books.master import load_master, status_of

    path = book([good_row()], headers=["订单号", "客户", "型号", "数量", "下单日期", "要求出货"])
    with pytest.raises(MissingColumnsError, match=r'has no 客户交期 column .*customer_due_date = \["<your header>"\]'):
        status_of(load_master(path), today=D(2026, 11, 26))


# (quantity, unit price, amount − quantity × price): 0.335 and 1.005 round to the even cent, 0.34 and 1.00
_AMOUNT_EDGES = [(q, Decimal(p), Decimal(sign + off)) for q, p in ((1, "0.335"), (3, "0.335"), (1, "0.345"), (7, "8.5"))
                 for sign in "+-" for off in ("0.0045", "0.005", "0.0055", "0.0099", "0.0105", "0.011")]


def _random_lines(n: int, seed: int) -> tuple[list[int], dict[str, list], dict[str, list], dict[int, dict[str, str]]]:
    """n order lines column by column as the reader gives them (typed values, raw values, errors): most values
    fine, the others wrong or at the edge of a rule — so that a screen that misses a line shows."""
    import random

    rnd = random.Random(seed)

    def pick(fine, *other):  # mostly the first; always in the first lines (_AMOUNT_EDGES)
        return fine if rnd.random() < 0.85 or not other or i < len(_AMOUNT_EDGES) else rnd.choice(other)

    median = D(2026, 3, 1)  # most order dates: the median
    values: dict[str, list] = {f: [] for f in ("order_no", "customer", "model", "currency", "quantity", "unit_price",
                                                "amount", "order_date", "customer_due_date", "factory_due_date",
                                                "material_date", "production_date", "finish_date",
                                                "inspection_date", "ship_date", "shipped_qty", "status")}
    errors: dict[int, dict[str, str]] = {}
    for i in range(n):
        v = values
        v["order_no"].append(pick(f"SO{i}", f"SO{rnd.randint(0, i)}", f"so {rnd.randint(0, 9)}", None))
        v["model"].append(pick("PB-10K", "pb10k", "XX-1", "XX", None, "CH-20W"))
        v["customer"].append(pick("ANK", "anker innovations 安克创新", "NOPE", "NO", None, "Bes"))
        v["currency"].append(pick("USD", "RMB", "DOGE", "BTC", None, "usd"))
        q = pick(1000, 0, -5, None, Decimal("2.5"), 3, 1)
        p = pick(Decimal("8.5"), Decimal("-1"), None, Decimal("0.335"), Decimal("0.3333"), Decimal("12.345"))
        x = (Decimal(q) * p) if q is not None and p is not None else Decimal(100)
        off = pick(Decimal(0), None, *(Decimal(d) for d in ("0.005", "0.0055", "-0.0055", "0.01", "-0.011")),
                   x, Decimal(10) ** 13)
        if i < len(_AMOUNT_EDGES):  # the first lines: only an amount at the edge of a cent, to the rounding
            q, p, off = _AMOUNT_EDGES[i]
            x = Decimal(q) * p
        v["quantity"].append(q)
        v["unit_price"].append(p)
        v["amount"].append(None if off is None else x + off)
        o = pick(median, None, median + dt.timedelta(days=rnd.randint(-400, 400)),
                 *(median + dt.timedelta(days=d) for d in (-733, -732, 732, 733, 737, -2000)))
        v["order_date"].append(o)
        base = o or median
        for f in ("customer_due_date", "factory_due_date", "material_date", "production_date", "finish_date",
                  "inspection_date", "ship_date"):
            v[f].append(pick(base + dt.timedelta(days=30) if f == "customer_due_date" else None,
                             None, base + dt.timedelta(days=rnd.randint(0, 90)),
                             *(base + dt.timedelta(days=d) for d in (-401, -400, -1, 0, 1098, 1099, 1200))))
        v["shipped_qty"].append(pick(None, 0, 1000, 1001, 2, 3, 4))
        v["status"].append(pick("生产中", None, "奇怪"))
        if rnd.random() < 0.03 and i >= len(_AMOUNT_EDGES):
            f = rnd.choice(["order_date", "quantity", "amount", "customer", "customer_due_date"])
            v[f][-1] = None
            errors[i] = {f: rnd.choice(["bad-date", "bad-number", "no-cached-value"])}
    raw = {f: [rnd.choice(["", " ", None]) if x is None else x for x in col] for f, col in values.items()}
    return list(range(2, n + 2)), values, raw, errors


_NUMBER_FIELDS = {"quantity": "int", "unit_price": "number", "amount": "number", "shipped_qty": "int"}


def _as_cells(values: dict[str, list], raw: dict[str, list]) -> None:
    """The number columns of `_random_lines` as a sheet's cells give them: each raw value a float (or None),
    typed as the reader types it (the screens then take the floats from the cells)."""
    from gendan_xl.values import type_value

    for f, kind in _NUMBER_FIELDS.items():
        raw[f] = [None if v is None else float(v) for v in values[f]]
        values[f] = [None if v is None else type_value(v, kind, False, None) for v in raw[f]]


@pytest.mark.parametrize("cells", [False, True], ids=["typed", "cells"])
def test_check_lines_finds_what_check_row_finds_in_each_line(cells):
    """validate --json checks a chunk's lines column by column, the rules' screens picking the lines to check:
    the same issues, in the same order, as every line checked one by one — across chunks (duplicates), with the
    median order date known before (check_lines) or only after the lines (OrderDates); and `validate`'s
    check_orders over the same lines as a table's rows."""
    import dataclasses
    import heapq
    from gendan_xl.books.master import load_master
    from gendan_xl.sheet_data import NOTHING, Row
    from gendan_xl.validate import OrderDates, check_lines, check_orders, check_row, make_context
    from gendan_xl.values import is_blank

    master = load_master(WORKBOOKS / "orders.xlsx")
    table = master.order_table

    def context(median):
        return make_context(table, customers=master.customers, products=master.products, median_order_date=median)

    for seed in range(3):
        rows, values, raw, errors = _random_lines(3000, seed)
        if cells:
            _as_cells(values, raw)
        median = order_dates_median(values["order_date"])
        ctx = context(median)
        lines = [Row(row=r, values={f: col[i] for f, col in values.items()},
                     raw={f: col[i] for f, col in raw.items() if not is_blank(col[i])}, errors=errors.get(i, NOTHING),
                     cols=table.columns) for i, r in enumerate(rows)]
        want = [(row.row, issue) for row in lines for issue in check_row(row, ctx)]
        assert len({i.code for _, i in want}) >= 15, "the lines must break every rule"
        report = check_orders(dataclasses.replace(table, rows=lines), customers=master.customers,
                              products=master.products)
        assert [(int(i.cell[1:]), i) for i in report.issues] == want
        cuts = [0, 1000, 1001, 2500, 3000]  # chunks: a duplicate's first line may be in an earlier one
        known, late = context(median), context(None)
        dates = OrderDates()
        got_known, got_late = [], []
        for a, b in zip(cuts, cuts[1:]):
            part = {f: col[a:b] for f, col in values.items()}
            part_raw = {f: col[a:b] for f, col in raw.items()}
            part_errors = {i - a: e for i, e in errors.items() if a <= i < b}
            got_known += check_lines(rows[a:b], part, part_raw, part_errors, known)
            got_late += check_lines(rows[a:b], part, part_raw, part_errors, late)
            dates.add(rows[a:b], part["order_date"], part_raw["order_date"])
        assert [(r, i) for r, _, i in got_known] == want
        late.median_order_date = dates.median()
        assert late.median_order_date == median
        merged = heapq.merge(got_late, dates.issues(late), key=lambda x: x[:2])
        assert [(r, i) for r, _, i in merged] == want


def test_screens_pick_the_lines_floats_would_hide():
    """The screens compare numbers as floats: lines whose numbers a float cannot tell apart, or cannot hold,
    are still checked by the rules (in Decimal), as when each line is checked one by one."""
    from gendan_xl.books.master import load_master
    from gendan_xl.sheet_data import Row
    from gendan_xl.validate import check_lines, check_row, make_context

    master = load_master(WORKBOOKS / "orders.xlsx")
    table = master.order_table
    big, tiny = 10 ** 17, Decimal("1E-400")
    lines = [  # (quantity, unit price, amount, shipped) and the issue each must give
        ((big, None, None, big + 1), "over-shipped"),  # equal as floats
        ((5000, Decimal(1), Decimal(5000), Decimal("5000.0000000000000001")), "over-shipped"),
        ((1, -tiny, Decimal(0), None), "negative-price"),  # -0.0 as a float
        ((-tiny, Decimal(1), Decimal(0), None), "bad-quantity"),
        ((10 ** 400, None, None, 10 ** 400 + 1), "over-shipped"),  # no float holds them
        ((1000, Decimal("8.5"), Decimal("8500.0049"), 1000), None),
    ]
    fields = ("quantity", "unit_price", "amount", "shipped_qty")
    values = {f: [line[k] for line, _ in lines] for k, f in enumerate(fields)}
    fine = {"customer": "ANK", "model": "PB-10K", "currency": "USD", "order_date": D(2026, 3, 1),
            "customer_due_date": D(2026, 4, 1)}  # (the other rules find nothing)
    values |= {f: [v] * len(lines) for f, v in fine.items()}
    values["order_no"] = [f"SO{i}" for i in range(len(lines))]
    rows = list(range(2, len(lines) + 2))
    ctx = make_context(table, customers=master.customers, products=master.products)
    # each line a run of its own (a number no float holds makes its screen pick its whole run)
    got = [(r, i.code) for k in range(len(rows)) for r, _, i in check_lines(
        rows[k:k + 1], {f: col[k:k + 1] for f, col in values.items()}, values, {}, ctx)]
    assert got == [(r, code) for r, (_, code) in zip(rows, lines) if code]
    one_by_one = make_context(table, customers=master.customers, products=master.products)
    each = [{f: col[k] for f, col in values.items()} for k in range(len(rows))]
    assert [(r, i.code) for r, v in zip(rows, each)
            for i in check_row(Row(row=r, values=v, raw=v, cols=table.columns), one_by_one)] == got


def test_the_median_order_date_is_the_lower_middle_one():
    from gendan_xl.validate import OrderDates

    for days in ([3], [3, 9], [9, 1, 5, 7], [4, 4, 8, 2, 6, 30]):
        dates = OrderDates()
        dates.add(list(range(len(days))), [D(2026, 1, d) for d in days], days)
        want = D(2026, 1, sorted(days)[(len(days) - 1) // 2])
        assert dates.median() == order_dates_median(D(2026, 1, d) for d in days) == want


def test_fold_keys_folds_each_text_as_fold_key():
    """`fold_keys` folds many texts at once, joined: each as `fold_key` folds it alone — full-width letters,
    combining marks and half-width voiced marks at a text's start (which must not join the text before),
    Hangul jamo, every kind of space, punctuation; ASCII (its own quick path), NUL, things other than text."""
    import random
    from gendan_xl.schema import fold_key, fold_keys

    rnd = random.Random(7)
    odd = list("ｶﾞﾟ\u0301\u0308가\u1100\u1161\u11a8ÅﬁßİΣς\u3000\u00a0\u2028\x1c\x1f：. -_*#"
               "\u200b\u200d\u200f\u2060\ufeff\u00ad") + ["Ａ", "Ⅻ", "㍿"]
    ascii_ = [chr(i) for i in range(1, 128)]
    for pool in (ascii_, ascii_ + odd):
        for _ in range(200):
            texts = ["".join(rnd.choice(pool) for _ in range(rnd.randint(0, 5))) for _ in range(30)]
            assert fold_keys(texts) == list(map(fold_key, texts))
    for texts in (["a\x00b", "C"], ["SO-1", None, 7, "Ｘ"], []):
        assert fold_keys(texts) == list(map(fold_key, texts))


def test_status_words_counted_a_column_at_a_time_as_cell_by_cell():
    """A status column's words counted at once (`add_column`): the warnings of each word cell by cell (`add`),
    with its first cell and its count — words of one spelling folded together, blanks and stages' words none."""
    from gendan_xl.cellrefs import cell_ref
    from gendan_xl.schema import DEFAULT_VOCABULARY
    from gendan_xl.validate import StatusWords

    words = [None, "奇怪", "生产中", " ", "Weird", "奇怪", "weird ", 3.0, "WEIRD", None, "生产中", 3.0, "奇怪"]
    rows = list(range(5, 5 + len(words)))
    by_cell, by_column = StatusWords(DEFAULT_VOCABULARY), StatusWords(DEFAULT_VOCABULARY)
    by_cell.add((cell_ref(r, 4), w) for r, w in zip(rows, words))
    by_column.add_column(rows[:4], words[:4], 4)  # two chunks
    by_column.add_column(rows[4:], words[4:], 4)
    assert by_column.found == by_cell.found
    assert [(c, w, n) for c, w, n in by_column.found.values()] == [("E6", "奇怪", 3), ("E9", "Weird", 3),
                                                                  ("E12", 3.0, 2)]
    apart = StatusWords(DEFAULT_VOCABULARY)  # cell by cell, TRUE is another word than 1 (1 and 1.0 are one: "1")
    apart.add([("A1", 1), ("A2", 1.0), ("A3", True), ("A4", "x"), ("A5", "x"), ("A6", 1)])
    assert [(c, w, n) for c, w, n in apart.found.values()] == [("A1", 1, 3), ("A3", True, 1), ("A4", "x", 2)]
    # a status column of numbers and TRUE/FALSE (python-calamine gives floats and bools): 1.0 and True are
    # equal keys, and a column at a time once counted the TRUEs as the 1 above them ("'1' (3 rows)")
    mixed = [1.0, True, True, 0.0, "x", False, 1.0, None]
    rows = list(range(2, 2 + len(mixed)))
    by_cell, by_column = StatusWords(DEFAULT_VOCABULARY), StatusWords(DEFAULT_VOCABULARY)
    by_cell.add((cell_ref(r, 11), w) for r, w in zip(rows, mixed))
    by_column.add_column(rows[:3], [1.0, True, True], 11)  # a chunk of numbers and TRUEs, then a mixed one
    by_column.add_column(rows[3:], mixed[3:], 11)
    assert by_column.found == by_cell.found
    assert [(c, w, n) for c, w, n in by_column.found.values()] == [("L2", 1.0, 2), ("L3", True, 2), ("L5", 0.0, 1),
                                                                  ("L6", "x", 1), ("L7", False, 1)]


def test_a_column_of_stage_numbers_is_mapped_by_the_line_its_warning_suggests(tmp_path):
    """A status column of numbers (1 = in production, say): the warning says [statuses] "1" = "<stage>", and that
    line is what maps it (the number came in as 1.0, folded to "10", and the suggested line matched nothing)."""
    from conftest import write_book
    from gendan_xl.schema import Vocabulary

    path = write_book(tmp_path / "numbers.xlsx", [good_row(订单号="SO1", 状态=1), good_row(订单号="SO2", 状态=2),
                                                  good_row(订单号="SO3", 状态=1)])
    unknown = [i for i in validate_workbook(path, lang="en").issues if i.code == "unknown-status"]
    assert [(i.cell, i.value) for i in unknown] == [("L2", 1), ("L3", 2)]
    assert '[statuses] "1" = "<stage>"' in unknown[0].message and "(2 rows)" in unknown[0].message
    mapped = Vocabulary.of(None, {"1": "in_production"})
    unknown = [i for i in validate_workbook(path, vocabulary=mapped).issues if i.code == "unknown-status"]
    assert [(i.cell, i.value) for i in unknown] == [("L3", 2)]
    assert [mapped.stage_of(w) for w in (1.0, 1, "1", " 1 ", 1.5, 10)] == ["in_production"] * 4 + [None, None]


def test_a_true_is_not_taken_for_the_number_one_before_it():
    """[statuses] maps the word TRUE (a tick box column, say): a 1 looked up first must not answer for TRUE, nor a
    TRUE for 1 (Vocabulary.stage_of remembers each word it looked up, and 1 == 1.0 == True as dict keys)."""
    from gendan_xl.schema import Vocabulary

    vocabulary = Vocabulary.of(None, {"TRUE": "shipped"})
    assert [vocabulary.stage_of(w) for w in (1.0, True, 1, "true", True, 1.0)] == [None, "shipped", None, "shipped",
                                                                                   "shipped", None]
