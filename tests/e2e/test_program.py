"""Browser journeys of the program: an organizer drags an accepted abstract into a session,
sees the conflict it causes, fixes it and publishes; an attendee stars a session and
downloads their agenda."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from conference.extensions import db
from conference.program import sessions as session_services
from conference.program.models import Room
from conference.timeutil import local_to_utc
from tests.factories import PASSWORD
from tests.program.conftest import make_abstract as make_abstract


@pytest.fixture
def scheduled(congress, make_abstract):
    tz = congress.tz

    def at(clock: str):
        hour, minute = (int(x) for x in clock.split(":"))
        return local_to_utc(
            datetime.combine(congress.starts_on, datetime.min.time()).replace(
                hour=hour, minute=minute
            ),
            tz,
        )

    hall_b = Room(congress_id=congress.id, name="Hall B", capacity=300, position=1)
    db.session.add(hall_b)
    db.session.flush()
    target = session_services.create_session(
        congress,
        title="Liver metastases",
        format="oral",
        room=congress.rooms[0],
        starts_at=at("09:00"),
        ends_at=at("10:30"),
        is_accredited=True,
    )
    clash = session_services.create_session(
        congress,
        title="Bone metastases",
        format="oral",
        room=hall_b,
        starts_at=at("09:00"),
        ends_at=at("10:30"),
        is_accredited=True,
        chairs=["Paola Presenter <paola@example.org>"],
    )
    db.session.commit()
    abstract = make_abstract(
        title="Hepatic arterial infusion after resection", presenter_email="paola@example.org"
    )
    return target, clash, abstract


def login(page, server, user):
    page.goto(f"{server.url}/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit], form input[type=submit]")
    page.wait_for_load_state()


def drag(page, source, target):
    """Drag with real mouse moves (SortableJS runs in fallback mode)."""
    source_box = source.bounding_box()
    target_box = target.bounding_box()
    page.mouse.move(source_box["x"] + 10, source_box["y"] + 8)
    page.mouse.down()
    page.mouse.move(source_box["x"] + 20, source_box["y"] + 20, steps=5)
    page.mouse.move(
        target_box["x"] + target_box["width"] / 2,
        target_box["y"] + target_box["height"] / 2,
        steps=20,
    )
    page.mouse.move(
        target_box["x"] + target_box["width"] / 2 + 2,
        target_box["y"] + target_box["height"] / 2 + 2,
        steps=5,
    )
    page.mouse.up()


def test_organizer_drags_fixes_and_publishes_attendee_stars(
    page, browser, live_server_factory, organizer, create_user, congress, scheduled
):
    target, _clash, abstract = scheduled
    server = live_server_factory()
    login(page, server, organizer)
    day = congress.starts_on.isoformat()
    page.goto(f"{server.url}/met26/manage/program?day={day}")
    assert page.locator(".conflict[data-kind=unscheduled_abstract]").count() == 1

    with page.expect_response(lambda r: "/editor/sessions/" in r.url) as response_info:
        drag(
            page,
            page.locator(f"#abstract-{abstract.id} .sched-abstract-title"),
            page.locator(f"#session-{target.id} .sched-presentations"),
        )
    assert response_info.value.status == 200
    page.wait_for_load_state()
    page.wait_for_selector(f"#session-{target.id} .sched-presentation")
    conflict = page.locator(".conflict[data-kind=person_overlap]")
    conflict.wait_for()
    assert "Paola Presenter" in conflict.inner_text()
    expect(page.locator(".conflict[data-kind=unscheduled_abstract]")).to_have_count(0)

    # Fix it: follow the link to the other session and move it later.
    conflict.locator("a", has_text="Bone metastases").click()
    page.fill("#starts_at", f"{day}T11:00")
    page.fill("#ends_at", f"{day}T12:30")
    page.click("#session-form [type=submit]")
    page.wait_for_load_state()
    assert page.locator("#session-warnings").count() == 0
    page.goto(f"{server.url}/met26/manage/program?day={day}")
    page.wait_for_selector("#no-conflicts")

    page.goto(f"{server.url}/met26/manage/program/publish")
    # The button says it is working (static/js/working.js); the post is held back by a
    # listener that runs after the page's own, then sent by hand.
    page.evaluate("window.addEventListener('submit', (event) => event.preventDefault())")
    page.click("#publish-button")
    assert page.locator("#publish-button").is_disabled()
    assert page.inner_text("#publish-button") == "Preparing the preview…"
    page.evaluate("document.getElementById('publish-form').submit()")
    page.wait_for_selector("#publish-confirm")  # the preview: who is emailed, a sample each
    assert "program/placed" in page.locator("#preview-messages").inner_text()
    page.click("#confirm-publish-button")
    page.wait_for_selector("text=Version 1 of the program is published.")
    assert not page.js_errors

    # An attendee stars the session and downloads the agenda.
    attendee = create_user(email="attendee@example.org")
    context = browser.new_context()
    visitor = context.new_page()
    login(visitor, server, attendee)
    visitor.goto(f"{server.url}/met26/program")
    session_item = visitor.locator(".program-session", has_text="Liver metastases")
    assert "Hepatic arterial infusion after resection" in session_item.inner_text()
    session_item.locator("button", has_text="Add to my agenda").click()
    visitor.wait_for_selector("text=Added to your agenda.")
    visitor.goto(f"{server.url}/met26/program/agenda")
    with visitor.expect_download() as download_info:
        visitor.click("#download-agenda")
    calendar = Calendar.from_ical(Path(download_info.value.path()).read_bytes())
    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == ["Liver metastases"]
    context.close()


def test_organizer_moves_and_resizes_a_session_by_dragging(
    page, live_server_factory, organizer, congress, scheduled
):
    target, clash, _abstract = scheduled
    server = live_server_factory()
    login(page, server, organizer)
    day = congress.starts_on.isoformat()
    page.goto(f"{server.url}/met26/manage/program?day={day}")
    assert page.locator(".conflict[data-kind=room_overlap]").count() == 0
    page.evaluate("window.__editorMarker = 'no reload'")  # a reload would drop it
    head = page.locator(f"#session-{clash.id} .sched-session-head")
    box = head.bounding_box()
    hall_a = page.locator(f"#session-{target.id}").bounding_box()
    # Drag "Bone metastases" into Hall A, one hour later (2 px per minute): a room overlap.
    with page.expect_response(lambda r: f"/sessions/{clash.id}/move?" in r.url) as info:
        page.mouse.move(box["x"] + box["width"] - 5, box["y"] + 3)
        page.mouse.down()
        page.mouse.move(hall_a["x"] + hall_a["width"] / 2, box["y"] + 60, steps=10)
        page.mouse.move(hall_a["x"] + hall_a["width"] / 2, box["y"] + 123, steps=10)
        page.mouse.up()
    assert info.value.status == 200
    page.wait_for_load_state()
    page.locator(".conflict[data-kind=room_overlap]").wait_for()
    moved = page.locator(f"#session-{clash.id}")
    assert moved.get_attribute("data-start") == f"{day}T10:00"
    assert moved.get_attribute("data-room-id") == str(congress.rooms[0].id)

    # Drag it half an hour later (the overlap is gone), then make it 30 minutes longer.
    page.locator(f"#session-{clash.id}").scroll_into_view_if_needed()
    head = page.locator(f"#session-{clash.id} .sched-session-head").bounding_box()
    with page.expect_response(lambda r: f"/sessions/{clash.id}/move?" in r.url):
        page.mouse.move(head["x"] + head["width"] - 5, head["y"] + 3)
        page.mouse.down()
        page.mouse.move(head["x"] + head["width"] - 5, head["y"] + 30, steps=5)
        page.mouse.move(head["x"] + head["width"] - 5, head["y"] + 63, steps=5)
        page.mouse.up()
    page.wait_for_load_state()
    page.wait_for_selector(".conflict[data-kind=unscheduled_abstract]")
    # The editor redraws the conflicts after the response: wait for the overlap to go.
    expect(page.locator(".conflict[data-kind=room_overlap]")).to_have_count(0)
    expect(page.locator(f"#session-{clash.id}")).to_have_attribute("data-start", f"{day}T10:30")
    page.locator(f"#session-{clash.id} .sched-resize").scroll_into_view_if_needed()
    handle = page.locator(f"#session-{clash.id} .sched-resize").bounding_box()
    with page.expect_response(lambda r: f"/sessions/{clash.id}/move?" in r.url):
        page.mouse.move(handle["x"] + 20, handle["y"] + 3)
        page.mouse.down()
        page.mouse.move(handle["x"] + 20, handle["y"] + 30, steps=5)
        page.mouse.move(handle["x"] + 20, handle["y"] + 63, steps=5)
        page.mouse.up()
    page.wait_for_load_state()
    page.wait_for_selector(".conflict[data-kind=unscheduled_abstract]")
    # The editor redraws the conflicts after the response: wait for the overlap to go.
    expect(page.locator(".conflict[data-kind=room_overlap]")).to_have_count(0)
    expect(page.locator(f"#session-{clash.id}")).to_have_attribute("data-end", f"{day}T12:30")
    assert page.evaluate("window.__editorMarker") == "no reload"
    assert not page.js_errors
