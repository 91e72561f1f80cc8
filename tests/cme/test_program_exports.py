"""The program exports carry, for accredited sessions, the disclosure line learners are shown
on the session page (relevant relationships; the mitigation statement only when recorded),
and say "not accredited" for industry satellites, without repeating the industry domain's
label."""

from __future__ import annotations

import csv
import io
import json

from pypdf import PdfReader

from conference.cme import services
from conference.extensions import db
from conference.program import sessions as session_services
from conference.program.exports.notes import NOT_ACCREDITED
from tests.program.conftest import book_storage, build_books  # noqa: F401

STATEMENT = "All relevant financial relationships listed above have been mitigated."


def _pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _exports(client) -> dict[str, str]:
    texts = {}
    for kind in ("json", "xml", "ics", "csv"):
        response = client.get(f"/met26/program/schedule.{kind}")
        assert response.status_code == 200, kind
        texts[kind] = response.data.decode("utf-8-sig")
    return texts


def _unfold(ics: str) -> str:
    return ics.replace("\r\n ", "").replace("\\,", ",").replace("\\;", ";").replace("\\n", "\n")


def _setup(congress, make_session, disclose, officer):
    accredited = make_session("Brain metastases", chairs=["Zhang Wei 张伟 <zhang@example.org>"])
    satellite = make_session(
        "Lunch symposium",
        start="12:00",
        end="13:00",
        format="industry_satellite",
        is_accredited=False,
    )
    labelled = make_session(
        "Evening symposium (not accredited — organized by Pharma AG)",
        start="18:00",
        end="19:00",
        format="industry_satellite",
        is_accredited=False,
    )
    zhang = disclose(
        "zhang@example.org", "Zhang Wei 张伟", relationships=[("Roche", "consulting_advisory")]
    )
    return accredited, satellite, labelled, zhang


def test_exports_carry_the_disclosure_line_and_the_statement_only_once_recorded(
    client, congress, cme_settings, make_session, officer, disclose, publish
):
    _accredited, _satellite, _labelled, zhang = _setup(congress, make_session, disclose, officer)
    services.review_relationship(zhang.relationships[0], officer, relevance="relevant")
    # Relevant, not mitigated yet: this congress publishes without the gate.
    cme_settings.requires_mitigation = False
    db.session.commit()
    publish()
    before = _exports(client)
    for kind, text in before.items():
        assert "Zhang Wei 张伟: Roche (Consulting or advisory role)" in _unfold(text), kind
        assert STATEMENT not in _unfold(text), kind
    # The mitigation is recorded after publishing: every export says so now, no republish.
    services.review_relationship(
        zhang.relationships[0],
        officer,
        relevance="relevant",
        mitigation="peer_review",
        peer_reviewer="Dr Jan Nowak",
    )
    db.session.commit()
    after = _exports(client)
    for kind, text in after.items():
        assert STATEMENT in _unfold(text), kind
        assert "Jan Nowak" not in text  # who mitigated is for the accreditor, not learners
    schedule = json.loads(after["json"])
    events = [
        e
        for day in schedule["schedule"]["conference"]["days"]
        for room in day["rooms"].values()
        for e in room
    ]
    [event] = [e for e in events if e["title"] == "Brain metastases"]
    assert "Roche" in event["description"] and STATEMENT in event["description"]
    rows = list(csv.DictReader(io.StringIO(after["csv"])))
    [row] = [r for r in rows if r["session"] == "Brain metastases"]
    assert row["accreditation"].startswith("Disclosures: Zhang Wei 张伟: Roche")


def test_satellites_say_not_accredited_once_in_the_list_and_every_export(
    client, congress, cme_settings, make_session, officer, disclose, publish
):
    _accredited, satellite, labelled, zhang = _setup(congress, make_session, disclose, officer)
    services.review_relationship(
        zhang.relationships[0], officer, relevance="relevant", mitigation="recusal"
    )
    db.session.commit()
    publish()
    texts = _exports(client)
    for kind, text in texts.items():
        assert NOT_ACCREDITED in _unfold(text), kind
    rows = list(csv.DictReader(io.StringIO(texts["csv"])))
    by_session = {r["session"]: r for r in rows}
    assert by_session["Lunch symposium"]["accreditation"] == NOT_ACCREDITED
    # The industry domain's title label is not repeated.
    assert by_session[labelled.title]["accreditation"] == ""
    schedule = json.loads(texts["json"])
    descriptions = {
        e["title"]: e["description"]
        for day in schedule["schedule"]["conference"]["days"]
        for room in day["rooms"].values()
        for e in room
    }
    assert descriptions["Lunch symposium"] == NOT_ACCREDITED
    assert "not accredited" not in descriptions[labelled.title]
    page = client.get("/met26/program").get_data(as_text=True)
    assert page.count("Not accredited, organized by its sponsor") == 1
    assert labelled.title in page
    assert satellite.id


def test_no_disclosure_line_without_cme_set_up(client, congress, make_session, publish):
    make_session("Plenary without CME settings")
    publish()
    for kind, text in _exports(client).items():
        assert "Disclosures:" not in text, kind


def test_the_program_book_carries_both_lines(
    client,
    congress,
    cme_settings,
    make_session,
    officer,
    disclose,
    publish,
    build_books,  # noqa: F811
):
    _accredited, _satellite, _labelled, zhang = _setup(congress, make_session, disclose, officer)
    services.review_relationship(
        zhang.relationships[0], officer, relevance="relevant", mitigation="attestation"
    )
    db.session.commit()
    publish()
    build_books()
    book = client.get("/met26/program/schedule.pdf")
    assert book.status_code == 200
    text = " ".join(_pdf_text(book.data).split())
    assert "Roche (Consulting or advisory role)" in text
    assert "have been mitigated" in text
    assert "not accredited, organized by its sponsor" in text


def test_presentations_of_an_accredited_session_carry_its_line(
    client, congress, cme_settings, make_session, make_abstract, officer, disclose, publish
):
    session = make_session("Liver metastases", chairs=["Zhang Wei 张伟 <zhang@example.org>"])
    abstract = make_abstract(presenter_name="Łukasz Wróbel", presenter_email="lukasz@example.org")
    session_services.add_presentation(session, abstract=abstract)
    db.session.commit()
    disclose("zhang@example.org", "Zhang Wei 张伟", nothing=True)
    disclose("lukasz@example.org", "Łukasz Wróbel", nothing=True)
    publish()
    schedule = json.loads(client.get("/met26/program/schedule.json").data)
    events = [
        e
        for day in schedule["schedule"]["conference"]["days"]
        for room in day["rooms"].values()
        for e in room
    ]
    assert events and all(
        "None of the faculty of this session has a relevant financial relationship"
        in e["description"]
        for e in events
    )
