"""Issue 12's "Done when", on the demo congress: the gold sponsor's contact registers its booth
staff, requests a satellite that the organizer approves and publishes, its staff scan attendees
at the booth (with and without consent) and the company exports its leads; the organizer sees
sponsors, booths, passes and money in one place."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from conference.accounts import services as accounts
from conference.accounts.models import User
from conference.demo.core import DEMO_PASSWORD
from conference.extensions import db
from conference.industry.models import SatelliteSlot, Sponsor
from conference.program.conflicts import detect_conflicts
from conference.registration.models import Registration, RegistrationStatus

STAFF_EMAIL = "agnieszka.wozniak@helix-biopharma.example.org"


@pytest.fixture
def demo(app, tmp_path, demo_copy):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    return demo_copy()


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _attendee(congress, *, consent: bool) -> Registration:
    return db.session.scalar(
        select(Registration)
        .where(
            Registration.congress_id == congress.id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.share_with_exhibitors.is_(consent),
            Registration.erased_at.is_(None),
        )
        .order_by(Registration.id)
        .limit(1)
    )


def test_gold_sponsor_journey_on_the_demo_congress(client, auth, demo, api_token):
    congress = demo.congress
    slug = congress.slug
    helix = db.session.scalar(
        select(Sponsor).where(Sponsor.congress_id == congress.id, Sponsor.name == "Helix Biopharma")
    )
    assert helix.package.name == "Gold"
    contact = _user("sponsor@example.org")
    organizer = _user("organizer@example.org")

    # The contact registers booth staff on the package's passes.
    auth.login(contact)
    used = helix.passes_used
    response = client.post(
        f"/{slug}/sponsor/{helix.id}/passes",
        data={
            "first_name": "Agnieszka",
            "last_name": "Woźniak",
            "email": STAFF_EMAIL,
            "country": "PL",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(helix)
    assert helix.passes_used == used + 1 <= helix.package.exhibitor_passes
    passes = client.get(f"/{slug}/sponsor/{helix.id}/passes").get_data(as_text=True)
    assert "Woźniak" in passes

    # ... requests the open satellite slot with its title and faculty.
    slot = db.session.scalar(select(SatelliteSlot).where(SatelliteSlot.congress_id == congress.id))
    response = client.post(
        f"/{slug}/sponsor/{helix.id}/satellites",
        data={
            "slot_id": str(slot.id),
            "title": "Antibody-drug conjugates in HER2-low metastatic breast cancer",
            "chairs": "Prof. Sigrún Jónsdóttir; Landspítali University Hospital; sj@lsh.example",
            "speakers": "Dr Mehmet Yılmaz; Hacettepe University; m.yilmaz@hacettepe.example\n"  # noqa: RUF001
            "Dr Olusegun Adeyemi; University College Hospital, Ibadan; o.adeyemi@uch.example",
            "description": "Case-based discussion of sequencing after endocrine therapy.",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)

    # The organizer approves it and publishes the program.
    auth.login(organizer)
    response = client.post(f"/{slug}/manage/industry/satellites/{slot.id}/approve")
    assert response.status_code == 302
    db.session.refresh(slot)
    assert slot.status == "approved" and slot.session_id
    headers = api_token(organizer)
    blocking = [c for c in detect_conflicts(congress) if c.is_blocking]
    assert not [c for c in blocking if c.touches("session", slot.session_id)]
    keys = [c.key for c in detect_conflicts(congress)]
    response = client.post(
        f"/api/v1/congresses/{slug}/program/publish", json={"acknowledge": keys}, headers=headers
    )
    assert response.status_code == 201, response.get_json()
    auth.logout()
    session_page = client.get(f"/{slug}/program/sessions/{slot.session_id}")
    page = session_page.get_data(as_text=True)
    assert "not accredited — organized by Helix Biopharma" in page
    assert "Dr Mehmet Yılmaz" in page  # noqa: RUF001 and "Sigrún Jónsdóttir" in page

    # The staff member signs in with the pass's address and scans at the booth.
    accounts.sign_up(
        email=STAFF_EMAIL,
        password=DEMO_PASSWORD,
        name="Agnieszka Woźniak",
        affiliation="Helix Biopharma GmbH",
        country="PL",
        confirmed=True,
    )
    db.session.commit()
    auth.login(_user(STAFF_EMAIL))
    consenting = _attendee(congress, consent=True)
    declining = _attendee(congress, consent=False)
    results = {}
    for name, registration in (("yes", consenting), ("no", declining)):
        response = client.post(
            f"/{slug}/sponsor/{helix.id}/scan",
            data={"reference": registration.reference, "scan_id": f"booth-a01-{name}"},
            headers={"Accept": "application/json"},
        )
        assert response.status_code == 201, response.get_json()
        results[name] = response.get_json()
    assert results["yes"]["consented"] and results["yes"]["contact"]["email"]
    assert not results["no"]["consented"] and results["no"]["contact"] is None
    for name, registration in (("yes", consenting), ("no", declining)):
        assert results[name]["is_prescriber"] is registration.category.is_prescriber
    # Staff scan; they do not read the company's leads.
    assert client.get(f"/{slug}/sponsor/{helix.id}/leads.csv").status_code == 404

    # The contact exports the leads: the consenting attendee only.
    auth.login(contact)
    response = client.get(f"/{slug}/sponsor/{helix.id}/leads.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row["email"] for row in rows] == [consenting.email]
    assert declining.email not in response.get_data(as_text=True)
    report = client.get(f"/{slug}/sponsor/{helix.id}/report").get_data(as_text=True)
    assert "no door scans" in report  # the demo has no door scans at the satellite

    # The organizer sees sponsors, booths, passes and money in one place.
    auth.login(organizer)
    overview = client.get(f"/{slug}/manage/industry")
    assert overview.status_code == 200
    page = overview.get_data(as_text=True)
    for name in ("Helix Biopharma", "Nordlys Diagnostics", "Ōkami Oncology"):
        assert name in page
    assert "A01" in page  # Helix's booth
    assert f"{used + 1} of {helix.package.exhibitor_passes}" in page
    assert "30,000.00" in page  # the gold package sold once
    assert (
        "Total of the packages sold" in page and "54,000.00" in page
    )  # 30,000 gold + 2 x 12,000 silver
    assert consenting.email not in page  # never a lead's details
