"""Every name prints: badges, receipts, visa letters and the program book embed Unicode faces.

Names in Latin with diacritics, Greek, Cyrillic, Chinese, Japanese and Korean come out of the
PDF text layer unchanged. Arabic and Hebrew are drawn shaped (joined letter forms) and in
visual order; pypdf reads right-to-left runs back into logical order, so the text layer, with
the joined forms normalised (NFKC), gives the name as typed. Drawn unshaped or in logical
order, it would come back reversed.
"""

from __future__ import annotations

import io
import unicodedata

import pytest
from pypdf import PdfReader

from conference.extensions import db
from conference.program import sessions as program_services
from conference.registration.payments import record_payment
from conference.registration.tokens import manage_path
from tests.registration.conftest import ask_for_visa_letter

#: (first name, last name, affiliation, country): people from every continent.
PEOPLE = {
    "polish": ("Łukasz", "Wójcik-Żółć", "Uniwersytet Łódzki", "PL"),
    "greek": ("Ζωή", "Παπαδοπούλου", "Εθνικό και Καποδιστριακό Πανεπιστήμιο Αθηνών", "GR"),
    "russian": ("Дмитрий", "Иванов", "Онкологический центр имени Блохина", "RU"),
    "chinese": ("小明", "王", "复旦大学附属肿瘤医院", "CN"),
    "japanese": ("さくら", "山田", "国立がん研究センター", "JP"),
    "korean": ("민준", "김", "서울대학교병원", "KR"),
    "arabic": ("محمد", "الأحمد", "مستشفى الملك فيصل التخصصي", "SA"),
    "hebrew": ("דוד", "כהן", "המרכז הרפואי שיבא", "IL"),
}
RTL = {"arabic", "hebrew"}
CORE_FONTS = ("Helvetica", "Times", "Courier", "Symbol", "ZapfDingbats")


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _font_names(data: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        fonts = page["/Resources"].get_object().get("/Font") or {}
        for font in fonts.get_object().values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def _printed(text: str, wanted: str, script: str) -> bool:
    if script not in RTL:
        return wanted in text
    if script == "arabic":  # shaped: initial, medial and final forms, not the bare letters
        assert any("\ufe70" <= char <= "\ufeff" for char in text), text
    return wanted in unicodedata.normalize("NFKC", text)


def assert_prints(data: bytes, wanted: list[str], script: str) -> None:
    assert data.startswith(b"%PDF")
    text = _text(data)
    for value in wanted:
        assert _printed(text, value, script), f"{value!r} missing from {text!r}"
    fonts = _font_names(data)
    assert fonts and not any(core in name for name in fonts for core in CORE_FONTS), fonts


@pytest.mark.parametrize("script", sorted(PEOPLE))
def test_badge_receipt_and_visa_letter_print_every_script(client, register, script):
    first, last, affiliation, country = PEOPLE[script]
    registration = register(
        first_name=first, last_name=last, affiliation=affiliation, country=country
    )
    record_payment(registration, kind="bank_transfer", amount="450.00", note="SEPA")
    db.session.commit()
    ask_for_visa_letter(registration)
    path = manage_path(registration)
    full_name = registration.full_name
    for document in ("badge.pdf", "receipt.pdf", "visa-letter.pdf"):
        response = client.get(f"{path}/{document}")
        assert response.status_code == 200, document
        assert_prints(response.data, [full_name, affiliation], script)


def test_organizer_badge_sheet_prints_every_script(client, auth, organizer, register):
    people = []
    for first, last, affiliation, country in PEOPLE.values():
        registration = register(
            first_name=first, last_name=last, affiliation=affiliation, country=country
        )
        record_payment(registration, kind="bank_transfer", amount="450.00", note="SEPA")
        people.append(registration)
    db.session.commit()
    auth.login(organizer)
    data = client.get("/met26/manage/registrations/badges.pdf").data
    text = _text(data)
    for registration, script in zip(people, PEOPLE, strict=True):
        assert _printed(text, registration.full_name, script)


def test_program_book_prints_titles_and_speakers_in_every_script(
    client, make_session, make_abstract, publish, build_books
):
    latin_cjk = {k: v for k, v in PEOPLE.items() if k not in RTL}
    session = make_session("Metastasis across the world: Łódź, Αθήνα, Москва, 上海, 東京, 서울")
    for first, last, _affiliation, _country in latin_cjk.values():
        abstract = make_abstract(
            title=f"Liver metastases — {last} cohort", presenter_name=f"{first} {last}"
        )
        program_services.add_presentation(session, abstract=abstract)
    publish()
    build_books()  # the background worker builds the book
    data = client.get("/met26/program/schedule.pdf").data
    text = _text(data)
    assert "Łódź, Αθήνα, Москва, 上海, 東京, 서울" in text
    for first, last, _affiliation, _country in latin_cjk.values():
        assert f"{first} {last}" in text
        assert f"{last} cohort" in text
    fonts = _font_names(data)
    assert not any(core in name for name in fonts for core in CORE_FONTS), fonts


@pytest.mark.parametrize("script", sorted(RTL))
def test_program_book_prints_right_to_left_speakers_shaped_and_in_order(
    client, make_session, make_abstract, publish, build_books, script
):
    first, last, _affiliation, _country = PEOPLE[script]
    session = make_session("Liver metastases: regional cohorts")
    abstract = make_abstract(title="Hepatic resection outcomes", presenter_name=f"{first} {last}")
    program_services.add_presentation(session, abstract=abstract)
    publish()
    build_books()  # the background worker builds the book
    data = client.get("/met26/program/schedule.pdf").data
    assert _printed(_text(data), f"{first} {last}", script)
    fonts = _font_names(data)
    assert not any(core in name for name in fonts for core in CORE_FONTS), fonts
