"""A booth scan on a phone: typed reference, the prescriber flag and consent shown, a scan
made offline sent when the phone is back online."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from conference.extensions import db
from conference.industry.models import Lead
from tests.e2e.test_phone import PHONE, log_in, page_width
from tests.industry.conftest import attendees, gold, sponsor_a  # noqa: F401 (fixtures)


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=3, is_mobile=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def test_booth_scan_on_a_phone(phone, congress, sponsor_a, attendees, live_server_factory):  # noqa: F811
    doctor, student = attendees
    server = live_server_factory()
    log_in(phone, server.url, sponsor_a.test_contact)
    phone.goto(f"{server.url}/met26/sponsor/{sponsor_a.id}/scan")
    phone.get_by_label("Badge reference").fill(doctor.reference)
    with phone.expect_navigation():
        phone.get_by_role("button", name="Record").click()
    assert (
        "Healthcare professional who may prescribe."
        in phone.locator("#prescriber-status").inner_text()
    )
    assert doctor.email in phone.locator("#lead-contact").inner_text()
    assert page_width(phone) <= PHONE["width"]

    # The booth's Wi-Fi drops: the scan waits on the phone, then goes when it is back.
    phone.context.set_offline(True)
    phone.get_by_label("Badge reference").fill(student.reference)
    phone.get_by_role("button", name="Record").click()
    phone.locator("#offline-queue").wait_for(state="visible")
    assert "1" in phone.locator("#offline-queue").inner_text()
    phone.context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    phone.locator("#offline-queue").wait_for(state="hidden")
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Lead.id))) == 2
    anonymous = db.session.scalar(select(Lead).where(Lead.registration_id.is_(None)))
    assert anonymous is not None and anonymous.is_prescriber is False
