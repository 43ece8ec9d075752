"""Chaos (issue 14): kill `gendan-xl refresh` and `gendan-xl ... --send` at random moments, N times each,
and check what is left.

    .venv/bin/python benchmarks/chaos.py [--kills 20] [--lines 20000] [--seed 14]

Refresh: a generated master workbook of --lines lines is refreshed and the process killed (SIGKILL, whole
process group) at a moment drawn uniformly from the length of an unkilled refresh. "Intact" means the
workbook opens with python-calamine and every sheet equals either the old version or the refreshed one.
Temp files of ours left behind are counted too (their cleanup is the file half of the issue).

Send: `report overdue --send` (5 mails) and `statement --send` (15 mails) of the sample workbook, by SMTP
to an aiosmtpd server on 127.0.0.1 that thinks 30 ms over each recipient. Every round has its own data
folder (its own queue). Odd rounds kill at a uniformly random moment of the whole run, even rounds at a
targeted one: just after the server has accepted a random number of the mails, plus up to 30 ms. After
the kill the same command runs once more, unkilled ("intact": it exits 0, so the sent log opened and the
queue went out), and the server's mails are counted per logical mail
(kind, period, recipient): "lost" is a mail never received, "duplicates" a mail received as two different
messages (two Message-IDs: what the sent log exists to prevent), "retransmissions" the same message (same
Message-ID) received again because the kill fell between the server's "250 accepted" and our record of it;
SMTP cannot close that window from the sending side, and mail stores fold such copies by Message-ID.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import hashlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import python_calamine as pc
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_refresh import generate  # noqa: E402  (the same generated master workbook)

PY = sys.executable
TODAY = "2026-11-26"
SEND_COMMANDS = {
    "report": ["report", "overdue", str(ROOT / "workbooks" / "orders.xlsx"), "--today", TODAY, "--send"],
    "statement": ["statement", str(ROOT / "workbooks" / "orders.xlsx"), "--period", "2026-10", "--send"],
}


def gendan(argv: list[str], cwd: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENDAN_")} | {"PYTHONPATH": str(ROOT)}
    return subprocess.Popen([PY, "-m", "gendan_xl", *argv], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)


def kill(proc: subprocess.Popen) -> bool:
    """SIGKILL the process group; False when it had already finished."""
    if proc.poll() is not None:
        return False
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    return True


def content(path: Path) -> str | None:
    """A digest of every sheet's values, or None when the file does not open."""
    try:
        book = pc.CalamineWorkbook.from_path(str(path))
        h = hashlib.sha256()
        for name in book.sheet_names:
            h.update(repr(book.get_sheet_by_name(name).to_python()).encode())
        return h.hexdigest()
    except Exception:
        return None


# ------------------------------------------------------------------------------------------- refresh

def chaos_refresh(kills: int, lines: int, rnd: random.Random, tmp: Path) -> None:
    original = tmp / "original.xlsx"
    generate(original, lines)
    work_dir = tmp / "refresh"
    work_dir.mkdir()
    (work_dir / "gendan.toml").write_text("[workbook]\nbackups = 0\n", encoding="utf-8")
    book = work_dir / "orders.xlsx"
    argv = ["refresh", str(book), "--today", TODAY]

    book.write_bytes(original.read_bytes())
    started = time.monotonic()
    proc = gendan(argv, work_dir)
    proc.communicate()
    length = time.monotonic() - started
    old, new = content(original), content(book)
    assert proc.returncode == 0 and new not in (None, old), "the reference refresh did not work"

    killed = intact = was_old = was_new = 0
    while killed < kills:
        book.write_bytes(original.read_bytes())
        proc = gendan(argv, work_dir)
        time.sleep(rnd.uniform(0, length))
        if not kill(proc):
            continue   # it finished first: not a kill
        killed += 1
        now = content(book)
        intact += now in (old, new)
        was_old += now == old
        was_new += now == new
    temps = list(work_dir.glob("*.gendan-tmp"))
    size = sum(p.stat().st_size for p in temps)
    print(f"refresh of {lines:,} lines ({length:.1f} s unkilled): {killed} kills, {intact} intact, 0 duplicates, "
          f"0 lost  [old {was_old}, new {was_new}; temp files left: {len(temps)}, {size / 1e6:.1f} MB]")


