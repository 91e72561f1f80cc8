"""Length counting by per-congress rules and presets (DOMAIN.md)."""

import pytest

from conference.abstracts.checks import (
    normalize_trial_id,
    patient_identifier_warnings,
    trial_registry,
)
from conference.abstracts.counting import CountingRule, count_length, parse_table_text
from conference.program.models import COUNTING_PRESETS, CountingPreset

TITLE = "Ab cd"  # 4 without spaces, 5 with
SECTIONS = {"background": "One two", "methods": "Three", "results": "", "conclusions": "x y"}
# bodies: "One two" 6/7, "Three" 5/5, "x y" 2/3
TABLE = [["Arm", "N"], ["A b", "12"]]  # cells: 3+1+2+2 = 8 without spaces, 9 with


def rule_for(preset: CountingPreset, **overrides) -> CountingRule:
    settings = dict(COUNTING_PRESETS[preset])
    settings.update(overrides)
    return CountingRule(
        limit=settings["length_limit"],
        count_title=settings["count_title"],
        count_headings=settings["count_headings"],
        count_spaces=settings["count_spaces"],
        table_counting=str(settings["table_counting"]),
        table_flat_amount=settings["table_flat_amount"],
    )


def test_asco_counts_title_body_and_table_characters_without_spaces():
    rule = rule_for(CountingPreset.ASCO)
    assert rule.limit == 2000
    assert count_length(rule, title=TITLE, sections=SECTIONS, table=TABLE) == 4 + 13 + 8


def test_sabcs_counts_body_without_spaces_and_each_table_as_320():
    rule = rule_for(CountingPreset.SABCS)
    assert rule.limit == 3400
    assert count_length(rule, title=TITLE, sections=SECTIONS, table=TABLE) == 13 + 320
    assert count_length(rule, title=TITLE, sections=SECTIONS, table=None) == 13


def test_esso_counts_spaces():
    rule = rule_for(CountingPreset.ESSO)
    assert rule.limit == 2900
    assert count_length(rule, title=TITLE, sections=SECTIONS, table=TABLE) == 15 + 9


def test_headings_count_only_for_written_sections():
    rule = rule_for(CountingPreset.ASCO, count_headings=True)
    headings = len("Background") + len("Methods") + len("Conclusions")
    assert count_length(rule, title="", sections=SECTIONS, table=None) == 13 + headings


def test_line_breaks_never_count_and_unicode_counts_code_points():
    rule = rule_for(CountingPreset.ESSO)
    assert count_length(rule, title="", sections={"background": "é\r\nß 😀"}, table=None) == 4


def test_table_text_is_read_row_by_row():
    assert parse_table_text("a | b\n\n c|d \n") == [["a", "b"], ["c", "d"]]
    assert parse_table_text("  \n") is None


@pytest.mark.parametrize(
    "raw, normalized",
    [
        ("nct 0123 4567", "NCT01234567"),
        ("2019-001234-22", "2019-001234-22"),
        ("isrctn12345678", "ISRCTN12345678"),
        ("2023-501234-12-00", "2023-501234-12-00"),
        ("ACTRN12612000123456", "ACTRN12612000123456"),
    ],
)
def test_trial_identifiers_of_every_registry_are_accepted(raw, normalized):
    assert normalize_trial_id(raw) == normalized
    assert trial_registry(normalized) is not None


@pytest.mark.parametrize(
    "raw", ["NCT1234567", "NCT012345678", "2019-01234-22", "ISRCTN1234", "ACTRN1261", "X123"]
)
def test_malformed_trial_identifiers_are_refused(raw):
    assert trial_registry(normalize_trial_id(raw)) is None


@pytest.mark.parametrize(
    "text",
    [
        "Patient born on 12 March 1961 presented with liver metastases.",
        "MRN 5531234 was reviewed.",
        "John Smith, 54, received FOLFOX.",
        "Mrs. Jones had a relapse.",
        "DOB: 03/04/1960",
    ],
)
def test_patient_identifiers_give_a_warning(text):
    assert patient_identifier_warnings([text])


def test_ordinary_science_gives_no_warning():
    assert patient_identifier_warnings(["We enrolled 120 patients aged 54 to 80 in 2019."]) == []
