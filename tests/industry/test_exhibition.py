"""Exhibitor passes (through the registration domain) and booths."""

from __future__ import annotations

import pytest

from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.industry import exhibition
from conference.registration.models import RegistrationStatus
from conference.registration.queries import get_registration
from tests.industry.conftest import staff


def test_staff_registered_on_a_pass_is_confirmed_without_paying(
    congress, sponsor_a, industry_category
):
    exhibitor_pass = exhibition.register_staff(sponsor_a, staff(1))
    db.session.commit()
    registration = get_registration(congress, exhibitor_pass.registration_reference)
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.amount_due == 0 and registration.fee_amount == 0
    assert registration.category.slug == "industry-professional"
    assert registration.affiliation == "Oncora Therapeutics"
    assert not registration.category.is_cme_eligible
    assert sponsor_a.passes_used == 1


def test_passes_never_exceed_the_package(congress, sponsor_a, industry_category):
    for n in range(4):  # Gold includes 4
        exhibition.register_staff(sponsor_a, staff(n))
        db.session.commit()
    with pytest.raises(Conflict) as caught:
        exhibition.register_staff(sponsor_a, staff(9))
    assert caught.value.code == "passes_used_up"
    db.session.rollback()
    db.session.refresh(sponsor_a)
    assert sponsor_a.passes_used == 4


def test_a_refused_registration_uses_no_pass(congress, sponsor_a, industry_category):
    with pytest.raises(ValidationFailed) as caught:
        exhibition.register_staff(sponsor_a, staff(1, email="not an email", last_name=""))
    assert {"email", "last_name"} <= set(caught.value.fields)
    db.session.rollback()
    db.session.refresh(sponsor_a)
    assert sponsor_a.passes_used == 0


def test_exhibitor_badges_are_never_cme_eligible(congress, sponsor_a, industry_category):
    industry_category.is_cme_eligible = True
    db.session.commit()
    with pytest.raises(Conflict) as caught:
        exhibition.register_staff(sponsor_a, staff(1))
    assert caught.value.code == "exhibitor_category_cme"


def test_a_pass_given_back_cancels_the_registration(congress, sponsor_a, industry_category):
    exhibitor_pass = exhibition.register_staff(sponsor_a, staff(1))
    db.session.commit()
    reference = exhibitor_pass.registration_reference
    exhibition.cancel_pass(exhibitor_pass)
    db.session.commit()
    assert get_registration(congress, reference).status == RegistrationStatus.CANCELLED
    assert sponsor_a.passes_used == 0


def test_booths_are_placed_and_assigned(congress, sponsor_a, sponsor_b):
    booth = exhibition.create_booth(congress, number="A12", hall="Hall 1", size="3 x 3 m")
    exhibition.update_booth(booth, x="12.5", y="40", sponsor_id=sponsor_a.id)
    db.session.commit()
    assert booth.sponsor.name == "Oncora Therapeutics"
    assert [b.number for b in exhibition.get_booths(congress, "oncora")] == ["A12"]
    assert exhibition.get_booths(congress, "helix") == []
    with pytest.raises(ValidationFailed) as caught:
        exhibition.update_booth(booth, x="140", sponsor_id=99999)
    assert set(caught.value.fields) == {"x", "sponsor_id"}
    with pytest.raises(Conflict):
        exhibition.create_booth(congress, number="a12")


# -- pages and API ---------------------------------------------------------------------------


def test_contact_registers_staff_on_the_passes_page(
    client, auth, congress, sponsor_a, industry_category
):
    auth.login(sponsor_a.test_contact)
    response = client.post(f"/met26/sponsor/{sponsor_a.id}/passes", data=staff(1))
    assert response.status_code == 302
    page = client.get(f"/met26/sponsor/{sponsor_a.id}/passes").get_data(as_text=True)
    assert "Łukasz Nowak1" in page and "1 of 4 passes used" in page
    bad = client.post(f"/met26/sponsor/{sponsor_a.id}/passes", data=staff(2, email="nope"))
    assert bad.status_code == 422
    assert 'value="nope"' in bad.get_data(as_text=True)


def test_contact_of_a_never_registers_on_bs_passes(
    client, auth, api_token, sponsor_a, sponsor_b, industry_category
):
    auth.login(sponsor_a.test_contact)
    assert client.get(f"/met26/sponsor/{sponsor_b.id}/passes").status_code == 404
    assert client.post(f"/met26/sponsor/{sponsor_b.id}/passes", data=staff(1)).status_code == 404
    exhibitor_pass = exhibition.register_staff(sponsor_b, staff(2))
    db.session.commit()
    url = f"/met26/sponsor/{sponsor_b.id}/passes/{exhibitor_pass.id}/cancel"
    assert client.post(url).status_code == 404
    # Nor with B's id in A's address.
    assert (
        client.post(f"/met26/sponsor/{sponsor_a.id}/passes/{exhibitor_pass.id}/cancel").status_code
        == 404
    )
    headers = api_token(sponsor_a.test_contact)
    response = client.post(
        f"/api/v1/congresses/met26/sponsors/{sponsor_b.id}/passes", json=staff(3), headers=headers
    )
    assert response.status_code == 404
    assert (
        client.get(
            f"/api/v1/congresses/met26/sponsors/{sponsor_b.id}/passes", headers=headers
        ).status_code
        == 404
    )


