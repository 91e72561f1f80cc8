"""CSV cells that a spreadsheet opens as text, never as a formula (CSV injection).

Every CSV export (registrations, review assignments, the program) writes its cells through
`safe_cell`, so the rule is written once. A text cell is prefixed with an apostrophe when a
spreadsheet could read it as a formula or a command: when it starts, possibly after blanks,
with = + - @ (or their full-width forms, which some spreadsheets also accept), or starts with
a tab, carriage return or line feed. Numbers (a negative refund, say) stay numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

FORMULA_STARTS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
CONTROL_STARTS = frozenset("\t\r\n")


def safe_cell(value) -> str | int | float | Decimal:
    """One CSV cell: text a spreadsheet cannot evaluate; numbers and None ("") as they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    if text[:1] in CONTROL_STARTS or text.lstrip()[:1] in FORMULA_STARTS:
        return "'" + text
    return text


def safe_row(values: Iterable) -> list:
    return [safe_cell(value) for value in values]
