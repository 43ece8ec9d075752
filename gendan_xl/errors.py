"""Findings and failures.

Findings about the data are values (`Issue`, collected in a `Report`); input we cannot use at all is an
exception (`GendanError` and its subclasses) carrying one line that names the file and the fix.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (ERROR, WARNING, INFO)


@dataclass(frozen=True)
class Issue:
    """One finding at one place: `订单!F12: 出货日期早于下单日期`.

    `code` is stable kebab-case English and never renamed; `message` is in the user's language.
    `cell` is an A1 reference without the sheet ("F12"), or "" when the finding is about a whole sheet.
    """

    code: str
    severity: str
    sheet: str
    cell: str
    value: Any
    message: str

    @property
    def location(self) -> str:
        return f"{self.sheet}!{self.cell}" if self.cell else self.sheet

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "sheet": self.sheet,
            "cell": self.cell,
            "value": json_value(self.value),
            "message": self.message,
        }


@dataclass
class Report:
    """What a check found: every issue, in the order of the rows they point at."""

    rows: int = 0
    issues: list[Issue] = field(default_factory=list)
    lang: str = "zh"  # the language the messages are in

    @property
    def ok(self) -> bool:
        return not any(i.severity == ERROR for i in self.issues)

    def extend(self, issues: Iterable[Issue]) -> None:
        self.issues.extend(issues)

    def count(self, severity: str) -> int:
        return sum(1 for i in self.issues if i.severity == severity)

    def flat(self) -> list[tuple[str, str, str]]:
        """(sheet, cell, code) triples: what tests compare."""
        return [(i.sheet, i.cell, i.code) for i in self.issues]

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "rows": self.rows, "issues": [i.to_dict() for i in self.issues]}


def json_value(value: Any) -> Any:
    """A raw cell value as JSON can carry it (dates as ISO text, Decimals as numbers)."""
    import datetime as _dt
    from decimal import Decimal

    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class GendanError(Exception):
    """Input we cannot use. The message is one line naming the file and what to do."""

    exit_code = 3


class UnusableWorkbookError(GendanError):
    """Not a workbook, encrypted, corrupt, hostile, or missing what we need."""


class MissingSheetError(UnusableWorkbookError):
    """The sheet we need is not in the workbook."""


class MissingColumnsError(UnusableWorkbookError):
    """No header row with the columns we need was found."""


class WorkbookOpenError(GendanError):
    """The workbook is open in Excel or LibreOffice: we do not write it."""


class ConfigError(GendanError):
    """gendan.toml or a GENDAN_* variable is wrong."""
