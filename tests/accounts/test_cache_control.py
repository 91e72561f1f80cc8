"""Pages for one person are never stored by browsers or proxies (Cache-Control: no-store)."""

import pytest

from conference import create_app
from conference.abstracts import services as abstracts
from conference.extensions import db
from conference.security import mark_personal
from tests.abstracts.conftest import valid_payload


@pytest.mark.parametrize(
    "path", ["/profile", "/met26/abstracts", "/", "/met26/manage/users", "/nowhere"]
)
def test_every_response_to_a_signed_in_user_is_no_store(client, auth, congress, organizer, path):
    auth.login(organizer)
    response = client.get(path)
    assert response.headers.get("Cache-Control") == "no-store", path


def test_an_abstract_page_of_its_author_is_no_store(client, auth, congress, create_user):
    author = create_user(email="ana.author@example.org")
    abstract = abstracts.create_abstract(congress, author, valid_payload())
    db.session.commit()
    auth.login(author)
    response = client.get(f"/met26/abstracts/{abstract.id}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_api_responses_to_a_token_holder_are_no_store(client, congress, create_user, api_token):
    headers = api_token(create_user())
    for path in ("/api/v1/me", "/api/v1/congresses/met26/abstracts"):
        response = client.get(path, headers=headers)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store", path


def test_public_pages_for_anonymous_visitors_stay_cacheable(client, congress):
    for path in ("/", "/api/v1/congresses/met26/conference"):
        response = client.get(path)
        assert "no-store" not in response.headers.get("Cache-Control", ""), path


def test_mark_personal_makes_an_anonymous_response_no_store(app_config, congress):
    app = create_app(app_config)

    @app.get("/private-link-page")
    def private_link_page():
        mark_personal()
        return "Registration of Zoë Ω. Παπαδοπούλου"

    client = app.test_client()
    assert client.get("/private-link-page").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
