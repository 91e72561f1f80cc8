"""The issue's "Done when", walked on the demo congress: physicians were scanned into sessions
and evaluated them; one claims credits and downloads a verifiable CME certificate; the CME
officer mitigates the disclosure still awaiting review and the accredited sessions publish;
the organizer downloads the accreditor's learner and event reports."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from datetime import time as clock

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from conference.accounts.models import User
from conference.cme import certificates
from conference.cme.attendance import learner_credits
from conference.cme.models import AttendanceScan, Certificate, FinancialRelationship, Relevance
from conference.cme.queries import get_disclosure_by_email, get_uncleared_faculty
from conference.errors import Conflict
from conference.extensions import db
from conference.program.conflicts import detect_conflicts
from conference.program.faculty import get_faculty
from conference.program.publishing import publish_program
from conference.registration.models import Registration
from conference.timeutil import local_to_utc


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def test_the_cme_done_when_walks_on_the_demo(app, client, auth, tmp_path, demo_copy):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    congress = demo_copy().congress

    # The demo's disclosures: all in, a speaker's relevant relationship mitigated, a
    # reviewer's awaiting review. A speaker's new relationship holds the publish.
    assert get_uncleared_faculty(congress) == []
    speaker = next(e for e in get_faculty(congress) if e.is_accredited and e.email)
    disclosure = get_disclosure_by_email(congress, speaker.email)
    disclosure.nothing_to_disclose = False
    disclosure.relationships.append(
        FinancialRelationship(company="Ipsen", nature="honoraria", started_on=date(2026, 1, 5))
    )
    db.session.commit()
    assert {p.problem for p in get_uncleared_faculty(congress)} == {"pending"}
    keys = [c.key for c in detect_conflicts(congress)]
    with pytest.raises(Conflict) as caught:
        publish_program(congress, None, keys)
    assert caught.value.code == "blocking_conflicts"
    db.session.rollback()
    auth.login(_user("cme@example.org"))
    pending_ones = db.session.scalars(
        select(FinancialRelationship).where(FinancialRelationship.relevance == Relevance.PENDING)
    ).all()
    assert {r.company for r in pending_ones} == {"Ipsen", "Novartis"}  # Novartis: a reviewer's
    for pending in pending_ones:
        response = client.post(
            f"/met26/manage/cme/relationships/{pending.id}",
            data={
                f"r{pending.id}-relevance": "relevant",
                f"r{pending.id}-mitigation": "role_change",
                f"r{pending.id}-note": "Moved from speaker to panel member without slides.",
            },
        )
        assert response.status_code == 302
    assert get_uncleared_faculty(congress) == []
    version = publish_program(congress, None, [c.key for c in detect_conflicts(congress)])
    db.session.commit()
    assert version.number == 2

    # A physician scanned on day one (and who evaluated the congress) claims their credits.
    scanned = set(db.session.scalars(select(AttendanceScan.registration_id)))
    holders = set(db.session.scalars(select(Certificate.registration_id)))
    assert len(holders) == 1 and holders < scanned
    physician = next(
        db.session.get(Registration, i)
        for i in sorted(scanned - holders)
        if learner_credits(congress, i).claimable > 0
    )
    evening = local_to_utc(datetime.combine(congress.starts_on, clock(19)), congress.tz)
    credits = learner_credits(congress, physician.id).claimable
    certificate = certificates.claim_credits(congress, physician, now=evening)
    db.session.commit()
    assert str(certificate.kind) == "cme" and float(certificate.credits) == credits > 0

    # Every demo sponsor has a logo: none reaches the certificate or a disclosure slide
    # (ACCME Standard 5): the certificate holds no picture at all (its verification QR code is
    # drawn as vector squares).
    from conference.industry import services as industry
    from conference.industry.models import Sponsor
    from tests.industry.conftest import PNG

    sponsors = db.session.scalars(select(Sponsor).where(Sponsor.congress_id == congress.id)).all()
    for sponsor in sponsors:
        industry.set_logo(sponsor, PNG)
    db.session.commit()
    assert sponsors
    pdf = client.get(f"/met26/cme/certificates/{certificate.code}.pdf")
    reader = PdfReader(io.BytesIO(pdf.data))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert physician.full_name in " ".join(text.split()) and certificate.code in text
    assert sum(len(page.images) for page in reader.pages) == 0
    accredited = next(e for e in get_faculty(congress) if e.is_accredited)
    slide = PdfReader(
        io.BytesIO(
            client.get(f"/met26/program/sessions/{accredited.session_id}/disclosure.pdf").data
        )
    )
    slide_text = " ".join(page.extract_text() for page in slide.pages)
    assert "Disclos" in slide_text or "disclos" in slide_text
    assert sum(len(page.images) for page in slide.pages) == 0
    for sponsor in sponsors:
        assert sponsor.name not in text and sponsor.name not in slide_text
    page = client.get(f"/met26/cme/verify/{certificate.code}").get_data(as_text=True)
    assert "This certificate is genuine." in page and physician.full_name in page

    auth.login(_user("organizer@example.org"))
    learners = list(
        csv.reader(
            io.StringIO(
                client.get("/met26/manage/cme/reports/learners.csv").data.decode("utf-8-sig")
            )
        )
    )
    assert len(learners) == 3 and physician.full_name in {row[1] for row in learners}
    assert client.get("/met26/manage/cme/reports/event.csv").status_code == 200
    event = client.get("/met26/manage/cme/reports/event.pdf")
    text = " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(event.data)).pages).split()
    )
    assert "Prof. Élodie Marchand" in text and "Change of role" in text
    assert "The congress as a whole: 3 answers" in text  # under 5: counts only
