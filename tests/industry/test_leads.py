"""Lead retrieval: consent, the prescriber flag on every scan, idempotent scans, a company's
leads never reach another company, withdrawal removes them, CSV export."""

from __future__ import annotations

import csv
import io

import pytest

from conference.errors import NotFound
from conference.extensions import db
from conference.industry import exhibition, leads
from conference.registration import services as registration_services
from tests.industry.conftest import staff


def test_consenting_attendee_gives_contact_details(congress, sponsor_a, attendees):
    doctor, _student = attendees
    result = leads.record_scan(sponsor_a, doctor.reference, scan_id="s1")
    assert result.created and result.is_consented and result.is_prescriber
    assert result.contact["email"] == doctor.email
    assert result.contact["category"] == "Oncologist"


def test_no_contact_details_without_consent(congress, sponsor_a, attendees):
    _doctor, student = attendees
    result = leads.record_scan(sponsor_a, student.reference.lower(), scan_id="s2")
    assert result.created and not result.is_consented and result.contact is None
    assert result.lead.registration_id is None  # not even who it was is kept
    assert result.is_prescriber is False
    found = leads.get_leads(sponsor_a)
    assert (found.consented, found.anonymous) == (0, 1)


def test_every_scan_shows_the_prescriber_flag(client, auth, congress, sponsor_a, attendees):
    doctor, student = attendees
    auth.login(sponsor_a.test_contact)
    page = client.post(
        f"/met26/sponsor/{sponsor_a.id}/scan", data={"reference": student.reference, "scan_id": "a"}
    ).get_data(as_text=True)
    assert "Not a prescriber" in page and "Do not promote prescription medicines" in page
    assert "novák@hospital.example" not in page and "Novák" not in page
    page = client.post(
        f"/met26/sponsor/{sponsor_a.id}/scan", data={"reference": doctor.reference, "scan_id": "b"}
    ).get_data(as_text=True)
    assert "Healthcare professional who may prescribe." in page
    assert "Παπαδοπούλου" in page


def test_a_scan_id_sent_twice_records_once(congress, sponsor_a, attendees):
    _doctor, student = attendees
    first = leads.record_scan(sponsor_a, student.reference, scan_id="phone-1:42")
    again = leads.record_scan(sponsor_a, student.reference, scan_id="phone-1:42")
    assert first.created and not again.created and first.lead.id == again.lead.id
    assert leads.get_leads(sponsor_a).anonymous == 1


def test_unknown_badge_is_refused(congress, sponsor_a, attendees):
    with pytest.raises(NotFound) as caught:
        leads.record_scan(sponsor_a, "MET26-XXXX")
    assert "reference" in caught.value.fields


def test_withdrawn_consent_removes_the_lead_from_every_company(
    congress, sponsor_a, sponsor_b, attendees
):
    doctor, _ = attendees
    leads.record_scan(sponsor_a, doctor.reference)
    leads.record_scan(sponsor_b, doctor.reference)
    db.session.commit()
    registration_services.update_details(doctor, {"share_with_exhibitors": False})
    db.session.commit()
    for sponsor in (sponsor_a, sponsor_b):
        found = leads.get_leads(sponsor)
        assert (found.consented, found.anonymous) == (0, 1)
        assert all(row.contact is None for row in found.rows)


def test_a_company_never_sees_another_companys_leads(
    client, auth, api_token, congress, sponsor_a, sponsor_b, attendees
):
    doctor, _ = attendees
    leads.record_scan(sponsor_b, doctor.reference)
    db.session.commit()
    auth.login(sponsor_a.test_contact)
    for path in ("leads", "leads.csv", "scan"):
        assert client.get(f"/met26/sponsor/{sponsor_b.id}/{path}").status_code == 404
    assert (
        client.post(
            f"/met26/sponsor/{sponsor_b.id}/scan", data={"reference": doctor.reference}
        ).status_code
        == 404
    )
    page = client.get(f"/met26/sponsor/{sponsor_a.id}/leads").get_data(as_text=True)
    assert doctor.email not in page
    headers = api_token(sponsor_a.test_contact)
    body = client.get("/api/v1/congresses/met26/leads", headers=headers).get_json()
    assert body["consented"] == 0 and body["leads"] == []
    response = client.get(
        f"/api/v1/congresses/met26/leads?sponsor_id={sponsor_b.id}", headers=headers
    )
    assert response.status_code == 404


def test_organizers_do_not_see_lead_details(client, auth, organizer, sponsor_a, attendees):
    leads.record_scan(sponsor_a, attendees[0].reference)
    db.session.commit()
    auth.login(organizer)
    assert client.get(f"/met26/sponsor/{sponsor_a.id}/leads").status_code == 404
    assert client.get(f"/met26/sponsor/{sponsor_a.id}/leads.csv").status_code == 404


def test_leads_csv_has_consenting_people_only(client, auth, congress, sponsor_a, attendees):
    doctor, student = attendees
    leads.record_scan(sponsor_a, doctor.reference)
    leads.record_scan(sponsor_a, student.reference)
    db.session.commit()
    auth.login(sponsor_a.test_contact)
    response = client.get(f"/met26/sponsor/{sponsor_a.id}/leads.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["scanned_at", "name", "email"]
    assert [row[2] for row in rows[1:]] == [doctor.email]
    assert rows[1][-1] == "yes" and rows[1][4] == "Greece"


def test_staff_on_a_pass_can_scan_with_their_account(
    client, auth, create_user, congress, sponsor_a, industry_category, attendees
):
    exhibition.register_staff(sponsor_a, staff(1, email="booth@oncora.example"))
    db.session.commit()
    booth_staff = create_user(email="booth@oncora.example")
    auth.login(booth_staff)
    response = client.post(
        f"/met26/sponsor/{sponsor_a.id}/scan",
        data={"reference": attendees[1].reference, "scan_id": "x1"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 201
    assert response.get_json() == {
        "scan_id": "x1",
        "created": True,
        "is_prescriber": False,
        "consented": False,
        "contact": None,
    }
    # Staff scan; the leads themselves are for the company's contact people.
    assert client.get(f"/met26/sponsor/{sponsor_a.id}/leads").status_code == 404


def test_scans_through_the_api(client, api_token, congress, sponsor_a, attendees):
    doctor, student = attendees
    headers = api_token(sponsor_a.test_contact)
    body = {"reference": doctor.reference, "scan_id": "api-1"}
    response = client.post("/api/v1/congresses/met26/leads/scans", json=body, headers=headers)
    assert response.status_code == 201
    assert response.get_json()["contact"]["email"] == doctor.email
    replay = client.post("/api/v1/congresses/met26/leads/scans", json=body, headers=headers)
    assert replay.status_code == 200 and replay.get_json()["created"] is False
    anonymous = client.post(
        "/api/v1/congresses/met26/leads/scans",
        json={"reference": student.reference, "scan_id": "api-2"},
        headers=headers,
    ).get_json()
    assert anonymous["contact"] is None and anonymous["is_prescriber"] is False
    listed = client.get("/api/v1/congresses/met26/leads", headers=headers).get_json()
    assert (listed["consented"], listed["anonymous"]) == (1, 1)
    assert [lead["email"] for lead in listed["leads"]] == [doctor.email]
    bad = client.post(
        "/api/v1/congresses/met26/leads/scans", json={"reference": ""}, headers=headers
    )
    assert bad.status_code == 422
