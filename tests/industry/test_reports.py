"""Sponsor reports: each sponsor its own figures; organizers all figures and the money, never
lead details."""

from __future__ import annotations

from conference.extensions import db
from conference.industry import exhibition, leads, services
from conference.industry.reports import organizer_report, sponsor_figures
from conference.registration import services as registration_services
from tests.industry.conftest import staff


def test_figures_count_leads_passes_benefits_and_booths(
    congress, sponsor_a, sponsor_b, attendees, industry_category, organizer
):
    doctor, student = attendees
    leads.record_scan(sponsor_a, doctor.reference)
    leads.record_scan(sponsor_a, student.reference)
    leads.record_scan(sponsor_b, student.reference)
    exhibition.register_staff(sponsor_a, staff(1))
    services.set_benefit_delivered(sponsor_a.benefits[0], True, by=organizer)
    exhibition.create_booth(congress, number="A01", sponsor_id=sponsor_a.id)
    db.session.commit()
    figures = sponsor_figures(congress, [sponsor_a])[0]
    assert (figures.visits, figures.consented, figures.anonymous, figures.prescribers) == (
        2,
        1,
        1,
        1,
    )
    assert (figures.passes_used, figures.passes_included) == (1, 4)
    assert (figures.benefits_delivered, figures.benefits_total) == (1, 4)
    assert figures.booths == ["A01"]
    # A withdrawn consent turns the lead into an anonymous visit in the report too.
    registration_services.update_details(doctor, {"share_with_exhibitors": False})
    db.session.commit()
    figures = sponsor_figures(congress, [sponsor_a])[0]
    assert (figures.consented, figures.anonymous) == (0, 2)
    every, money = organizer_report(congress)
    assert [f.sponsor.name for f in every] == ["Oncora Therapeutics", "Helix Biopharma GmbH"]
    assert [(m.package.name, m.sold, str(m.total)) for m in money] == [
        ("Gold", 1, "25000.00"),
        ("Silver", 1, "10000.00"),
    ]


def test_report_pages(client, auth, organizer, congress, sponsor_a, sponsor_b, attendees):
    leads.record_scan(sponsor_a, attendees[0].reference)
    db.session.commit()
    auth.login(organizer)
    page = client.get("/met26/manage/industry/report").get_data(as_text=True)
    assert "Oncora Therapeutics" in page and "25,000.00" in page.replace("€", "")
    assert attendees[0].email not in page
    auth.login(sponsor_a.test_contact)
    assert client.get(f"/met26/sponsor/{sponsor_a.id}/report").status_code == 200
    assert client.get(f"/met26/sponsor/{sponsor_b.id}/report").status_code == 404
    assert client.get("/met26/manage/industry/report").status_code == 403
