"""Findings: the words inside Issue messages."""
from __future__ import annotations

from gendan_xl.i18n import Texts

# What a 假期 (calendar) row says it is.
CALENDAR_KINDS: Texts = {
    'holiday': ('放假',
      'holiday'),
    'workday': ('上班',
      'workday'),
}
