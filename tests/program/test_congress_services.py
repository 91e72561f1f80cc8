"""Congress settings, tracks and rooms: the rules in program.services."""

from datetime import UTC, date, datetime

import pytest

from conference.errors import Conflict, ValidationFailed
from conference.program import services
from conference.program.models import CountingPreset, TableCounting


def test_preset_sets_the_whole_counting_rule(app, congress):
    services.update_congress(congress, counting_preset="sabcs")
    assert (
        congress.length_limit,
        congress.count_spaces,
        congress.table_counting,
        congress.table_flat_amount,
    ) == (3400, False, TableCounting.FLAT, 320)
    services.update_congress(congress, counting_preset="esso")
    assert (congress.length_limit, congress.count_spaces) == (2900, True)


def test_changing_one_rule_makes_it_custom(app, congress):
    services.update_congress(congress, length_limit=2500)
    assert congress.counting_preset == CountingPreset.CUSTOM
    assert congress.length_limit == 2500


def test_invalid_settings_are_reported_together(app, congress):
    with pytest.raises(ValidationFailed) as exc:
        services.update_congress(
            congress,
            name="",
            timezone="Nowhere/City",
            currency="EU",
            country="QQ",
            max_authors=0,
            counting_preset="nejm",
        )
    assert set(exc.value.fields) == {
        "name",
        "timezone",
        "currency",
        "country",
        "max_authors",
        "counting_preset",
    }


def test_key_dates_must_be_in_order(app, congress):
    with pytest.raises(ValidationFailed) as exc:
        services.update_congress(
            congress,
            abstract_submission_opens_at=datetime(2030, 2, 1, tzinfo=UTC),
            abstract_submission_closes_at=datetime(2030, 1, 1, tzinfo=UTC),
        )
    assert "abstract_submission_closes_at" in exc.value.fields


def test_congress_days_must_be_in_order(app, congress):
    with pytest.raises(ValidationFailed) as exc:
        services.update_congress(congress, starts_on=date(2030, 5, 2), ends_on=date(2030, 5, 1))
    assert "ends_on" in exc.value.fields


def test_naive_key_dates_are_read_in_the_congress_zone(app, congress):
    services.update_congress(
        congress, timezone="Asia/Tokyo", review_closes_at=datetime(2030, 6, 1, 9, 0)
    )
    assert congress.review_closes_at == datetime(2030, 6, 1, 0, 0, tzinfo=UTC)


def test_track_slug_is_made_and_unique(app, congress):
    track = services.create_track(congress, name="Radiation Oncology & Physics")
    assert track.slug == "radiation-oncology-physics"
    with pytest.raises(Conflict):
        services.create_track(congress, name="Other", slug="radiation-oncology-physics")
    with pytest.raises(ValidationFailed):
        services.create_track(congress, name="Bad slug", slug="Bad Slug!")
    services.update_track(track, name="Radiation oncology", is_active=False)
    assert not track.is_active


def test_room_capacity_must_be_positive_and_name_unique(app, congress):
    with pytest.raises(ValidationFailed):
        services.create_room(congress, name="Tiny", capacity=-5)
    with pytest.raises(Conflict):
        services.create_room(congress, name="hall a")


def test_organizer_edits_congress_in_the_web_form(client, auth, congress, organizer):
    auth.login(organizer)
    form = {
        "name": congress.name,
        "short_name": "MET27",
        "starts_on": "2030-05-01",
        "ends_on": "2030-05-04",
        "timezone": "Europe/Vienna",
        "currency": "EUR",
        "counting_preset": "asco",
        "length_limit": "2000",
        "table_counting": "characters",
        "table_flat_amount": "0",
        "max_tables": "1",
        "max_authors": "20",
        "first_author_quota": "2",
        "reviews_per_abstract": "3",
        "abstract_submission_opens_at": "2030-01-01T09:00",
        "abstract_submission_closes_at": "2030-02-01T23:59",
    }
    response = client.post("/met26/manage/congress", data=form)
    assert response.status_code == 302
    assert congress.short_name == "MET27"
    # 09:00 in Vienna in January is 08:00 UTC.
    assert congress.abstract_submission_opens_at == datetime(2030, 1, 1, 8, 0, tzinfo=UTC)
    bad = dict(form, abstract_submission_closes_at="2029-12-01T00:00", timezone="Mars/Base")
    html = client.post("/met26/manage/congress", data=bad).get_data(as_text=True)
    assert "Submission must close after it opens." not in html or "Unknown time zone" in html
    assert "Unknown time zone" in html
    assert 'value="MET27"' in html


def test_organizer_creates_track_room_category_in_web_ui(client, auth, congress, organizer):
    auth.login(organizer)
    assert (
        client.post(
            "/met26/manage/tracks/new",
            data={"name": "Radiotherapy", "colour": "#112233", "is_active": "y"},
        ).status_code
        == 302
    )
    assert (
        client.post(
            "/met26/manage/rooms/new", data={"name": "Room 9", "capacity": "90"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            "/met26/manage/categories/new", data={"name": "Nurse", "is_prescriber": ""}
        ).status_code
        == 302
    )
    html = client.post(
        "/met26/manage/tracks/new", data={"name": "Radiotherapy", "colour": "#112233"}
    ).get_data(as_text=True)
    assert "Another track already has this" in html
    assert "Radiotherapy" in client.get("/met26/manage/tracks").get_data(as_text=True)
    assert "Room 9" in client.get("/met26/manage/rooms").get_data(as_text=True)
    assert "Nurse" in client.get("/met26/manage/categories").get_data(as_text=True)
