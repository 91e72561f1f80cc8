"""What learners are shown before an accredited session: relevant relationships only, the
mitigation statement only when recorded, the one-page disclosure slide, and industry
satellites labelled as not accredited."""

from __future__ import annotations

import io

from pypdf import PdfReader

from conference.cme import services
from conference.extensions import db
from conference.program import sessions as session_services


def _text_of(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), " ".join(page.extract_text() for page in reader.pages)


def _clear(officer, disclosure, mitigation="peer_review"):
    for r in disclosure.relationships:
        if r.company == "Sanofi":
            services.review_relationship(r, officer, relevance="not_relevant")
        else:
            services.review_relationship(
                r,
                officer,
                relevance="relevant",
                mitigation=mitigation,
                peer_reviewer="Dr Jan Nowak",
            )
    db.session.commit()


def test_session_page_lists_relevant_relationships_and_states_mitigation_only_when_recorded(
    client, congress, cme_settings, make_session, make_abstract, officer, disclose, publish
):
    session = make_session("Brain metastases", chairs=["Zhang Wei 张伟 <zhang@example.org>"])
    abstract = make_abstract(presenter_name="Łukasz Wróbel", presenter_email="lukasz@example.org")
    session_services.add_presentation(session, abstract=abstract)
    db.session.commit()
    zhang = disclose(
        "zhang@example.org",
        "Zhang Wei 张伟",
        relationships=[("Roche", "consulting_advisory"), ("Sanofi", "travel")],
    )
    lukasz = disclose("lukasz@example.org", "Łukasz Wróbel", nothing=True)
    _clear(officer, zhang)
    publish()
    # A new relationship after publishing is shown as not reviewed, and the statement goes.
    services.submit_disclosure(
        lukasz,
        nothing_to_disclose=False,
        relationships=[{"company": "Merck", "nature": "honoraria", "started_on": "2026-06-01"}],
    )
    db.session.commit()
    page = client.get(f"/met26/program/sessions/{session.id}").get_data(as_text=True)
    assert "Roche (Consulting or advisory role)" in page
    assert "Sanofi" not in page  # not relevant: learners do not see it
    assert "Merck" not in page and "disclosure not yet reviewed" in page
    assert 'id="mitigation-statement"' not in page
    services.review_relationship(lukasz.relationships[0], officer, relevance="not_relevant")
    db.session.commit()
    page = client.get(f"/met26/program/sessions/{session.id}").get_data(as_text=True)
    assert 'id="mitigation-statement"' in page
    assert "have been mitigated" in page
    assert "no relevant financial relationships" in page  # Łukasz


def test_disclosure_slide_is_one_page_with_every_name(
    client, congress, cme_settings, make_session, officer, disclose, publish
):
    chairs = [f"Chair {n} Παπαδόπουλος <chair{n}@example.org>" for n in range(14)]
    session = make_session("Lung metastases", chairs=chairs)
    for n in range(14):
        disclosure = disclose(
            f"chair{n}@example.org", f"Chair {n}", relationships=[(f"Pharma {n} AG", "stock")]
        )
        _clear(officer, disclosure, mitigation="role_change")
    publish()
    response = client.get(f"/met26/program/sessions/{session.id}/disclosure.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages, text = _text_of(response.data)
    assert pages == 1
    assert "Παπαδόπουλος" in text and "Pharma 13 AG" in text
    assert "have been mitigated" in text
    pdf = response.data
    assert b"/Helvetica" not in pdf  # embedded Unicode fonts, never the core fonts


def test_slide_without_recorded_mitigation_makes_no_claim(
    client, congress, cme_settings, make_session, disclose, publish
):
    session = make_session("Peritoneal metastases", chairs=["Ana Souza <ana@example.org>"])
    disclose("ana@example.org", "Ana Souza", relationships=[("Roche", "stock")])
    services.update_settings(congress, requires_mitigation=False)
    db.session.commit()
    publish()
    _pages, text = _text_of(client.get(f"/met26/program/sessions/{session.id}/disclosure.pdf").data)
    assert "Ana Souza" in text and "mitigated" not in text


def test_no_slide_for_sessions_that_are_not_accredited(
    client, congress, cme_settings, make_session, publish
):
    satellite = make_session(
        "Sponsored symposium", format="industry_satellite", is_accredited=False
    )
    publish()
    assert client.get(f"/met26/program/sessions/{satellite.id}/disclosure.pdf").status_code == 404
    assert client.get("/met26/program/sessions/999999/disclosure.pdf").status_code == 404
    page = client.get(f"/met26/program/sessions/{satellite.id}").get_data(as_text=True)
    assert "not accredited" in page
