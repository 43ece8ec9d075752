"""pandas in and out: the orders as a typed DataFrame that keeps its cells, results as DataFrames, and a
DataFrame into the status — tested both ways."""
from __future__ import annotations

import datetime as dt

import pytest

pd = pytest.importorskip("pandas")

from conftest import WORKBOOKS  # noqa: E402
from gendan_xl import cell_of, orders_from_frame, read_orders  # noqa: E402
from gendan_xl.books.master import load_master, status_of  # noqa: E402
from gendan_xl.status import compute_status, products_from_rows  # noqa: E402
from gendan_xl.workdays import WorkCalendar  # noqa: E402

TODAY = dt.date(2026, 11, 26)


def test_read_orders_types_the_columns_and_keeps_the_cells():
    df = read_orders(WORKBOOKS / "orders.xlsx")
    assert len(df) == 204 and df.index.name == "row" and df.index[0] == 4  # header on row 3
    assert str(df["customer_due_date"].dtype).startswith("datetime64")
    assert str(df["quantity"].dtype) == "Int64" and str(df["unit_price"].dtype) == "Float64"
    first = df.iloc[0]
    assert (first["order_no"], first["quantity"], first["customer_due_date"]) == ("SO260001", 5000,
                                                                                  pd.Timestamp("2026-02-20"))
    assert pd.isna(df.loc[4, "factory_due_date"])  # blank stays missing, not 0 or ""
    assert cell_of(df, 4, "customer_due_date") == "订单!K4" and cell_of(df, 4, "open_qty") == ""


def test_the_status_takes_a_frame_and_gives_the_same_answers_as_the_workbook():
    master = load_master(WORKBOOKS / "orders.xlsx")
    from_book = status_of(master, today=TODAY).result
    products = products_from_rows(master.products.rows)
    calendar = master.calendar_and_issues()[0]
    from_frame = compute_status(read_orders(WORKBOOKS / "orders.xlsx"), products, calendar, TODAY)
    assert [(x.row, x.status, x.reason()) for x in from_frame.lines] == \
           [(x.row, x.status, x.reason()) for x in from_book.lines]
    frame = from_frame.to_frame()
    assert frame.loc[4, "status"] == from_book.lines[0].status and "milestones" not in frame.columns


def test_a_frame_a_user_built_with_missing_dates_goes_in_without_a_crash():
    """The reported failure: passing a DataFrame failed with "NaTType does not support toordinal"."""
    df = pd.DataFrame({"order_no": ["A", "B"], "model": ["X", None], "quantity": [100, None],
                       "customer_due_date": [pd.Timestamp("2026-11-20"), pd.NaT],
                       "ship_date": [pd.NaT, pd.NaT]})
    orders = orders_from_frame(df)
    assert (orders[0].row, orders[1].row) == (2, 3)  # a plain index: rows as if under a header on row 1
    assert orders[1].customer_due_date is None and orders[1].quantity is None and orders[1].model is None
    result = compute_status(df, {}, WorkCalendar(), TODAY)
    assert [x.status for x in result.lines] == ["overdue", "unknown"]


def test_statement_and_allocation_results_as_frames():
    from gendan_xl.books.accounts import statements_from_workbook
    from gendan_xl.books.allocation import allocate_workbook

    st = statements_from_workbook(WORKBOOKS / "orders.xlsx", "2026-10")[0]
    frame = st.to_frame()
    assert len(frame) == len(st.lines) and "balance" in frame.columns
    alloc = allocate_workbook(WORKBOOKS / "orders.xlsx", WORKBOOKS / "stock.xlsx", write=False)
    frame = alloc.to_frame()
    assert list(frame.index) == [x.row for x in alloc.lines] and "allocated" in frame.columns
