"""Shared fixtures: small real workbooks built under tmp_path, and the paths of the committed samples."""
from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import re
import socket
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
WORKBOOKS = ROOT / "workbooks"
CORPUS = ROOT.parent / "shared" / "corpus"
# The real workbooks of ../shared/corpus lie beside the checkout in CI and in the developers' workplace;
# a clone elsewhere has none, and the tests that need them say so instead of failing.
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside this checkout")

# gendan.toml's [company] as the tests pass it: who quotes and statements are from
COMPANY = {"name": "深圳市恒达电子科技有限公司", "name_en": "Shenzhen Hengda Electronics Technology Co., Ltd.",
           "address": "深圳市宝安区福永街道凤凰工业园 8 栋", "tel": "+86 755 2888 0000", "email": "sales@hengda.example",
           "contact": "张丽", "bank_name": "示例银行深圳宝安支行 Example Bank", "bank_account_no": "7459 6028 3310",
           "swift": "EXMPCNSZXXX"}


_FIXED = re.compile(r"-?\d+\.\d+")


def money_numbers(doc):
    """A JSON document with its money read back: every fixed-decimal string ("120200.00") as a Decimal, which
    compares equal to the number it is (120200, 12500.5); the format itself is held by test_jsondoc."""
    from decimal import Decimal

    if isinstance(doc, dict):
        return {k: money_numbers(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [money_numbers(v) for v in doc]
    return Decimal(doc) if isinstance(doc, str) and _FIXED.fullmatch(doc) else doc


def png_file(path: Path, width: int = 160, height: int = 80) -> Path:
    """A real PNG (a navy block with a white band), written without an imaging library."""
    rows = b"".join(b"\x00" + b"".join(b"\xff\xff\xff" if height // 3 < y < 2 * height // 3 and x > width // 4
                                       else b"\x1f\x38\x64" for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    return path


def formulas_without_value(path: Path) -> list[str]:
    """Cells of any sheet that hold a formula but no stored result: what a phone or a mail preview shows blank."""
    with zipfile.ZipFile(path) as z:
        return [f"{name}:{cell}" for name in z.namelist() if name.startswith("xl/worksheets/sheet")
                for cell, body in re.findall(r'<c r="([A-Z]+\d+)"[^>]*>(.*?)</c>', z.read(name).decode())
                if "<f" in body and "<v>" not in body]


def print_setup(ws) -> dict:
    """What a printed page of an openpyxl sheet (as loaded from a file) is set up with."""
    footer = ws.oddFooter
    return {"orientation": ws.page_setup.orientation, "paper": int(ws.page_setup.paperSize or 0),
            # fitToWidth absent means 1 (the file format's default); fitToHeight 0: as many pages as it takes
            "fit": bool(ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage)
            and int(ws.page_setup.fitToWidth or 1) == 1 and int(ws.page_setup.fitToHeight or 0) == 0,
            "title_rows": ws.print_title_rows,
            "page_numbers": any("&P" in (part.text or "") for part in (footer.left, footer.center, footer.right))}


HEADERS = ["订单号", "客户", "型号", "数量", "单价", "币种", "金额", "下单日期", "客户交期", "出货日期", "已出货数量", "状态"]


def good_row(**overrides):
    row = {"订单号": "SO1", "客户": "ANK", "型号": "PB-10K", "数量": 1000, "单价": 8.5, "币种": "USD",
           "金额": 8500, "下单日期": dt.date(2026, 3, 2), "客户交期": dt.date(2026, 4, 20), "出货日期": None,
           "已出货数量": None, "状态": "生产中"}
    row.update(overrides)
    return row


def write_book(path: Path, rows: list[dict], *, headers=None, title_rows=(), master=True, sheet="订单",
               date1904=False) -> Path:
    """A master workbook as a test needs it: optional title rows, then the header, then `rows`."""
    headers = headers or HEADERS
    wb = openpyxl.Workbook()
    if date1904:
        wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    ws = wb.active
    ws.title = sheet
    for t in title_rows:
        ws.append(list(t))
    ws.append(headers)
    for r in rows:
        ws.append([r.get(h) for h in headers] if isinstance(r, dict) else list(r))
    if master:
        c = wb.create_sheet("客户")
        c.append(["客户代码", "客户名称", "币种"])
        c.append(["ANK", "Anker", "USD"])
        c.append(["BLK", "蓝科", "CNY"])
        p = wb.create_sheet("产品")
        p.append(["型号", "品名", "备料天数", "生产天数", "验货天数", "包装天数", "出运天数"])
        p.append(["PB-10K", "移动电源", 10, 6, 1, 2, 3])
        p.append(["CH-20W", "充电器", 8, 5, 1, 1, 3])
    wb.save(path)
    return path


@pytest.fixture(autouse=True)
def state_home(tmp_path_factory, monkeypatch):
    """Every test keeps its sent log, quote numbers and outbox in a folder of its own, never the developer's
    user data folder: a command run without a gendan.toml that names its folders writes to $GENDAN_HOME."""
    monkeypatch.setenv("GENDAN_HOME", str(tmp_path_factory.mktemp("gendan-home")))
    # the run's language follows the system locale: tests run in one that says nothing (Chinese, the default),
    # whatever the developer's or CI's is; a test that wants another sets LANG itself
    for var in ("LC_ALL", "LC_MESSAGES", "GENDAN_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture
def english(monkeypatch):
    """An English system: the run's words (errors, notes, tables) are English unless --lang or gendan.toml say."""
    monkeypatch.setenv("LANG", "en_US.UTF-8")


@pytest.fixture
def book(tmp_path):
    """A factory: book(rows, **kw) → path of a fresh workbook in tmp_path."""
    counter = iter(range(1000))

    def make(rows, **kw):
        return write_book(tmp_path / f"book{next(counter)}.xlsx", rows, **kw)

    return make


# ------------------------------------------------------------------ a real SMTP server on 127.0.0.1

def free_port() -> int:
    """A port nobody listens on (bound, read, released): connecting to it is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    """An aiosmtpd handler that keeps every accepted message and refuses the addresses in `reject` (550).

    `defer = True` answers every message with 451 (a server that says "later"), until set back;
    `delay` seconds of thinking before each reply to DATA make two senders overlap."""

    def __init__(self, reject: set[str] = frozenset(), delay: float = 0.0) -> None:
        self.reject = {r.lower() for r in reject}
        self.defer = False
        self.delay = delay
        self.messages: list[tuple[str, list[str], email.message.EmailMessage]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return "550 5.1.1 <%s>: no such user" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.defer:
            return "451 4.3.0 mailbox busy, try again later"
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 Message accepted"


class Server:
    def __init__(self, port: int | None = None, reject=frozenset(), delay: float = 0.0, **kw) -> None:
        self.handler = Recorder(set(reject), delay)
        self.port = port or free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **kw)

    @property
    def messages(self):
        return self.handler.messages

    def __enter__(self) -> "Server":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
