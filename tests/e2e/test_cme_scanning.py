"""In Chromium: door staff scan badges at a room while the network is cut; every scan is kept
on the device, sent when the connection returns, and stored once."""

from __future__ import annotations

from sqlalchemy import select

from conference.cme.models import AttendanceScan
from conference.extensions import db
from conference.registration import services
from conference.registration.queries import get_category_by_slug
from tests.factories import PASSWORD


def _register(congress, n):
    oncologist = get_category_by_slug(congress, "oncologist")
    services.set_category_rules(
        oncologist, fees={"early": "450", "regular": "550", "onsite": "650"}
    )
    registration, _ = services.register_attendee(
        congress,
        {
            "first_name": "Αλέξανδρος",
            "last_name": f"Παπαδόπουλος {n}",
            "email": f"alexandros{n}@example.org",
            "affiliation": "Εθνικό και Καποδιστριακό Πανεπιστήμιο Αθηνών",
            "country": "GR",
            "category": "oncologist",
            "badge_name": "",
            "dietary": "",
            "accessibility": "",
            "share_with_exhibitors": False,
            "accept_terms": True,
        },
    )
    db.session.commit()
    return registration.reference


def _stored():
    db.session.expire_all()
    return db.session.scalars(select(AttendanceScan)).all()


def test_scans_made_offline_are_sent_once_when_the_network_returns(
    browser, congress, organizer, live_server_factory
):
    references = [_register(congress, n) for n in range(3)]
    server = live_server_factory()
    context = browser.new_context(viewport={"width": 820, "height": 1180})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{server.url}/login")
        page.fill("#email", organizer.email)
        page.fill("#password", PASSWORD)
        page.click("input[type=submit]")
        page.goto(f"{server.url}/met26/manage/cme/scan")

        # Online: the first scan goes straight through.
        page.fill("#scan-reference", references[0].lower())
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.getElementById('scan-pending').textContent === '0'")
        assert len(_stored()) == 1

        # The Wi-Fi drops: scans are kept on the device.
        context.set_offline(True)
        for reference in references[1:]:
            page.fill("#scan-reference", reference)
            page.keyboard.press("Enter")
        page.click("label[for='scan-out']")
        page.fill("#scan-reference", references[0])
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.getElementById('scan-pending').textContent === '3'")
        assert len(_stored()) == 1
        assert "offline" in page.inner_text("#scan-connection")

        # It comes back: everything is sent, once.
        context.set_offline(False)
        page.wait_for_function(
            "() => document.getElementById('scan-pending').textContent === '0'", timeout=20_000
        )
        scans = _stored()
        assert len(scans) == 4
        assert len({s.client_id for s in scans}) == 4
        assert sorted(str(s.direction) for s in scans) == ["in", "in", "in", "out"]
        assert all(s.room_id == congress.rooms[0].id for s in scans)
        assert errors == []
    finally:
        context.close()
