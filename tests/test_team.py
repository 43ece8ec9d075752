"""The team's workbooks: found by paths and globs, each line keeping its file and cell, read only when changed."""
from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from conftest import HEADERS, good_row, write_book

from gendan_xl.books.team import (Cached, fingerprint, is_workbook_name, owner_of, team_status, workbook_paths,
                                  workbook_status)
from gendan_xl.snapshots import diff_snapshots

D = dt.date
TEAM_HEADERS = HEADERS + ["跟单员"]
TODAY = D(2026, 4, 1)


def team_book(path: Path, merchandiser: str | None, rows=None) -> Path:
    rows = rows or [good_row(订单号=f"SO{i}", 客户交期=D(2026, 4, 6 + i), 跟单员=merchandiser) for i in range(3)]
    return write_book(path, rows, headers=TEAM_HEADERS)


def test_paths_and_globs_with_chinese_names_spaces_and_the_files_beside_a_workbook(tmp_path):
    share = tmp_path / "共享 盘" / "订单"
    share.mkdir(parents=True)
    for name in ("张丽 订单.xlsx", "王芳-订单.xlsm", "~$张丽 订单.xlsx", ".~lock.王芳-订单.xlsm#", "张丽 订单.status.xlsx",
                 ".张丽 订单.xlsx.1a2b3c4d.gendan-tmp", "说明.docx"):
        (share / name).write_bytes(b"x")
    (share / ".gendan-backup").mkdir()
    (share / ".gendan-backup" / "张丽 订单.20261126-083000.xlsx").write_bytes(b"x")
    found = workbook_paths(["共享 盘/订单/*", "共享 盘/订单/张丽 订单.xlsx", "共享 盘/**/*.xlsx", "不在/李娜.xlsx"], tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "共享 盘/订单/张丽 订单.xlsx", "共享 盘/订单/王芳-订单.xlsm", "不在/李娜.xlsx"]  # a missing path is kept
    assert not is_workbook_name("a/.gendan-backup/x.xlsx") and is_workbook_name("a/x.XLSX")


def test_owner_by_file_name_path_or_glob(tmp_path):
    owners = {"张丽*.xlsx": "张丽", "共享/王芳.xlsx": "王芳", str(tmp_path / "abs" / "*.xlsx"): "李娜"}
    assert owner_of(tmp_path / "张丽 订单.xlsx", owners, tmp_path) == "张丽"
    assert owner_of(tmp_path / "共享" / "王芳.xlsx", owners, tmp_path) == "王芳"
    assert owner_of(tmp_path / "abs" / "x.xlsx", owners, tmp_path) == "李娜"
    assert owner_of(tmp_path / "other.xlsx", owners, tmp_path) == ""


def test_each_workbook_on_its_own_and_an_unreadable_one_is_one_line(tmp_path):
    a = team_book(tmp_path / "张丽.xlsx", "张丽")
    b = team_book(tmp_path / "no merchandiser.xlsx", None)
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    missing = tmp_path / "gone.xlsx"
    team = team_status([a, b, bad, missing], today=TODAY, owners={b: "王芳"})
    assert [wb.ok for wb in team.workbooks] == [True, True, False, False]
    assert "坏文件.xlsx" in team.workbooks[2].error and "gone.xlsx" in team.workbooks[3].error
    assert [wb.path.name for wb in team.unreadable] == ["坏文件.xlsx", "gone.xlsx"]
    # the line without a 跟单员 belongs to the file's owner; each line keeps its file and cell
    assert {line.merchandiser for line in team.workbooks[1].lines} == {"王芳"}
    wb = team.workbooks[0]
    assert [wb.cell(line) for line in wb.lines] == ["订单!A2", "订单!A3", "订单!A4"]
    doc = team.to_dict("en")
    assert doc["workbooks"][0]["lines"][0]["file"] == str(a) and doc["workbooks"][0]["lines"][0]["cell"] == "订单!A2"
    assert team.counts["at_risk"] + team.counts["overdue"] + team.counts["on_track"] + team.counts["unknown"] == 6


