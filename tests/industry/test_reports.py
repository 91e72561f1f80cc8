"""Sponsor reports: each sponsor its own figures; organizers all figures and the money, never
lead details."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from conference.extensions import db
from conference.industry import exhibition, leads, services
from conference.industry.reports import organizer_report, sponsor_figures
from conference.registration import services as registration_services
from conference.timeutil import local_to_utc
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


def _door(congress, registration, room, at, direction, n):
    from conference.cme import attendance

    [answer] = attendance.record_scans(
        congress,
        [
            {
                "client_id": f"door-{n}",
                "reference": registration.reference,
                "room": room.id,
                "scanned_at": at,
                "direction": direction,
            }
        ],
        now=at + timedelta(days=30),
    )
    assert answer.status == "stored", answer.errors


def test_satellite_attendance_comes_from_door_scans(
    client, auth, organizer, congress, sponsor_a, attendees
):
    from conference.industry import satellites
    from conference.program import services as program_services
    from conference.program.queries import get_rooms

    room = get_rooms(congress)[0]
    other_room = program_services.create_room(congress, name="Room 2.01")
    starts = local_to_utc(datetime.combine(congress.starts_on, time(12, 30)), congress.tz)
    slot = satellites.create_slot(
        congress, room_id=room.id, starts_at=starts, ends_at=starts + timedelta(minutes=60)
    )
    satellites.request_slot(
        slot,
        sponsor_a,
        {
            "title": "HER2-low metastatic breast cancer",
            "speakers": [{"name": "Dr Lena Berg", "email": "lena.berg@karolinska.example"}],
        },
    )
    satellites.approve_slot(slot)
    db.session.commit()
    [satellite] = sponsor_figures(congress, [sponsor_a])[0].satellites
    assert satellite.attendance is None  # not measured: not the same as nobody came
    auth.login(sponsor_a.test_contact)
    page = client.get(f"/met26/sponsor/{sponsor_a.id}/report").get_data(as_text=True)
    assert "HER2-low metastatic breast cancer" in page and "no door scans" in page

    doctor, student = attendees
    # Scanned in at the door before it starts, out after it.
    _door(congress, doctor, room, starts - timedelta(minutes=5), "in", 1)
    _door(congress, doctor, room, starts + timedelta(minutes=70), "out", 2)
    _door(congress, doctor, room, starts + timedelta(minutes=80), "in", 3)  # came back: once
    db.session.commit()
    [satellite] = sponsor_figures(congress, [sponsor_a])[0].satellites
    assert satellite.attendance == 1
    # In the morning session of the same room, then elsewhere before the satellite: not there.
    _door(congress, student, room, starts - timedelta(hours=3), "in", 4)
    _door(congress, student, other_room, starts - timedelta(hours=1), "in", 5)
    db.session.commit()
    assert sponsor_figures(congress, [sponsor_a])[0].satellites[0].attendance == 1
    # Then into the satellite late, leaving for another room: counted.
    _door(congress, student, room, starts + timedelta(minutes=20), "in", 6)
    _door(congress, student, other_room, starts + timedelta(minutes=40), "in", 7)
    db.session.commit()
    assert sponsor_figures(congress, [sponsor_a])[0].satellites[0].attendance == 2
    page = client.get(f"/met26/sponsor/{sponsor_a.id}/report").get_data(as_text=True)
    assert "2 attendees (door scans)" in page and "no door scans" not in page
    auth.login(organizer)
    page = client.get("/met26/manage/industry/report").get_data(as_text=True)
    assert "2 attendees (door scans)" in page


def test_attendance_is_measured_only_where_doors_were_scanned(congress, attendees):
    from conference.cme.queries import count_room_attendance
    from conference.program import services as program_services
    from conference.program.queries import get_rooms

    room = get_rooms(congress)[0]
    other_room = program_services.create_room(congress, name="Room 2.01")
    morning = local_to_utc(datetime.combine(congress.starts_on, time(9, 0)), congress.tz)
    _door(congress, attendees[0], room, morning, "in", 1)
    _door(congress, attendees[0], room, morning + timedelta(minutes=30), "out", 2)
    db.session.commit()
    windows = {
        "morning": (room.id, morning, morning + timedelta(hours=1)),
        "afternoon": (room.id, morning + timedelta(hours=5), morning + timedelta(hours=6)),
        "elsewhere": (other_room.id, morning, morning + timedelta(hours=1)),
        "next day": (room.id, morning + timedelta(days=1), morning + timedelta(days=1, hours=1)),
    }
    assert count_room_attendance(congress, windows) == {
        "morning": 1,
        "afternoon": 0,  # the door was scanned that day: nobody came
        "elsewhere": None,
        "next day": None,
    }
