"""The schedule editor at ASCO size, in Chromium: 24 rooms fit a 1440 px window when zoomed
out, a track filter reduces the blocks, a keyboard move updates the grid without leaving the
page, and a refused move keeps its message until it is dismissed."""

from __future__ import annotations

from datetime import datetime

import pytest

from conference.extensions import db
from conference.program import sessions as session_services
from conference.program.models import Room
from conference.timeutil import local_to_utc
from tests.e2e.test_program import login

ROOMS = 24


@pytest.fixture
def asco_day(congress):
    """24 rooms, a session in each (tracks in turn), and one session with a late talk."""

    def at(clock: str):
        hour, minute = (int(x) for x in clock.split(":"))
        local = datetime.combine(congress.starts_on, datetime.min.time())
        return local_to_utc(local.replace(hour=hour, minute=minute), congress.tz)

    rooms = [congress.rooms[0]]
    for n in range(2, ROOMS + 1):
        room = Room(congress_id=congress.id, name=f"Room S{n:02d}", capacity=200, position=n)
        db.session.add(room)
        rooms.append(room)
    db.session.flush()
    sessions = []
    for index, room in enumerate(rooms):
        sessions.append(
            session_services.create_session(
                congress,
                title=f"Session in {room.name}",
                format="oral",
                track=congress.tracks[index % 3],
                room=room,
                starts_at=at("09:00"),
                ends_at=at("10:30"),
                is_accredited=True,
            )
        )
    session_services.add_presentation(
        sessions[1], title="Late talk on bone metastases", speakers=[], starts_at=at("10:00")
    )
    db.session.commit()
    return rooms, sessions


def test_the_editor_at_asco_size(browser, live_server_factory, organizer, congress, asco_day):
    rooms, sessions = asco_day
    server = live_server_factory()
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, server, organizer)
    day = congress.starts_on.isoformat()

    # Zoomed out, every room's column lies inside the window.
    page.goto(f"{server.url}/met26/manage/program?day={day}&zoom=fit")
    heads = page.locator(".sched-col .sched-room-head")
    assert heads.count() == ROOMS
    for index in range(ROOMS):
        box = heads.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1440, (index, box)
        assert box["width"] >= 30, (index, box)
    assert page.evaluate(
        "(() => { const s = document.querySelector('.sched-scroll');"
        " return s.scrollWidth <= s.clientWidth; })()"
    )
    assert page.locator(".sched-session").count() == ROOMS

    # Filtering by a track keeps the zoom and shows that track's sessions only.
    page.select_option("#view-tracks", [str(congress.tracks[1].id)])
    page.click("#view-form button[type=submit]")
    page.wait_for_url("**track=*")
    assert "zoom=fit" in page.url
    assert page.locator(".sched-session").count() == ROOMS // 3
    page.click("text=Clear filters")
    page.wait_for_url(lambda url: "track=" not in url)
    assert page.locator(".sched-session").count() == ROOMS

    # A keyboard move: the grid changes, the page (and this marker) stays.
    page.evaluate("window.__editorMarker = 'still here'")
    moving = sessions[0]
    page.locator(f"#session-{moving.id} .sched-move").focus()
    page.keyboard.press("Enter")
    assert page.locator("#move-panel").is_visible()
    page.select_option("#move-room", str(rooms[5].id))
    page.fill("#move-starts", f"{day}T13:00")
    with page.expect_response(lambda r: f"/sessions/{moving.id}/move" in r.url) as info:
        page.keyboard.press("Enter")
    assert info.value.status == 200
    block = page.locator(f"#session-{moving.id}")
    page.wait_for_function(
        f"document.querySelector('#session-{moving.id}').dataset.start === '{day}T13:00'"
    )
    assert block.get_attribute("data-room-id") == str(rooms[5].id)
    assert page.locator(f'.sched-room[data-room-id="{rooms[5].id}"] #session-{moving.id}').count()
    assert page.locator(f'.sched-room[data-room-id="{rooms[0].id}"] .sched-session').count() == 0
    assert page.locator("#move-panel").is_hidden()
    assert page.evaluate("window.__editorMarker") == "still here"

    # A refused move says why, and the message stays until it is dismissed.
    refused = sessions[1]
    page.locator(f"#session-{refused.id} .sched-move").click()
    page.fill("#move-starts", f"{day}T09:00")
    page.fill("#move-ends", f"{day}T09:30")
    with page.expect_response(lambda r: f"/sessions/{refused.id}/move" in r.url) as info:
        page.click("#move-submit")
    assert info.value.status == 422
    message = page.locator("#editor-message")
    message.wait_for(state="visible")
    assert message.get_attribute("role") == "alert"
    assert "Late talk on bone metastases" in message.inner_text()
    page.wait_for_timeout(2000)  # the old editor reloaded the page after 1.5 s
    assert message.is_visible()
    assert page.evaluate("window.__editorMarker") == "still here"
    assert page.locator(f"#session-{refused.id}").get_attribute("data-end") == f"{day}T10:30"
    page.click("#editor-message-close")
    assert message.is_hidden()
    assert not errors
    context.close()
