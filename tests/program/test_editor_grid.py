"""The schedule editor at congress size: zoom, compact mode and room/track filters as GET
parameters kept in links; overfull sessions say so and still list every talk; moves answer
with the re-rendered blocks of the sessions they touched (the fragment calls), refusals with
their message and status."""

from __future__ import annotations

import re

import pytest
from lxml import html

from conference.extensions import db
from conference.program import sessions as services
from conference.program.schedule_models import ProgramSession

JSON = {"Accept": "application/json"}


@pytest.fixture
def editor(client, auth, organizer):
    auth.login(organizer)
    return client


def soup(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return html.fromstring(response.get_data(as_text=True))


def fragment(text: str):
    return html.fragment_fromstring(text.strip())


def cls(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def one(node, xpath: str):
    found = node.xpath(xpath)
    return found[0] if found else None


def classes(element) -> list[str]:
    return (element.get("class") or "").split()


def block_ids(page) -> set[int]:
    return {
        int(i)
        for i in page.xpath(f'//*[@id="schedule-grid"]//*[{cls("sched-session")}]/@data-session-id')
    }


def room_heads(page) -> list[str]:
    return [
        h.text_content().strip()
        for h in page.xpath(f"//*[{cls('sched-col')}]/*[{cls('sched-room-head')}]")
    ]


@pytest.fixture
def two_tracks(congress, make_session, room_b):
    metastasis, immunology, _surgery = congress.tracks
    hall_a = congress.rooms[0]
    a = make_session("Liver metastases", track=metastasis, room=hall_a)
    b = make_session("Checkpoint inhibitors", track=immunology, room=room_b)
    coffee = make_session("Coffee", format="break", is_accredited=False, start="10:30", end="11:00")
    return a, b, coffee


# -- filters and zoom ---------------------------------------------------------------------------


def test_filtering_by_track_shows_only_that_tracks_sessions(editor, congress, two_tracks):
    a, b, coffee = two_tracks
    day = congress.starts_on.isoformat()
    assert block_ids(soup(editor.get(f"/met26/manage/program?day={day}"))) == {
        a.id,
        b.id,
        coffee.id,
    }
    immunology = congress.tracks[1].id
    page = soup(editor.get(f"/met26/manage/program?day={day}&track={immunology}"))
    assert block_ids(page) == {b.id}
    assert "2 sessions of this day hidden" in page.text_content()
    # Several tracks at once, and the "no track" choice (breaks).
    metastasis = congress.tracks[0].id
    page = soup(
        editor.get(f"/met26/manage/program?day={day}&track={immunology}&track={metastasis}")
    )
    assert block_ids(page) == {a.id, b.id}
    assert block_ids(soup(editor.get(f"/met26/manage/program?day={day}&track=0"))) == {coffee.id}


def test_filtering_by_room_shows_only_those_columns(editor, congress, two_tracks, room_b):
    a, b, coffee = two_tracks
    day = congress.starts_on.isoformat()
    page = soup(editor.get(f"/met26/manage/program?day={day}&room={room_b.id}"))
    assert room_heads(page) == ["Hall B (100)"] and block_ids(page) == {b.id}
    hall_a = congress.rooms[0].id
    page = soup(editor.get(f"/met26/manage/program?day={day}&room={room_b.id}&room={hall_a}"))
    assert len(room_heads(page)) == 2 and block_ids(page) == {a.id, b.id, coffee.id}


@pytest.mark.parametrize("value", ["999999", "x", "-1", str(2**40), ""])
def test_filter_values_naming_no_room_or_track_are_ignored(editor, congress, two_tracks, value):
    page = soup(
        editor.get(f"/met26/manage/program?room={value}&track={value}&zoom=huge&day=nonsense")
    )
    assert block_ids(page) == {s.id for s in two_tracks}
    assert one(page, '//*[@id="schedule-grid"]').get("data-px-per-minute") == "2"


def test_zoom_fit_shrinks_the_scale_and_uses_the_whole_width(editor, congress, two_tracks):
    a, _b, _coffee = two_tracks
    day = congress.starts_on.isoformat()
    normal = soup(editor.get(f"/met26/manage/program?day={day}"))
    fit = soup(editor.get(f"/met26/manage/program?day={day}&zoom=fit"))
    assert "zoom-normal" in classes(one(normal, '//*[@id="schedule-grid"]'))
    assert "zoom-fit" in classes(one(fit, '//*[@id="schedule-grid"]'))
    assert "container-fluid" in classes(one(fit, "//main"))
    assert "container-fluid" not in classes(one(normal, "//main"))

    def height(page):
        style = one(page, f'//*[@id="session-{a.id}"]').get("style")
        return int(re.search(r"height: (\d+)px", style)[1])

    assert height(normal) == 180 and height(fit) == 90  # 90 minutes at 2 and 1 px per minute


def test_links_keep_the_chosen_view(editor, congress, two_tracks, room_b, make_abstract):
    make_abstract()
    track = congress.tracks[1].id
    day = congress.starts_on.isoformat()
    query = f"day={day}&zoom=fit&compact=1&room={room_b.id}&track={track}"
    page = soup(editor.get(f"/met26/manage/program?{query}"))
    day_links = page.xpath('//nav[@aria-label="Days"]//a/@href')
    assert len(day_links) > 1
    for href in day_links:
        assert "zoom=fit" in href and "compact=1" in href
        assert f"room={room_b.id}" in href and f"track={track}" in href
    assert "zoom=normal" not in one(page, '//*[@id="zoom-normal"]').get(
        "href"
    )  # the default is left out
    assert f"room={room_b.id}" in one(page, '//*[@id="zoom-normal"]').get("href")
    assert "compact" not in one(page, '//*[@id="toggle-compact"]').get("href")
    place = one(page, f"//form[{cls('sched-place-form')}]")
    hidden = {(i.get("name"), i.get("value")) for i in place.xpath(".//input[@type='hidden']")}
    assert {("zoom", "fit"), ("compact", "1"), ("room", str(room_b.id))} <= hidden
    move = one(page, f"//a[{cls('sched-move')}]").get("href")
    assert "zoom=fit" in move and f"track={track}" in move


def test_compact_mode_shows_only_essential_text(editor, congress, make_session, make_abstract):
    session = make_session()
    services.add_presentation(session, abstract=make_abstract(title="A" * 80))
    db.session.commit()
    full = soup(editor.get("/met26/manage/program"))
    compact = soup(editor.get("/met26/manage/program?compact=1"))
    assert "is-compact" in classes(one(compact, '//*[@id="schedule-grid"]'))
    assert full.xpath(f"//*[{cls('sched-ptime')}]") and not compact.xpath(
        f"//*[{cls('sched-ptime')}]"
    )
    full_text = one(full, f"//li[{cls('sched-presentation')}]").text_content().strip()
    compact_text = one(compact, f"//li[{cls('sched-presentation')}]").text_content().strip()
    assert len(compact_text) < len(full_text)
    assert (
        one(compact, f"//li[{cls('sched-presentation')}]").get("title") == "A" * 80
    )  # all of it on hover


# -- overfull sessions --------------------------------------------------------------------------


def test_an_overfull_session_says_so_and_lists_every_talk(editor, congress, make_session, at):
    session = make_session(start="09:00", end="10:00")
    titles = [f"Talk {n} on bone metastases" for n in range(1, 5)]
    for title in titles:  # four half-hour talks overlapping in an hour
        services.add_presentation(
            session, title=title, speakers=[], starts_at=at(0, "09:00"), ends_at=at(0, "09:30")
        )
    calm = make_session("Calm", start="11:00", end="12:00")
    services.add_presentation(calm, title="Only talk", speakers=[])
    db.session.commit()
    assert session.overfull_minutes == 60 and calm.overfull_minutes == 0
    page = soup(editor.get("/met26/manage/program"))
    block = one(page, f'//*[@id="session-{session.id}"]')
    assert "is-overfull" in classes(block)
    assert (
        one(block, f".//*[{cls('sched-overfull')}]").text_content().strip() == "Overfull by 60 min"
    )
    assert block.xpath(f".//li[{cls('sched-presentation')}]/@title") == titles
    assert (
        one(block, f".//ol[{cls('sched-presentations')}]").get("tabindex") == "0"
    )  # scrollable by keyboard
    calm_block = one(page, f'//*[@id="session-{calm.id}"]')
    assert "is-overfull" not in classes(calm_block)
    assert not calm_block.xpath(f".//*[{cls('sched-overfull')}]")


# -- the move form and the fragment calls --------------------------------------------------------


def move(client, session, congress, *, headers=JSON, **data):
    day = congress.starts_on.isoformat()
    body = {"room": str(congress.rooms[0].id), "starts_at": f"{day}T11:00", **data}
    return client.post(
        f"/met26/manage/program/sessions/{session.id}/move", data=body, headers=headers
    )


def test_moving_a_session_returns_its_new_block(editor, congress, make_session, room_b):
    session = make_session()
    response = move(editor, session, congress, room=str(room_b.id))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["ok"] and body["message"] == "Session moved."
    [item] = body["blocks"]
    assert item["session_id"] == session.id and item["room_id"] == room_b.id
    block = fragment(item["html"])
    day = congress.starts_on.isoformat()
    assert block.get("data-start") == f"{day}T11:00" and block.get("data-end") == f"{day}T12:30"
    assert block.get("data-room-id") == str(room_b.id)
    assert 'id="conflicts"' in body["conflicts_html"]
    db.session.expire_all()
    assert db.session.get(ProgramSession, session.id).room_id == room_b.id
    # The page renders the same partial for the same session.
    page = soup(editor.get(f"/met26/manage/program?day={day}"))
    in_page = one(page, f'//*[@id="session-{session.id}"]')
    assert html.tostring(in_page, with_tail=False) == html.tostring(block, with_tail=False)


def test_a_move_also_returns_the_blocks_whose_conflict_mark_changed(
    editor, congress, make_session, room_b
):
    moving = make_session("Moving", room=room_b)
    other = make_session("Other", start="11:00", end="12:00")
    body = move(editor, moving, congress).get_json()  # now overlaps "Other" in Hall A
    blocks = {item["session_id"]: item["html"] for item in body["blocks"]}
    assert set(blocks) == {moving.id, other.id}
    assert all("has-conflict" in html for html in blocks.values())
    assert "room_overlap" in body["conflicts_html"]


def test_a_refused_move_returns_the_message_and_the_unchanged_block(
    editor, congress, make_session, at
):
    session = make_session()
    services.add_presentation(session, title="Late talk", speakers=[], starts_at=at(0, "10:00"))
    db.session.commit()
    day = congress.starts_on.isoformat()
    response = move(editor, session, congress, starts_at=f"{day}T09:00", ends_at=f"{day}T09:30")
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"]["message"] == "A presentation would fall outside its session."
    assert "Late talk" in body["error"]["fields"]["ends_at"][0]
    [item] = body["blocks"]
    assert f'data-end="{day}T10:30"' in item["html"]
    db.session.expire_all()
    assert db.session.get(ProgramSession, session.id).minutes == 90


def test_bad_move_form_input_is_a_422_naming_the_field(editor, congress, make_session):
    session = make_session()
    response = move(editor, session, congress, starts_at="soon", room="999")
    assert response.status_code == 422
    assert {"starts_at", "room"} <= set(response.get_json()["error"]["fields"])


def test_without_javascript_the_move_form_redirects_to_the_same_view(
    editor, congress, make_session, room_b
):
    session = make_session()
    page = soup(
        editor.get(f"/met26/manage/program/sessions/{session.id}/move?zoom=fit&room={room_b.id}")
    )
    assert page.xpath('//*[@id="room"]/option[@selected]/@value') == [str(congress.rooms[0].id)]
    action = one(page, '//form[@id="move-form"]').get("action")
    assert "zoom=fit" in action and f"room={room_b.id}" in action
    response = editor.post(
        action,
        data={"room": str(room_b.id), "starts_at": f"{congress.starts_on.isoformat()}T11:00"},
    )
    assert response.status_code == 302
    assert "zoom=fit" in response.location and f"room={room_b.id}" in response.location
    assert response.location.endswith(f"#session-{session.id}")
    db.session.expire_all()
    assert db.session.get(ProgramSession, session.id).room_id == room_b.id


def test_without_javascript_a_refused_move_keeps_the_form_and_says_why(
    editor, congress, make_session, at
):
    session = make_session()
    services.add_presentation(session, title="Late talk", speakers=[], starts_at=at(0, "10:00"))
    db.session.commit()
    day = congress.starts_on.isoformat()
    response = move(
        editor, session, congress, headers={}, starts_at=f"{day}T09:00", ends_at=f"{day}T09:30"
    )
    assert response.status_code == 422
    page = html.fromstring(response.get_data(as_text=True))
    assert (
        "would fall outside the session"
        in one(page, f"//*[{cls('invalid-feedback')}]").text_content()
    )
    assert page.xpath('//*[@role="alert"]')
    assert one(page, '//*[@id="starts_at"]').get("value") == f"{day}T09:00"


def test_a_block_moved_out_of_the_filtered_view_comes_back_empty(
    editor, congress, make_session, room_b
):
    session2 = make_session("Second")
    # The editor shows Hall A only: the block of a session moved to Hall B is removed.
    response = editor.post(
        f"/met26/manage/program/editor/sessions/{session2.id}/move?room={congress.rooms[0].id}",
        json={"room": room_b.id},
    )
    assert response.status_code == 200
    assert response.get_json()["blocks"][0]["html"] is None


def test_dragging_a_talk_into_a_full_session_is_refused_with_both_blocks(
    editor, congress, make_session, at
):
    source = make_session("Source", start="09:00", end="10:30")
    full = make_session("Full", start="11:00", end="11:30")
    talk = services.add_presentation(source, title="Travelling talk", speakers=[])
    services.add_presentation(
        full, title="Long talk", speakers=[], starts_at=at(0, "11:00"), ends_at=at(0, "11:30")
    )
    db.session.commit()
    response = editor.post(
        f"/met26/manage/program/editor/presentations/{talk.id}/move",
        json={"session": full.id, "position": 1},
    )
    assert response.status_code == 422
    body = response.get_json()
    assert "do not fit" in body["error"]["message"]
    blocks = {item["session_id"]: item["html"] for item in body["blocks"]}
    assert set(blocks) == {source.id, full.id}
    assert "Travelling talk" in blocks[source.id] and "Travelling talk" not in blocks[full.id]


def test_dragging_a_talk_returns_both_updated_blocks(editor, congress, make_session):
    source = make_session("Source", start="09:00", end="10:30")
    target = make_session("Target", start="11:00", end="12:30")
    talk = services.add_presentation(source, title="Travelling talk", speakers=[])
    db.session.commit()
    response = editor.post(
        f"/met26/manage/program/editor/presentations/{talk.id}/move",
        json={"session": target.id, "position": 0},
    )
    assert response.status_code == 200
    blocks = {item["session_id"]: item["html"] for item in response.get_json()["blocks"]}
    assert "Travelling talk" in blocks[target.id] and "Travelling talk" not in blocks[source.id]


MOVE_CALLS = [
    ("form", lambda s: f"/met26/manage/program/sessions/{s.id}/move"),
    ("json", lambda s: f"/met26/manage/program/editor/sessions/{s.id}/move"),
]


@pytest.mark.parametrize("kind, url", MOVE_CALLS)
def test_move_calls_are_for_organizers(
    client, auth, create_user, congress, make_session, kind, url
):
    session = make_session()
    data = {"starts_at": f"{congress.starts_on.isoformat()}T11:00", "room": congress.rooms[0].id}
    post = (
        (lambda: client.post(url(session), data=data, headers=JSON))
        if kind == "form"
        else (lambda: client.post(url(session), json=data))
    )
    assert post().status_code in (302, 401)
    auth.login(create_user("reviewer"))
    assert post().status_code == 403
    db.session.expire_all()
    assert db.session.get(ProgramSession, session.id).starts_at == session.starts_at


@pytest.mark.parametrize("session_id", [999999, 2**40])
def test_moving_an_unknown_session_is_a_404(editor, congress, session_id):
    response = editor.post(
        f"/met26/manage/program/sessions/{session_id}/move", data={"room": "1"}, headers=JSON
    )
    assert response.status_code == 404


def test_the_move_form_needs_its_csrf_token(app, client, auth, organizer, congress, make_session):
    app.config["WTF_CSRF_ENABLED"] = True
    session = make_session()
    auth.login(organizer)
    page = client.get("/met26/manage/program").get_data(as_text=True)
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    url = f"/met26/manage/program/sessions/{session.id}/move"
    data = {"room": str(congress.rooms[0].id), "starts_at": f"{congress.starts_on}T11:00"}
    assert client.post(url, data=data, headers=JSON).status_code == 400
    db.session.expire_all()
    assert db.session.get(ProgramSession, session.id).starts_at == session.starts_at
    response = client.post(url, data=data, headers={**JSON, "X-CSRFToken": token})
    assert response.status_code == 200 and response.get_json()["ok"]


def test_the_page_says_which_marks_it_shows_and_gets_back_those_that_changed(
    editor, congress, make_session, room_b
):
    a = make_session("A")
    b = make_session("B")  # same room, same time: both marked
    page = soup(editor.get("/met26/manage/program"))
    marked = page.xpath(f"//*[{cls('has-conflict')}]/@data-session-id")
    assert sorted(marked) == sorted([str(a.id), str(b.id)])
    response = editor.post(
        f"/met26/manage/program/editor/sessions/{b.id}/move?flagged={a.id},{b.id}",
        json={"room": room_b.id},
    )
    blocks = {item["session_id"]: item["html"] for item in response.get_json()["blocks"]}
    assert set(blocks) == {a.id, b.id}
    assert not any("has-conflict" in html for html in blocks.values())
    response = editor.post(
        f"/met26/manage/program/editor/sessions/{a.id}/move?flagged=",
        json={"starts_at": f"{congress.starts_on.isoformat()}T13:00"},
    )
    assert [item["session_id"] for item in response.get_json()["blocks"]] == [a.id]
