"""CME per day: the credits offered (a sum) and the most one attendee can claim."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from conference.program.cme import day_credits

DAY = datetime(2026, 6, 1, 8, 0)


def slot(start: str, end: str, credits: float):
    def at(clock):
        hour, minute = (int(x) for x in clock.split(":"))
        return DAY.replace(hour=hour, minute=minute)

    return at(start), at(end), credits


@pytest.mark.parametrize(
    "sessions, offered, claimable",
    [
        ([], 0, 0),
        ([slot("09:00", "10:30", 1.5)], 1.5, 1.5),
        # Two concurrent sessions: offered both, one claimable.
        ([slot("09:00", "10:30", 1.5), slot("09:00", "10:30", 1.5)], 3.0, 1.5),
        # Overlapping by half an hour: one person attends only one of them in full.
        ([slot("09:00", "10:30", 1.5), slot("10:00", "11:30", 1.5)], 3.0, 1.5),
        # Back to back is fine.
        ([slot("09:00", "10:00", 1.0), slot("10:00", "11:00", 1.0)], 2.0, 2.0),
        # Short separate sessions: never more claimable than offered.
        (
            [
                slot("09:00", "09:20", 0.25),
                slot("10:00", "10:20", 0.25),
                slot("11:00", "11:20", 0.25),
            ],
            0.75,
            0.75,
        ),
        # The best set: A + C (2.0) beats B (1.5) that overlaps both.
        (
            [slot("09:00", "10:00", 1.0), slot("09:30", "11:00", 1.5), slot("10:00", "11:00", 1.0)],
            3.5,
            2.0,
        ),
        # Not accredited (0 credits) never counts.
        ([slot("09:00", "10:00", 0.0), slot("09:00", "12:00", 3.0)], 3.0, 3.0),
    ],
)
def test_day_credits(sessions, offered, claimable):
    result = day_credits(sessions)
    assert (result.offered, result.claimable) == (offered, claimable)
    assert result.claimable <= result.offered


def test_day_credits_in_any_order_and_many_sessions():
    sessions = [
        slot("08:00", "09:00", 1.0),
        slot("08:30", "09:30", 1.0),
        slot("09:30", "11:00", 1.5),
        slot("11:00", "12:00", 1.0),
    ] * 10
    result = day_credits(list(reversed(sessions)))
    assert result.offered == 45.0
    assert result.claimable == 3.5
    many = [
        (DAY + timedelta(minutes=5 * i), DAY + timedelta(minutes=5 * i + 60), 1.0)
        for i in range(2000)
    ]
    # Hour-long sessions starting every 5 minutes: at best one each hour, 9,995 minutes.
    assert day_credits(many).claimable == 9995 // 60 + 1


def test_program_day_headings_show_both_figures(
    congress, make_session, room_b, client, publish, build_books
):
    make_session("Morning A", start="09:00", end="10:30")
    make_session("Morning B", start="09:00", end="10:30", room=room_b)
    make_session(
        "Satellite", format="industry_satellite", is_accredited=False, start="11:00", end="12:00"
    )
    make_session("Next day", day=1, start="09:00", end="10:00")
    publish()
    page = client.get("/met26/program").get_data(as_text=True)
    assert "3 credits offered" in page and "up to 1.5 claimable per attendee" in page
    assert "1 credit offered" in page and "up to 1 claimable per attendee" in page
    one_day = client.get(f"/met26/program?day={congress.starts_on.isoformat()}").get_data(
        as_text=True
    )
    assert "3 credits offered" in one_day and "Next day" not in one_day
    build_books()
    assert client.get("/met26/program/schedule.pdf").data.startswith(b"%PDF")


def test_api_day_summary(congress, make_session, room_b, client, publish):
    assert client.get("/api/v1/congresses/met26/program/days").get_json() == {
        "version": None,
        "days": [],
    }
    make_session("Morning A", start="09:00", end="10:30")
    make_session("Morning B", start="10:00", end="11:30", room=room_b)
    make_session("Coffee", format="break", is_accredited=False, start="11:30", end="12:00")
    publish()
    body = client.get("/api/v1/congresses/met26/program/days").get_json()
    assert body == {
        "version": 1,
        "days": [
            {
                "date": congress.starts_on.isoformat(),
                "sessions": 3,
                "cme_offered": 3.0,
                "cme_claimable": 1.5,
            }
        ],
    }
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/congresses/{congress}/program/days" in spec["paths"]
