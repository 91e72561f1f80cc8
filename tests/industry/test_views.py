"""Industry pages: organizers, a sponsor's own contact people (never another company's), the
public sponsors page; logos never on accredited pages."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta

import pytest

from conference.extensions import db
from conference.industry import services
from conference.timeutil import local_to_utc
from tests.industry.conftest import PNG


def test_organizer_signs_a_company_up(client, auth, organizer, congress, gold):
    auth.login(organizer)
    response = client.post(
        "/met26/manage/industry/sponsors/new",
        data={"name": "Oncora Therapeutics", "package": str(gold.id), "country": "FR"},
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Oncora Therapeutics" in page and "Bag insert" in page


def test_sign_up_errors_are_shown_next_to_the_fields(client, auth, organizer, congress, gold):
    auth.login(organizer)
    response = client.post(
        "/met26/manage/industry/sponsors/new",
        data={"name": "Oncora", "package": str(gold.id), "website": "ftp:/x<b>"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter an address starting with https://" in page
    assert 'value="ftp:/x&lt;b&gt;"' in page  # what was typed is kept, escaped


def test_sold_out_package_is_refused_with_a_message(client, auth, organizer, congress, gold):
    services.update_package(gold, available=0)
    db.session.commit()
    auth.login(organizer)
    response = client.post(
        "/met26/manage/industry/sponsors/new", data={"name": "Oncora", "package": str(gold.id)}
    )
    assert response.status_code == 422
    assert "sold out" in response.get_data(as_text=True)


def test_package_form(client, auth, organizer, congress):
    auth.login(organizer)
    response = client.post(
        "/met26/manage/industry/packages/new",
        data={"name": "Platinum", "price": "40000", "available": "1", "benefits": "A\nB\n"},
    )
    assert response.status_code == 302
    bad = client.post(
        "/met26/manage/industry/packages/new", data={"name": "P2", "price": "x", "available": "1"}
    )
    assert bad.status_code == 422 and "Enter an amount" in bad.get_data(as_text=True)


def test_benefit_is_ticked_on_the_checklist(client, auth, organizer, sponsor_a):
    auth.login(organizer)
    benefit = sponsor_a.benefits[1]
    url = f"/met26/manage/industry/sponsors/{sponsor_a.id}/benefits/{benefit.id}"
    assert client.post(url, data={"delivered": "y"}).status_code == 302
    db.session.refresh(benefit)
    assert benefit.delivered_at is not None


def test_contact_manages_their_own_sponsor(client, auth, sponsor_a):
    auth.login(sponsor_a.test_contact)
    assert (
        client.get("/met26/sponsor").headers["Location"].endswith(f"/met26/sponsor/{sponsor_a.id}")
    )
    response = client.post(
        f"/met26/sponsor/{sponsor_a.id}",
        data={"description": "Precision oncology", "website": "https://oncora.example"},
    )
    assert response.status_code == 302
    response = client.post(
        f"/met26/sponsor/{sponsor_a.id}/logo",
        data={"logo": (io.BytesIO(PNG), "logo.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    logo = client.get(f"/met26/sponsors/{sponsor_a.id}/logo")
    assert logo.status_code == 200 and logo.data == PNG and logo.mimetype == "image/png"
    pdf = client.get(f"/met26/sponsor/{sponsor_a.id}/contract.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/met26/sponsor/{id}"),
        ("POST", "/met26/sponsor/{id}"),
        ("POST", "/met26/sponsor/{id}/logo"),
        ("GET", "/met26/sponsor/{id}/contract.pdf"),
    ],
)
def test_a_contact_of_company_a_never_reaches_company_b(
    client, auth, sponsor_a, sponsor_b, method, path
):
    auth.login(sponsor_a.test_contact)
    response = client.open(path.format(id=sponsor_b.id), method=method, data={})
    assert response.status_code == 404


def test_contacts_cannot_use_organizer_pages(client, auth, sponsor_a):
    auth.login(sponsor_a.test_contact)
    assert client.get(f"/met26/manage/industry/sponsors/{sponsor_a.id}").status_code == 403
    assert client.get("/met26/manage/industry").status_code == 403


def test_public_sponsors_page_by_tier(client, sponsor_a, sponsor_b):
    services.set_logo(sponsor_a, PNG)
    db.session.commit()
    page = client.get("/met26/sponsors").get_data(as_text=True)
    assert page.index("Gold") < page.index("Oncora") < page.index("Silver") < page.index("Helix")
    assert f"/met26/sponsors/{sponsor_a.id}/logo" in page


def test_logos_never_appear_on_accredited_pages(client, auth, organizer, congress, sponsor_a):
    """ACCME Standard 5: no company logos on accredited session pages (program, sessions)."""
    from conference.program import sessions
    from conference.program.publishing import publish_program
    from conference.program.queries import get_rooms

    services.set_logo(sponsor_a, PNG)
    db.session.commit()
    starts = local_to_utc(datetime.combine(congress.starts_on, time(9)), congress.tz)
    session = sessions.create_session(
        congress,
        title="Liquid biopsy in metastatic breast cancer",
        format="educational",
        room=get_rooms(congress)[0],
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        is_accredited=True,
    )
    db.session.commit()
    publish_program(congress, organizer)
    db.session.commit()
    auth.login(organizer)
    seen = 0
    for url in ("/met26/program", f"/met26/program/sessions/{session.id}"):
        response = client.get(url)
        if response.status_code == 200:
            seen += 1
            page = response.get_data(as_text=True)
            assert f"/met26/sponsors/{sponsor_a.id}/logo" not in page and "Oncora" not in page, url
    assert seen == 2


def test_organizer_sees_sponsors_booths_passes_and_money_in_one_place(
    client, auth, organizer, congress, sponsor_a
):
    from conference.industry import exhibition

    exhibition.create_booth(congress, number="A07", sponsor_id=sponsor_a.id)
    db.session.commit()
    auth.login(organizer)
    page = client.get("/met26/manage/industry").get_data(as_text=True)
    assert "Oncora Therapeutics" in page and "A07" in page
    assert "0 of 4" in page  # passes used of included
    assert "25,000.00" in page  # the money of the Gold package sold
