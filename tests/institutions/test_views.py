"""Institution pages: type-ahead JSON for signed-in people, the list and merges for organizers."""

from conference.extensions import db
from conference.institutions import services
from conference.institutions.models import Institution


def test_type_ahead_json_for_signed_in_people(client, auth, create_user, app):
    services.create_institution(
        "Dana-Farber Cancer Institute", aliases=["DFCI"], country="US", ror_id="02jzgtq86"
    )
    db.session.commit()
    assert client.get("/institutions/search?q=dana").status_code in (302, 401)
    auth.login(create_user(name="Zhang Wei"))
    response = client.get("/institutions/search?q=Dana Farber")
    assert response.status_code == 200
    assert response.json["items"][0]["name"] == "Dana-Farber Cancer Institute"
    assert response.json["items"][0]["aliases"] == ["DFCI"]
    assert client.get("/institutions/search?q=" + "x" * 5000).json == {"items": []}


def test_affiliation_fields_offer_the_type_ahead(client, auth, create_user, app):
    auth.login(create_user(name="Αικατερίνη Παπαδοπούλου"))
    page = client.get("/profile").get_data(as_text=True)
    assert 'list="institution-options"' in page and "js/institutions.js" in page
    assert "<script>" not in page  # CSP: no inline script


def test_organizers_merge_duplicates_through_the_page(client, auth, organizer, create_user):
    target = services.create_institution("Hospital Clínic de Barcelona", country="ES")
    duplicate = services.create_institution("Hospital Clinic Barcelona IDIBAPS", country="ES")
    db.session.commit()
    auth.login(create_user(name="Jean Dupont"))
    assert client.get("/met26/manage/institutions").status_code == 403
    assert (
        client.post(
            f"/met26/manage/institutions/{target.id}/merge",
            data={f"merge-{target.id}-duplicates": [duplicate.id]},
        ).status_code
        == 403
    )
    auth.login(organizer)
    assert "Hospital Clinic Barcelona IDIBAPS" in client.get("/met26/manage/institutions").get_data(
        as_text=True
    )
    response = client.post(
        f"/met26/manage/institutions/{target.id}/merge",
        data={f"merge-{target.id}-duplicates": [duplicate.id]},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Institution, duplicate.id) is None
    assert db.session.get(Institution, target.id).aliases == ["Hospital Clinic Barcelona IDIBAPS"]


def test_adding_an_existing_institution_shows_the_error_next_to_the_name(client, auth, organizer):
    services.create_institution("Karolinska Institutet", country="SE")
    db.session.commit()
    auth.login(organizer)
    response = client.post(
        "/met26/manage/institutions", data={"name": "karolinska institutet", "country": "se"}
    )
    assert response.status_code == 200
    assert "Already listed as Karolinska Institutet." in response.get_data(as_text=True)
