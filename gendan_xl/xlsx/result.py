"""What `patch_sheet` did, and the findings it turns into for the caller's report."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gendan_xl.errors import WARNING, Issue
from gendan_xl.messages import message


@dataclass
class PatchResult:
    """What `patch_sheet` did."""

    path: Path  # the file written (the workbook itself, or out_path)
    sheet: str
    part: str  # e.g. "xl/worksheets/sheet1.xml"
    written: int = 0  # cells given a value
    cleared: int = 0  # cells whose value was removed
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (A1 ref, code) never written
    renamed: list[tuple[str, Any, str]] = field(default_factory=list)  # (A1 ref, the header there or None, written)
    truncated: list[str] = field(default_factory=list)  # A1 refs whose text was cut to 32767 chars
    tables_extended: list[str] = field(default_factory=list)  # table display names
    autofilter_extended: bool = False
    cf_added: int = 0
    cf_updated: int = 0  # existing rules of ours whose sqref was widened
    changed_parts: list[str] = field(default_factory=list)
    backup: Path | None = None
    verified: bool = False

    def issues(self, lang: str = "zh") -> list[Issue]:
        """Findings for the caller's report: formula cells kept, headers renamed, text cut."""
        out = [
            Issue(code, WARNING, self.sheet, ref, None, message(code, lang))
            for ref, code in self.skipped
        ]
        out += [
            Issue("table-header-renamed", WARNING, self.sheet, ref, asked,
                  message("table-header-renamed", lang, new=new))
            for ref, asked, new in self.renamed
        ]
        out += [Issue("text-truncated", WARNING, self.sheet, ref, None, message("text-truncated", lang))
                for ref in self.truncated]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "sheet": self.sheet,
            "part": self.part,
            "written": self.written,
            "cleared": self.cleared,
            "skipped": [list(s) for s in self.skipped],
            "renamed": [list(r) for r in self.renamed],
            "truncated": self.truncated,
            "tables_extended": self.tables_extended,
            "autofilter_extended": self.autofilter_extended,
            "cf_added": self.cf_added,
            "cf_updated": self.cf_updated,
            "changed_parts": self.changed_parts,
            "backup": str(self.backup) if self.backup else None,
            "verified": self.verified,
        }
