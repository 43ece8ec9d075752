"""Findings and failures.

Findings about the data are values (`Issue`, collected in a `Report`); input we cannot use at all is an
exception (`GendanError` and its subclasses) carrying one line that names the file and the fix.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Iterable, TypeVar

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
        return json_fields(self)


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
    if type(value) in _AS_IS:  # (most values, and every field of an Issue but its value: a million issues)
        return value
    import datetime as _dt
    from decimal import Decimal

    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


_AS_IS = {str, int, float, bool, type(None)}


def json_fields(obj: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """A dataclass as our JSON prints it: every field (but `skip`), in order, through `json_value`; tuples as
    lists. The `to_dict` of a dataclass that is just its fields."""
    out = {}
    for f in dataclasses.fields(obj):
        if f.name in skip:
            continue
        value = getattr(obj, f.name)
        out[f.name] = [json_value(x) for x in value] if isinstance(value, tuple) else json_value(value)
    return out


# ------------------------------------------------------------------------------------------- failures
# Every exception we raise on purpose is a GendanError: one line naming the file and the fix. The CLI maps
# each to its `exit_code`; anything else that escapes is a bug (exit 4, --debug for the traceback).

_E = TypeVar("_E", bound="GendanError")


class GendanError(Exception):
    """Input we cannot use. The message is one line naming the file and what to do.

    Raised as `SomeError.said(key, **fields)`, the line comes from i18n/errors.py in both languages and
    `message(lang)` gives it in the run's; `str()` is the English (logs). Raised with a text, that text is
    the line in both."""

    exit_code = 3
    key: str | None = None
    fields: dict[str, Any] = {}

    @classmethod
    def said(cls: type[_E], key: str, /, **fields: Any) -> _E:
        from gendan_xl.i18n import say
        from gendan_xl.i18n.errors import ERRORS

        exc = cls(say(ERRORS, key, "en", **fields))
        exc.key, exc.fields = key, fields
        return exc

    def message(self, lang: str) -> str:
        if self.key is None:
            return str(self)
        from gendan_xl.i18n import say
        from gendan_xl.i18n.errors import ERRORS

        return say(ERRORS, self.key, lang, **self.fields)


class UsageError(GendanError):
    """The command or call asks for something we will not do: an output over an input, a period we cannot
    read, a folder where a file belongs (exit 2)."""

    exit_code = 2


class ConfigError(GendanError):
    """gendan.toml or a GENDAN_* variable is wrong."""


class CompanyError(ConfigError):
    """A customer document would go out without its sender: gendan.toml's [company] is empty or points at a
    logo that is not there."""


class UnusableWorkbookError(GendanError):
    """Not a workbook, encrypted, corrupt, hostile, or missing what we need."""


class MissingSheetError(UnusableWorkbookError):
    """The sheet we need is not in the workbook."""


class MissingColumnsError(UnusableWorkbookError):
    """No header row with the columns we need was found."""


class WorkbookOpenError(GendanError):
    """The workbook is open in Excel or LibreOffice: we do not write it."""


class ReadOnlyWorkbookError(GendanError):
    """The workbook file is read-only: we do not replace it."""


class SignedWorkbookError(GendanError):
    """The workbook is digitally signed: any change breaks the signature, so we change it only when told."""


class PatchError(GendanError):
    """The workbook could not be patched; the original is unchanged."""


class PatchVerifyError(PatchError):
    """The written file did not read back as expected; the original is unchanged."""


class TemplateError(GendanError):
    """A template is broken (bad placeholder, unknown name): a bug in our template, named by cell."""


class PdfError(GendanError):
    """LibreOffice is missing or could not convert the workbook."""


class XlsmNameError(GendanError):
    """The workbook name cannot be a Python module name, which the buttons need."""


class QuoteInputError(GendanError, ValueError):
    """An input `export_price` cannot price: negative, margins ≥ 100%, unknown incoterm, ...

    `code` is a stable key of `messages.MESSAGES`; `str()` is the English message.
    """

    def __init__(self, code: str, **params: Any):
        self.code = code
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        from gendan_xl.messages import message  # messages imports this module

        return message(self.code, lang, **self.params)


class MailError(GendanError):
    """A delivery problem for one message; `Mailer` turns it into a row state, never a crash."""


class TransientMailError(MailError):
    """Try again later: connection refused or dropped, timeout, a 4xx reply."""

    def __init__(self, message: str, *, connection: bool = False) -> None:
        super().__init__(message)
        self.connection = connection  # True: the server itself is unreachable, stop trying others now


class RecipientRejected(MailError):
    """The server refused this recipient (5xx on RCPT TO)."""


class MessageRejected(MailError):
    """The server refused the message itself (5xx on MAIL FROM or DATA)."""


class MailConfigError(ConfigError):
    """The mail settings cannot work (login refused, TLS unsupported, a password that would go in clear
    text): the queue stays as it is."""


class InvalidMailError(MailError, ValueError):
    """A mail that cannot become a message: a line break in a header, text in an address cell that is not an
    address. The mail is recorded as `invalid`, named, and never sent; the others go on."""


class StoreError(GendanError):
    """The SQLite store in the data folder cannot be read or written (disk full, read-only, locked too long):
    one line naming the folder and the fix. Nothing recorded is lost; the next run picks up from there."""