def test_passes_through_the_api(client, api_token, sponsor_a, industry_category):
    headers = api_token(sponsor_a.test_contact)
    response = client.post(
        f"/api/v1/congresses/met26/sponsors/{sponsor_a.id}/passes", json=staff(1), headers=headers
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["passes_used"] == 1 and body["passes_included"] == 4
    bad = client.post(
        f"/api/v1/congresses/met26/sponsors/{sponsor_a.id}/passes",
        json=staff(2, country="XX"),
        headers=headers,
    )
    assert bad.status_code == 422 and "country" in bad.get_json()["error"]["fields"]
    assert (
        client.post(
            f"/api/v1/congresses/met26/sponsors/{sponsor_a.id}/passes", json=staff(4)
        ).status_code
        == 401
    )


def test_organizer_places_booths_and_the_public_finds_them(
    client, auth, organizer, congress, sponsor_a
):
    from conference.program import services as program_services
    from tests.industry.conftest import PNG

    hall = program_services.create_room(congress, name="Hall 1", kind="exhibition_area")
    db.session.commit()
    auth.login(organizer)
    response = client.post(
        "/met26/manage/industry/booths",
        data={
            "number": "A12",
            "room_id": str(hall.id),
            "x": "25",
            "y": "50",
            "sponsor_id": str(sponsor_a.id),
        },
    )
    assert response.status_code == 302
    bad = client.post("/met26/manage/industry/booths", data={"number": "B1", "x": "200"})
    assert bad.status_code == 422 and "Enter a number from 0 to 100" in bad.get_data(as_text=True)
    import io

    response = client.post(
        "/met26/manage/industry/floor-plan",
        data={"floor_plan": (io.BytesIO(PNG), "plan.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    auth.logout()
    page = client.get("/met26/exhibition?q=oncora").get_data(as_text=True)
    assert "A12" in page and "Oncora Therapeutics" in page and "left:25.00%" in page
    assert client.get("/met26/exhibition/floor-plan").data == PNG
    assert "No booth matches." in client.get("/met26/exhibition?q=zzz").get_data(as_text=True)
    assert "A12" in client.get("/met26/exhibition?q=hall 1").get_data(as_text=True)
    booths = client.get("/api/v1/congresses/met26/booths?q=A12").get_json()
    assert booths == [
        {
            "id": booths[0]["id"],
            "number": "A12",
            "hall": "Hall 1",
            "room_id": hall.id,
            "size": "",
            "x": "25.00",
            "y": "50.00",
            "sponsor": "Oncora Therapeutics",
        }
    ]


def test_exhibitor_badges_are_marked_with_the_company(congress, sponsor_a, industry_category):
    import io as _io

    from pypdf import PdfReader

    from conference.registration import documents

    exhibitor_pass = exhibition.register_staff(sponsor_a, staff(1))
    db.session.commit()
    registration = get_registration(congress, exhibitor_pass.registration_reference)
    text = PdfReader(_io.BytesIO(documents.badge_pdf(registration))).pages[0].extract_text()
    assert "EXHIBITOR" in text and "Oncora Therapeutics" in text
    assert "Non-prescriber" in text  # and no CME eligibility: the category is not eligible
    sheet = PdfReader(_io.BytesIO(documents.badges_pdf([registration]))).pages[0].extract_text()
    assert "EXHIBITOR" in sheet


def test_passes_beyond_the_package_are_bought_at_the_exhibitor_fee(
    client, auth, congress, sponsor_a, industry_category
):
    from conference.money.queries import get_active_invoice
    from tests.factories import set_up_seller

    set_up_seller(congress)
    for n in range(4):
        exhibition.register_staff(sponsor_a, staff(n))
    db.session.commit()
    auth.login(sponsor_a.test_contact)
    page = client.get(f"/met26/sponsor/{sponsor_a.id}/passes").get_data(as_text=True)
    assert "at the exhibitor fee" in page and "900.00" in page
    response = client.post(f"/met26/sponsor/{sponsor_a.id}/passes", data={**staff(5), "extra": "1"})
    assert response.status_code == 302
    extra = exhibition.get_passes(sponsor_a)[-1]
    assert extra.is_included is False
    registration = get_registration(congress, extra.registration_reference)
    assert registration.status == RegistrationStatus.AWAITING_PAYMENT
    # 900.00 including 20 % VAT; a French company with a VAT id pays it net (reverse charge).
    assert str(registration.fee_amount) == "750.00"
    invoice = get_active_invoice(congress, "registration", registration.reference)
    assert invoice is not None and invoice.buyer_name == "Oncora Therapeutics SAS"
    db.session.refresh(sponsor_a)
    assert sponsor_a.passes_used == 4  # the included passes only
    exhibition.cancel_pass(extra)
    db.session.commit()
    assert sponsor_a.passes_used == 4