def test_an_unchanged_workbook_is_not_read_again(tmp_path):
    path = team_book(tmp_path / "张丽.xlsx", "张丽")
    first = workbook_status(path, today=TODAY)
    record = Cached.decode(first.cached.encode())
    # Same size and time: not opened at all. Proof: the content is replaced by junk of the same size and the
    # old time put back — a read would fail, the record answers.
    st = path.stat()
    data = path.read_bytes()
    path.write_bytes(b"\0" * len(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    again = workbook_status(path, previous=record, today=TODAY)
    assert again.ok and not again.reread
    assert [(x.row, x.status, x.reason("zh")) for x in again.lines] == [(x.row, x.status, x.reason("zh")) for x in first.lines]
    # Touched (a new time) but the same content: hashed, found the same, still not read.
    path.write_bytes(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    touched = workbook_status(path, previous=record, today=TODAY)
    assert not touched.reread and touched.fingerprint.digest == record.fingerprint.digest


def test_the_record_judges_open_lines_again_on_a_later_day_as_a_read_would(tmp_path):
    rows = [good_row(订单号="SO1", 客户交期=D(2026, 4, 3), 跟单员="张丽"),
            good_row(订单号="SO2", 客户交期=D(2026, 3, 20), 出货日期=D(2026, 3, 19), 已出货数量=1000, 状态="已出货", 跟单员="张丽"),
            good_row(订单号="SO3", 客户交期=D(2026, 5, 20), 出货日期=D(2026, 4, 10), 状态=None,
                     跟单员="张丽")]  # a planned ETD, shipped by its date when it comes
    path = team_book(tmp_path / "张丽.xlsx", "张丽", rows)
    first = workbook_status(path, today=TODAY)
    record = first.cached
    assert record.rows == [2, 4]  # only the open lines' inputs are kept
    assert first.statuses == [x.status for x in first.lines] == ["at_risk", "on_track"]  # the record's lines
    later = D(2026, 4, 15)
    cached = workbook_status(path, previous=record, today=later)
    read = workbook_status(path, today=later)
    assert not cached.reread and read.reread
    assert cached.counts == read.counts  # SO1 turned overdue, SO3 shipped when its date came
    assert [(x.row, x.status) for x in cached.lines] == [(x.row, x.status) for x in read.lines] == [(2, "overdue")]
    assert cached.statuses == ["overdue", "shipped_on_time"]  # still the record's two lines, as the store keeps them
    assert {s.key: s for s in cached.snapshots}.items() <= {s.key: s for s in read.snapshots}.items()
    # an earlier day than the read reads the file again: a closed line might have been open then
    assert workbook_status(path, previous=record, today=D(2026, 3, 1)).reread


def test_a_moved_due_date_shows_with_its_working_day_shift(tmp_path):
    path = team_book(tmp_path / "张丽.xlsx", "张丽")
    before = workbook_status(path, today=TODAY)
    rows = [good_row(订单号=f"SO{i}", 客户交期=D(2026, 4, 6 + i), 跟单员="张丽") for i in range(3)]
    rows[1]["客户交期"] = D(2026, 4, 14)  # SO1: Tue 04-07 → Tue 04-14, 5 working days (no holiday between)
    shutil.copy(team_book(tmp_path / "edited.xlsx", "张丽", rows), path)
    after = workbook_status(path, previous=before.cached, today=TODAY)
    assert after.reread and fingerprint(path) != before.fingerprint
    changes = diff_snapshots(before.snapshots, after.snapshots, lambda f: after.calendar)
    assert [(c.kind, c.order_no, c.old, c.new, c.workdays) for c in changes] == [
        ("due_moved", "SO1", D(2026, 4, 7), D(2026, 4, 14), 5)]
