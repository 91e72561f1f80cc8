"""Many congresses on one installation: congress URLs, the list of congresses, old URLs, roles
per congress, copying and archiving a congress, the API per congress and the command line."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import inspect, select

from conference.accounts import services as accounts
from conference.accounts.models import Role
from conference.congresses.copying import copy_congress
from conference.extensions import db
from conference.program import services as program
from conference.program.models import Congress, Room, Track
from conference.registration import services as registration
from conference.registration.models import (
    CategoryFee,
    ProfessionalCategory,
    Registration,
    RegistrationSettings,
)
from conference.timeutil import local_to_utc


@pytest.fixture
def sister(app, congress):
    """A sister symposium a year later, set up as a copy of the congress (BRC27)."""
    _price(congress)
    sister = copy_congress(
        congress,
        slug="brc27",
        name="Sister Symposium on Breast Cancer",
        short_name="BRC27",
        starts_on=congress.starts_on + timedelta(days=364),
    )
    db.session.commit()
    return sister


def _price(congress):
    oncologist = db.session.scalars(
        select(ProfessionalCategory).where(
            ProfessionalCategory.congress_id == congress.id,
            ProfessionalCategory.slug == "oncologist",
        )
    ).one()
    registration.set_category_rules(
        oncologist, fees={"early": "450.00", "regular": "550.00", "onsite": "650.00"}
    )
    db.session.commit()


def _register(congress, email="ana.garcia@hospitalclinic.example.org"):
    """Register someone in `congress` while its registration is open; return it and its token."""
    from conference.registration.tokens import manage_token

    data = {
        "first_name": "Ana",
        "last_name": "García",
        "email": email,
        "affiliation": "Hospital Clínic de Barcelona",
        "country": "ES",
        "category": "oncologist",
        "badge_name": "",
        "dietary": "",
        "accessibility": "",
        "share_with_exhibitors": False,
        "accept_terms": True,
    }
    now = congress.registration_opens_at + timedelta(days=1)
    found, _created = registration.register_attendee(congress, data, now=now)
    db.session.commit()
    return found, manage_token(found.reference, found.manage_salt)


# -- URLs ------------------------------------------------------------------------------------


def test_each_congress_has_its_own_pages(client, congress, sister):
    program.update_track(sister.tracks[0], name="Breast surgery")
    db.session.commit()
    home = client.get("/brc27/")
    assert home.status_code == 200
    text = home.get_data(as_text=True)
    assert "Sister Symposium on Breast Cancer" in text
    assert "Breast surgery" in text
    assert 'href="/brc27/program"' in text  # links stay within the congress
    other = client.get("/met26/").get_data(as_text=True)
    assert "Breast surgery" not in other and congress.name in other
    assert client.get("/nope27/program").status_code == 404
    assert client.get("/brc27/register").status_code == 200


def test_home_lists_current_and_upcoming_congresses_and_links_the_archive(client, congress, sister):
    past = program.create_congress(
        slug="met25",
        name="International Congress on Cancer Metastasis 2025",
        short_name="MET25",
        starts_on=date(2025, 4, 2),
        ends_on=date(2025, 4, 5),
    )
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert page.index("MET26") < page.index("BRC27")  # by date
    assert "MET25" not in page
    assert 'href="/archive"' in page
    archive = client.get("/archive").get_data(as_text=True)
    assert "MET25" in archive and 'href="/met25/"' in archive and "BRC27" not in archive
    assert past.slug == "met25"


def test_old_urls_redirect_permanently_to_the_default_congress(client, congress, sister):
    response = client.get("/program?track=cancer-metastasis")
    assert response.status_code == 301
    assert response.headers["Location"] == "/met26/program?track=cancer-metastasis"
    assert client.get("/program/schedule.ics").headers["Location"] == (
        "/met26/program/schedule.ics"
    )
    # A form posted to an old address keeps its method and body.
    assert client.post("/register", data={}).status_code == 308


def test_an_emailed_manage_link_leads_to_its_own_congress(client, congress, sister):
    reg, token = _register(sister)
    # The old link shape, as emailed before congresses had addresses.
    response = client.get(f"/registration/manage/{reg.reference}/{token}")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/brc27/registration/manage/{reg.reference}/{token}"
    assert client.get(response.headers["Location"]).status_code == 200
    # The same reference is nothing in the other congress.
    assert client.get(f"/met26/registration/manage/{reg.reference}/{token}").status_code == 404


def test_an_old_agenda_feed_keeps_its_congress_when_the_default_changes(
    app, client, auth, congress, sister, create_user
):
    from conference.program import agenda
    from conference.program import sessions as session_services

    attendee = create_user(name="Kenji Watanabe")
    day = datetime.combine(congress.starts_on, datetime.min.time())
    session = session_services.create_session(
        congress,
        title="Circulating tumour cells",
        format="oral",
        room=congress.rooms[0],
        starts_at=local_to_utc(day.replace(hour=9), congress.tz),
        ends_at=local_to_utc(day.replace(hour=10), congress.tz),
    )
    agenda.star_session(attendee, session.id)
    token = agenda.ensure_feed_token(attendee)
    db.session.commit()
    # Next year: MET26 is archived and BRC27 becomes the default congress.
    program.set_archived(congress, True)
    db.session.commit()
    response = client.get(f"/program/agenda/{token}.ics")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/met26/program/agenda/{token}.ics"
    # Other old addresses now go to the new default congress.
    assert client.get("/program").headers["Location"] == "/brc27/program"


# -- roles per congress ----------------------------------------------------------------------


def test_roles_belong_to_one_congress(app, client, auth, congress, sister, create_user):
    organizer = create_user("organizer", name="Olga Organizer")  # of the default, MET26
    auth.login(organizer)
    assert client.get("/met26/manage/").status_code == 200
    assert client.get("/brc27/manage/").status_code == 403
    assert client.get("/brc27/manage/abstracts").status_code == 403
    accounts.grant_role(organizer, Role.REVIEWER, congress=sister)
    db.session.commit()
    assert client.get("/brc27/manage/").status_code == 403
    assert client.get("/brc27/review/").status_code in (200, 302)
    admin = create_user("admin", name="Ada Admin")
    auth.logout()
    auth.login(admin)
    assert client.get("/brc27/manage/").status_code == 200
    assert client.get("/met26/manage/").status_code == 200


def test_changing_roles_touches_only_this_congress(
    app, client, auth, congress, sister, create_user
):
    organizer = create_user("organizer", name="Olga Organizer")
    colleague = create_user("reviewer", name="Ngozi Okafor")
    accounts.grant_role(colleague, Role.ORGANIZER, congress=sister)
    db.session.commit()
    accounts.set_roles(colleague, set(), actor=organizer, congress=congress)
    db.session.commit()
    assert colleague.roles_in(congress.id) == set()
    assert colleague.roles_in(sister.id) == {Role.ORGANIZER}
    with pytest.raises(Exception, match="Only organizers"):
        accounts.set_roles(organizer, {Role.REVIEWER}, actor=organizer, congress=sister)


# -- copying and archiving -------------------------------------------------------------------


def _dated_values(row) -> dict:
    values = {}
    for attr in inspect(type(row)).column_attrs:
        value = getattr(row, attr.key)
        if isinstance(value, date) and attr.key not in ("created_at", "updated_at"):
            values[attr.key] = value
    return values


def test_copying_a_congress_shifts_every_date_and_takes_no_people(congress, create_user):
    _price(congress)
    registration.update_registration_settings(congress, capacity=2800)
    _register(congress)
    create_user("organizer")
    db.session.commit()
    copy = copy_congress(
        congress,
        slug="met27",
        name="International Congress on Cancer Metastasis 2027",
        short_name="MET27",
        starts_on=congress.starts_on + timedelta(days=371),
    )
    db.session.commit()
    shift = timedelta(days=371)
    before, after = _dated_values(congress), _dated_values(copy)
    assert set(before) == set(after) and len(before) >= 14
    for key, value in before.items():
        assert after[key] == value + shift, key
    assert copy.ends_on - copy.starts_on == congress.ends_on - congress.starts_on
    assert [t.name for t in copy.tracks] == [t.name for t in congress.tracks]
    assert [r.name for r in copy.rooms] == [r.name for r in congress.rooms]

    def categories(c):
        return db.session.scalars(
            select(ProfessionalCategory)
            .where(ProfessionalCategory.congress_id == c.id)
            .order_by(ProfessionalCategory.position, ProfessionalCategory.id)
        ).all()

    assert [(c.name, c.is_prescriber) for c in categories(copy)] == [
        (c.name, c.is_prescriber) for c in categories(congress)
    ]
    fees = {(f.category.name, f.period, f.amount) for c in categories(congress) for f in c.fees}
    assert fees and fees == {
        (f.category.name, f.period, f.amount) for c in categories(copy) for f in c.fees
    }
    settings = db.session.scalar(
        select(RegistrationSettings).where(RegistrationSettings.congress_id == copy.id)
    )
    assert settings.capacity == 2800
    assert (
        db.session.scalar(select(Registration.id).where(Registration.congress_id == copy.id))
        is None
    )
    assert (
        db.session.scalar(select(CategoryFee.id).where(CategoryFee.category_id.is_(None))) is None
    )
    assert {t.congress_id for t in db.session.scalars(select(Track))} == {congress.id, copy.id}
    assert db.session.scalar(select(Room.id).where(Room.congress_id == copy.id)) is not None


def test_copying_takes_the_cme_setup_and_the_sponsorship_packages(congress):
    """Accreditation settings, the organizers' evaluation questions, the packages (none sold)
    and the contract template are setup: a copy keeps them; disclosures and sponsors are not."""
    from conference.cme import evaluations as cme_evaluations
    from conference.cme import services as cme
    from conference.cme.models import CmeSettings, EvaluationQuestion
    from conference.industry import services as industry
    from conference.industry.models import IndustrySettings, SponsorshipPackage

    cme.update_settings(congress, accreditor="accme", day_cap=Decimal("7"), retention_years=7)
    cme_evaluations.add_question(
        congress, text="Will you change your practice?", kind="yes_no", scope="congress"
    )
    gold = industry.create_package(
        congress, name="Gold", price="25000", available=4, exhibitor_passes=6, booth_size="6 x 3 m"
    )
    gold.sold = 2
    industry.update_contract_template(congress, "Contract between {sponsor} and the organizer")
    db.session.commit()
    copy = copy_congress(
        congress,
        slug="met27",
        name="MET 2027",
        short_name="MET27",
        starts_on=congress.starts_on + timedelta(days=364),
    )
    db.session.commit()

    def one(model, c):
        return db.session.scalar(select(model).where(model.congress_id == c.id))

    settings = one(CmeSettings, copy)
    assert (settings.accreditor, settings.day_cap, settings.retention_years) == (
        "accme",
        Decimal("7"),
        7,
    )
    assert one(EvaluationQuestion, copy).text == "Will you change your practice?"
    package = one(SponsorshipPackage, copy)
    assert (package.name, package.available, package.sold, package.exhibitor_passes) == (
        "Gold",
        4,
        0,
        6,
    )
    assert one(IndustrySettings, copy).contract_template.startswith("Contract between")


def test_new_congress_form_refuses_a_taken_or_reserved_address(client, auth, congress, create_user):
    admin = create_user("admin", name="Ada Admin")
    auth.login(admin)
    for slug, message in (("met26", "already has this address"), ("manage", "used by the site")):
        response = client.post(
            "/manage/congresses/new",
            data={
                "copy_from": str(congress.id),
                "slug": slug,
                "name": "Copy",
                "short_name": "COPY",
                "starts_on": "2028-04-03",
            },
        )
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)
    response = client.post(
        "/manage/congresses/new",
        data={
            "copy_from": str(congress.id),
            "slug": "met28",
            "name": "Metastasis 2028",
            "short_name": "MET28",
            "starts_on": "2028-04-03",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/met28/manage/congress"
    assert db.session.scalar(select(Congress).where(Congress.slug == "met28")).starts_on == date(
        2028, 4, 3
    )


def test_only_administrators_create_congresses(client, auth, congress, create_user):
    auth.login(create_user("organizer"))
    assert client.get("/manage/congresses/new").status_code == 403
    assert client.post("/manage/congresses/new", data={}).status_code == 403


def test_an_archived_congress_is_readable_and_closed_for_changes(
    client, auth, congress, create_user, api_token
):
    organizer = create_user("organizer")
    program.set_archived(congress, True)
    db.session.commit()
    auth.login(organizer)
    assert client.get("/met26/program").status_code == 200
    assert client.get("/met26/manage/congress").status_code == 200
    response = client.post("/met26/manage/tracks/new", data={"name": "Late addition"})
    assert response.status_code == 403
    assert "archived" in response.get_data(as_text=True)
    api = client.post(
        "/api/v1/congresses/met26/tracks", json={"name": "Late"}, headers=api_token(organizer)
    )
    assert api.status_code == 403
    assert api.get_json()["error"]["code"] == "congress_archived"
    assert db.session.scalar(select(Track.id).where(Track.name.like("Late%"))) is None


# -- the API ---------------------------------------------------------------------------------


def test_api_lists_congresses_and_deprecates_the_old_paths(client, congress, sister):
    listed = client.get("/api/v1/congresses").get_json()["congresses"]
    assert [c["slug"] for c in listed] == ["met26", "brc27"]
    assert listed[1]["api_url"].endswith("/api/v1/congresses/brc27")
    new = client.get("/api/v1/congresses/brc27/tracks")
    assert new.status_code == 200 and "Deprecation" not in new.headers
    old = client.get("/api/v1/tracks")
    assert old.status_code == 200
    assert old.headers["Deprecation"].startswith("@")
    assert "Sunset" in old.headers
    assert '</api/v1/congresses/met26/tracks>; rel="successor-version"' in old.headers["Link"]
    assert old.get_json() == client.get("/api/v1/congresses/met26/tracks").get_json()
    assert client.get("/api/v1/congresses/nope/tracks").status_code == 404


def test_openapi_describes_both_paths(client, congress):
    spec = client.get("/api/v1/openapi.json").get_json()
    scoped = spec["paths"]["/api/v1/congresses/{congress}/sessions/{session_id}"]
    assert any(p["name"] == "congress" for p in scoped["parameters"])
    old = spec["paths"]["/api/v1/sessions/{session_id}"]
    assert old["get"]["deprecated"] is True
    assert not any(p["name"] == "congress" for p in old.get("parameters", []))
    assert "post" in spec["paths"]["/api/v1/congresses"]


def test_api_creates_a_congress_as_a_copy(client, congress, create_user, api_token):
    admin = create_user("admin")
    organizer = create_user("organizer")
    body = {
        "slug": "met27",
        "name": "MET 2027",
        "short_name": "MET27",
        "starts_on": "2027-09-06",
        "copy_from": "met26",
    }
    assert (
        client.post("/api/v1/congresses", json=body, headers=api_token(organizer)).status_code
        == 403
    )
    created = client.post("/api/v1/congresses", json=body, headers=api_token(admin))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["slug"] == "met27"
    again = client.post("/api/v1/congresses", json=body, headers=api_token(admin))
    assert again.status_code == 422
    assert "slug" in again.get_json()["error"]["fields"]


def test_an_empty_congress_needs_its_last_day_in_the_form_and_the_api(
    client, auth, congress, create_user, api_token
):
    """One rule for both entrances: a copy keeps its source's length, an empty congress must say
    when it ends (the form shows it next to the field, with what was typed kept)."""
    admin = create_user("admin", name="Ada Admin")
    body = {"slug": "brc28", "name": "Breast Cancer 2028", "short_name": "BRC28"}
    refused = client.post(
        "/api/v1/congresses", json={**body, "starts_on": "2028-05-02"}, headers=api_token(admin)
    )
    assert refused.status_code == 422
    assert list(refused.get_json()["error"]["fields"]) == ["ends_on"]
    auth.login(admin)
    form = {**body, "copy_from": "", "starts_on": "2028-05-02", "timezone": "Europe/Lisbon"}
    page = client.post("/manage/congresses/new", data=form)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Give the last day of the congress" in html
    assert 'value="Breast Cancer 2028"' in html
    assert db.session.scalar(select(Congress).where(Congress.slug == "brc28")) is None
    created = client.post("/manage/congresses/new", data={**form, "ends_on": "2028-05-04"})
    assert created.status_code == 302
    made = db.session.scalar(select(Congress).where(Congress.slug == "brc28"))
    assert (made.starts_on, made.ends_on, made.timezone) == (
        date(2028, 5, 2),
        date(2028, 5, 4),
        "Europe/Lisbon",
    )


# -- the command line ------------------------------------------------------------------------


def test_command_line_gives_roles_in_the_named_congress(runner, congress, sister):
    from conference.accounts.models import User

    result = runner.invoke(
        args=[
            "users",
            "create",
            "chair@example.org",
            "--name",
            "Chidi Okeke",
            "--password",
            "Correct-horse-42",
            "--role",
            "organizer",
            "--congress",
            "brc27",
        ]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=[
            "users",
            "create",
            "lead@example.org",
            "--name",
            "Lea Weber",
            "--password",
            "Correct-horse-42",
            "--role",
            "organizer",
            "--role",
            "admin",
        ]
    )
    assert result.exit_code == 0, result.output
    chair = db.session.scalar(select(User).where(User.email == "chair@example.org"))
    lead = db.session.scalar(select(User).where(User.email == "lead@example.org"))
    assert chair.roles_in(sister.id) == {Role.ORGANIZER}
    assert chair.roles_in(congress.id) == set()
    assert {(r.role, r.congress_id) for r in lead.roles} == {
        ("organizer", congress.id),
        ("admin", None),
    }
    bad = runner.invoke(args=["registration", "expire", "--congress", "nope"])
    assert bad.exit_code != 0 and "nope" in bad.output