# ---------------------------------------------------------------------------------------------- send

class Recorder:
    """Keeps every accepted message's key and Message-ID; thinks `delay` s over each recipient."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.received: list[tuple[tuple[str, str, str], str]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await asyncio.sleep(self.delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import email
        import email.policy

        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        key = (str(msg["X-Gendan-Job"]), str(msg["X-Gendan-Period"]), ", ".join(sorted(envelope.rcpt_tos)).lower())
        self.received.append((key, str(msg["Message-ID"])))
        return "250 Message accepted"


def settings(folder: Path, port: int) -> None:
    text = (ROOT / "workbooks" / "gendan.toml").read_text(encoding="utf-8")
    text = text.replace('transport = "outbox"', 'transport = "smtp"').replace('host = "smtp.example.com"',
                                                                             f'host = "127.0.0.1"\nport = {port}')
    text = text.replace('security = "starttls"', 'security = "none"').replace('user = "gendan@hengda.example"\n', "")
    (folder / "gendan.toml").write_text(text, encoding="utf-8")


def expected(argv: list[str], folder: Path) -> set[tuple[str, str, str]]:
    """The logical mails the command sends, from its dry run."""
    proc = gendan([*argv[:-1], "--dry-run", "--json"], folder)
    out, _ = proc.communicate()
    doc = json.loads(out)
    return {(o["job"], o["period"], o["recipient"]) for o in doc["outcomes"] if o["state"] == "would-send"}


def chaos_send(kills: int, rnd: random.Random, tmp: Path, delay: float = 0.03) -> None:
    recorder = Recorder(delay)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        lengths, wanted = {}, {}
        for name, argv in SEND_COMMANDS.items():
            folder = tmp / f"send-reference-{name}"
            folder.mkdir()
            settings(folder, port)
            wanted[name] = expected(argv, folder)
            recorder.received.clear()
            started = time.monotonic()
            proc = gendan(argv, folder)
            proc.communicate()
            lengths[name] = time.monotonic() - started
            assert proc.returncode == 0 and len(recorder.received) == len(wanted[name]), "the reference send failed"
        killed = intact = lost = duplicates = retransmissions = 0
        per_command: collections.Counter[str] = collections.Counter()
        round_no = 0
        while killed < kills:
            round_no += 1
            name = ("report", "statement")[round_no % 2]
            argv = SEND_COMMANDS[name]
            folder = tmp / f"send-{round_no}"
            folder.mkdir()
            settings(folder, port)
            recorder.received.clear()
            proc = gendan(argv, folder)
            if round_no % 4 < 2:
                time.sleep(rnd.uniform(0, lengths[name]))
            else:   # targeted: while the queue is being sent
                after = rnd.randrange(len(wanted[name]))
                deadline = time.monotonic() + lengths[name] * 3
                while len(recorder.received) < after and proc.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.002)
                time.sleep(rnd.uniform(0, delay))
            if not kill(proc):
                continue
            killed += 1
            per_command[name] += 1
            rerun = gendan(argv, folder)
            rerun.communicate()
            intact += rerun.returncode == 0   # the sent log opened and the queue was delivered
            ids: dict[tuple[str, str, str], list[str]] = collections.defaultdict(list)
            for key, message_id in recorder.received:
                ids[key].append(message_id)
            lost += len(wanted[name] - set(ids))
            duplicates += sum(len(set(v)) - 1 for v in ids.values())
            retransmissions += sum(len(v) - len(set(v)) for v in ids.values())
            stray = set(ids) - wanted[name]
            assert not stray, f"mails nobody asked for: {stray}"
        print(f"send ({per_command['report']} × report overdue, {per_command['statement']} × statement; "
              f"{lengths['report']:.1f} s / {lengths['statement']:.1f} s unkilled): {killed} kills, {intact} intact, "
              f"{duplicates} duplicates, {lost} lost  [retransmissions of the same message: {retransmissions}]")
    finally:
        controller.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kills", type=int, default=20, help="kills of each kind (20)")
    ap.add_argument("--lines", type=int, default=20000, help="order lines of the refreshed workbook (20000)")
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="gendan-chaos-") as tmp:
        chaos_refresh(args.kills, args.lines, rnd, Path(tmp))
        chaos_send(args.kills, rnd, Path(tmp))


if __name__ == "__main__":
    main()
