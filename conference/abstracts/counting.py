"""Abstract length by the congress's counting rule (static/js/abstract-counter.js mirrors it).

Which parts count (title, section headings, body, table), whether spaces count, and whether
the table counts by its characters or as a flat amount are per-congress settings. Authors
and affiliations never count.

One definition for the server and the live counter (which receives the character classes
below as data- attributes, so there is no second copy): text is NFC-normalised and trimmed
of WHITESPACE; line breaks and invisible zero-width characters never count; with spaces
excluded no WHITESPACE counts. Characters are Unicode code points (the JS counts
`Array.from(text).length`). A table row is one line (split at any line break); its cells are
separated by `|` and trimmed; a row whose cells are all empty is no row.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from conference.program.models import Congress, TableCounting

SECTION_HEADINGS = {
    "background": "Background",
    "methods": "Methods",
    "results": "Results",
    "conclusions": "Conclusions",
}
#: Unicode White_Space plus the invisible zero-width space, word joiner and BOM, as a regex
#: character class that Python's re and JavaScript's RegExp (flag "u") read alike.
WHITESPACE_CLASS = (
    r"\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f"
    r"\u2060\u3000\ufeff"
)
#: Line breaks (LF, VT, FF, CR, NEL, LS, PS): they separate table rows and never count.
LINE_BREAK_CLASS = r"\u000a-\u000d\u0085\u2028\u2029"
#: Never counted, even when spaces count: line breaks and zero-width characters.
NEVER_COUNTED_CLASS = LINE_BREAK_CLASS + r"\u200b\u2060\ufeff"

_WHITESPACE = re.compile(f"[{WHITESPACE_CLASS}]+")
_NEVER_COUNTED = re.compile(f"[{NEVER_COUNTED_CLASS}]+")
_LINE_BREAKS = re.compile(f"[{LINE_BREAK_CLASS}]")
_EDGES = re.compile(f"\\A[{WHITESPACE_CLASS}]+|[{WHITESPACE_CLASS}]+\\Z")


def trim(text: str | None) -> str:
    """`text` without leading or trailing WHITESPACE (the one definition of it)."""
    return _EDGES.sub("", text or "")


@dataclass(frozen=True)
class CountingRule:
    limit: int
    count_title: bool
    count_headings: bool
    count_spaces: bool
    table_counting: str
    table_flat_amount: int

    @classmethod
    def of(cls, congress: Congress) -> CountingRule:
        return cls(
            limit=congress.length_limit,
            count_title=congress.count_title,
            count_headings=congress.count_headings,
            count_spaces=congress.count_spaces,
            table_counting=str(congress.table_counting),
            table_flat_amount=congress.table_flat_amount,
        )

    def data_attributes(self) -> dict[str, str]:
        """The rule as data- attributes for the live counter."""
        return {
            "data-limit": str(self.limit),
            "data-count-title": "1" if self.count_title else "0",
            "data-count-headings": "1" if self.count_headings else "0",
            "data-count-spaces": "1" if self.count_spaces else "0",
            "data-table-counting": self.table_counting,
            "data-table-flat": str(self.table_flat_amount),
            "data-whitespace": WHITESPACE_CLASS,
            "data-never-counted": NEVER_COUNTED_CLASS,
            "data-line-breaks": LINE_BREAK_CLASS,
        }


def count_text(text: str, count_spaces: bool) -> int:
    text = trim(unicodedata.normalize("NFC", text or ""))
    if count_spaces:
        return len(_NEVER_COUNTED.sub("", text))
    return len(_WHITESPACE.sub("", text))


def table_rows(table: list | None) -> list[list[str]]:
    """The table's rows with trimmed cells, without empty rows."""
    rows = [[trim(str(cell)) for cell in row] for row in table or []]
    return [row for row in rows if any(row)]


def count_length(
    rule: CountingRule, *, title: str, sections: dict[str, str], table: list | None
) -> int:
    """Characters of an abstract under `rule`."""
    total = 0
    if rule.count_title:
        total += count_text(title, rule.count_spaces)
    for name, heading in SECTION_HEADINGS.items():
        body = sections.get(name) or ""
        if not count_text(body, count_spaces=False):
            continue
        if rule.count_headings:
            total += count_text(heading, rule.count_spaces)
        total += count_text(body, rule.count_spaces)
    rows = table_rows(table)
    if rows:
        if rule.table_counting == TableCounting.FLAT:
            total += rule.table_flat_amount
        else:
            total += sum(count_text(cell, rule.count_spaces) for row in rows for cell in row)
    return total


def parse_table_text(text: str) -> list[list[str]] | None:
    """Read the web form's table box: one row per line, cells separated by `|`."""
    rows = table_rows(line.split("|") for line in _LINE_BREAKS.split(text or ""))
    return rows or None


def table_as_text(table: list | None) -> str:
    return "\n".join(" | ".join(str(cell) for cell in row) for row in table or [])
