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


@pytest.mark.parametrize(
    "raw",
    [
        "NCT\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667",  # Arabic-Indic digits
        "NCT\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17",  # full-width digits
        "NCT\u0966\u0967\u0968\u0969\u096a\u096b\u096c\u096d",  # Devanagari digits
        "ISRCTN\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668",
        "2019-\uff10\uff101234-22",
        "ACTRN1261200012345\u096c",
        "\u0131srctn12345678",  # a dotless i that upper-cases to I
        "2003-001234-22",  # EudraCT began in 2004
        "1999-001234-22",
        "2021-501234-12-00",  # EU CT numbers began with CTIS in 2022
    ],
)
def test_trial_identifiers_take_ascii_digits_and_real_years_only(raw):
    assert trial_registry(normalize_trial_id(raw)) is None


def test_eudract_numbers_from_2004_are_accepted():
    assert trial_registry(normalize_trial_id("2004-000123-45")) == "EudraCT"
    assert trial_registry(normalize_trial_id("\u00a02004-000123-45\u3000")) == "EudraCT"


def test_non_ascii_digits_in_a_trial_identifier_are_a_field_error(congress, author):
    from conference.abstracts import services
    from conference.errors import ValidationFailed
    from tests.abstracts.conftest import valid_payload

    abstract = services.create_abstract(
        congress,
        author,
        valid_payload(
            is_clinical_trial=True,
            trial_registration="NCT\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667",
        ),
    )
    with pytest.raises(ValidationFailed) as exc:
        services.submit_abstract(abstract)
    assert "digits 0-9" in exc.value.fields["trial_registration"][0]


def test_invisible_and_edge_whitespace_never_count():
    esso = rule_for(CountingPreset.ESSO)  # spaces count
    asco = rule_for(CountingPreset.ASCO)  # spaces do not
    text = "\u00a0 liquid\u200bbiopsy now\ufeff \u3000"
    assert count_length(esso, title="", sections={"background": text}, table=None) == 16
    assert count_length(asco, title="", sections={"background": text}, table=None) == 15


def test_decomposed_accents_count_like_composed_ones():
    rule = rule_for(CountingPreset.ESSO)
    composed = count_length(rule, title="", sections={"background": "Métastases"}, table=None)
    decomposed = count_length(
        rule, title="", sections={"background": "Me\u0301tastases"}, table=None
    )
    assert composed == decomposed == 10


def test_a_table_of_blank_rows_is_no_table_even_counted_flat():
    rule = rule_for(CountingPreset.SABCS)  # each table counts 320
    assert parse_table_text(" | \n\u3000|\u2009\n||") is None
    blank = [["", "\u3000"], ["\u200b", " "]]
    assert count_length(rule, title="", sections={"background": "ab"}, table=blank) == 2


def test_table_rows_split_at_every_line_break():
    assert parse_table_text("A|B\r\nC|D\u2028E|F\x0bG|H") == [
        ["A", "B"],
        ["C", "D"],
        ["E", "F"],
        ["G", "H"],
    ]
