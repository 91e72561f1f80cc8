"""Abstract length by the congress's counting rule (static/js/abstract-counter.js mirrors it).

Which parts count (title, section headings, body, table), whether spaces count, and whether
the table counts by its characters or as a flat amount are per-congress settings. Authors
and affiliations never count. Line breaks never count; with spaces excluded no whitespace
counts. Characters are Unicode code points (the JS counts `Array.from(text).length`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from conference.program.models import Congress, TableCounting

SECTION_HEADINGS = {
    "background": "Background",
    "methods": "Methods",
    "results": "Results",
    "conclusions": "Conclusions",
}
_WHITESPACE = re.compile(r"\s+")
_LINE_BREAKS = re.compile(r"[\r\n]+")


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
        }


def count_text(text: str, count_spaces: bool) -> int:
    text = text or ""
    if count_spaces:
        return len(_LINE_BREAKS.sub("", text))
    return len(_WHITESPACE.sub("", text))


def count_length(
    rule: CountingRule, *, title: str, sections: dict[str, str], table: list | None
) -> int:
    """Characters of an abstract under `rule`."""
    total = 0
    if rule.count_title:
        total += count_text(title, rule.count_spaces)
    for name, heading in SECTION_HEADINGS.items():
        body = sections.get(name) or ""
        if not body.strip():
            continue
        if rule.count_headings:
            total += count_text(heading, rule.count_spaces)
        total += count_text(body, rule.count_spaces)
    if table:
        if rule.table_counting == TableCounting.FLAT:
            total += rule.table_flat_amount
        else:
            total += sum(count_text(str(cell), rule.count_spaces) for row in table for cell in row)
    return total


def parse_table_text(text: str) -> list[list[str]] | None:
    """Read the web form's table box: one row per line, cells separated by `|`."""
    rows = [
        [cell.strip() for cell in line.split("|")]
        for line in (text or "").splitlines()
        if line.strip()
    ]
    return rows or None


def table_as_text(table: list | None) -> str:
    return "\n".join(" | ".join(str(cell) for cell in row) for row in table or [])
