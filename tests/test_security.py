"""CSRF, headers, escaping, production secrets."""

import pytest

from conference import create_app
from config import ProductionConfig, TestingConfig


@pytest.fixture
def csrf_client(app_config):
    config = type("CSRFConfig", (app_config,), {"WTF_CSRF_ENABLED": True})
    return create_app(config).test_client()


def test_forms_refuse_posts_without_csrf_token(csrf_client, congress, create_user):
    create_user(email="c@example.org")
    response = csrf_client.post("/login", data={"email": "c@example.org", "password": "x"})
    assert response.status_code == 400
    response = csrf_client.post("/logout")
    assert response.status_code == 400


def test_api_needs_no_csrf_but_a_token(csrf_client, congress):
    response = csrf_client.post("/api/v1/congresses/met26/tracks", json={"name": "X"})
    assert response.status_code == 401


def test_security_headers(client, congress):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_httponly(client, congress, create_user):
    create_user(email="c@example.org")
    from tests.factories import PASSWORD

    response = client.post("/login", data={"email": "c@example.org", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_user_text_is_escaped_on_organizer_pages(client, auth, congress, organizer, create_user):
    create_user(name="<script>alert(1)</script>", affiliation="<img src=x onerror=alert(2)>")
    auth.login(organizer)
    html = client.get("/met26/manage/users").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html


def test_production_refuses_to_start_without_secrets(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY, DATABASE_URL"):
        create_app(ProductionConfig)


def test_production_starts_with_secrets(monkeypatch, database_url):
    monkeypatch.setenv("SECRET_KEY", "s3cret-for-test")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    config = type(
        "Prod",
        (ProductionConfig,),
        {"SECRET_KEY": "s3cret-for-test", "SQLALCHEMY_DATABASE_URI": database_url},
    )
    app = create_app(config)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SECRET_KEY"] != TestingConfig.SECRET_KEY


def test_error_pages_are_html_outside_the_api(client, congress):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "text/html" in response.content_type
    assert "There is nothing at this address." in response.get_data(as_text=True)


def test_huge_ids_in_addresses_are_404_not_500(client, auth, api_token, congress, organizer):
    huge = 2**70
    auth.login(organizer)
    assert client.get(f"/met26/manage/abstracts/{huge}").status_code == 404
    assert client.get(f"/met26/abstracts/{huge}").status_code == 404
    assert client.get(f"/met26/abstracts/{2**31}").status_code == 404
    response = client.post(
        f"/api/v1/congresses/met26/abstracts/{huge}/submit", headers=api_token(organizer)
    )
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_nul_characters_never_reach_the_database(client, auth, api_token, congress, organizer):
    """PostgreSQL cannot store NUL: forms and query strings drop it, JSON bodies get a 422."""
    auth.login(organizer)
    response = client.post("/met26/manage/rooms/new", data={"name": "Hall\x00 N", "position": "3"})
    assert response.status_code == 302
    assert "Hall N" in client.get("/met26/manage/rooms").get_data(as_text=True)
    assert client.get("/met26/manage/registrations?q=%00x").status_code == 200
    assert client.post("/login", data={"email": "\x00", "password": "\x00"}).status_code < 500
    response = client.post(
        "/api/v1/congresses/met26/tracks",
        json={"name": "Track\x00", "x": ["\x00"]},
        headers=api_token(organizer),
    )
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"name", "x.0"}


def test_huge_or_odd_numbers_in_forms_and_query_strings_are_not_500(
    client, auth, congress, organizer
):
    auth.login(organizer)
    huge = str(10**22)
    for url in ("/met26/manage/users", "/met26/manage/outbox", "/met26/manage/registrations"):
        assert client.get(f"{url}?page={huge}").status_code == 200, url
    assert client.post(
        "/met26/manage/abstracts/1/reviewers", data={"reviewer_id": huge}
    ).status_code in (
        302,
        404,
    )
    track = congress.tracks[0]
    for value in (huge, "\u00b2"):  # "²" passes str.isdigit() but int() refuses it
        response = client.post(
            f"/met26/manage/review/pools/{track.id}", data={"reviewer_ids": value}
        )
        assert response.status_code == 302, value
        response = client.post("/met26/manage/abstracts/decide", data={"abstract_ids": value})
        assert response.status_code < 500, value
    response = client.post("/met26/manage/program/abstracts/1/place", data={"session": huge})
    assert response.status_code < 500
