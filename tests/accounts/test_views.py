"""Account pages and the organizer pages' role matrix."""

import pytest

from conference.accounts.models import User
from conference.extensions import db
from conference.mail import OutboxMessage, delivery_bodies
from tests.factories import PASSWORD

ORGANIZER_PAGES = [
    "/met26/manage/",
    "/met26/manage/congress",
    "/met26/manage/tracks",
    "/met26/manage/tracks/new",
    "/met26/manage/rooms",
    "/met26/manage/rooms/new",
    "/met26/manage/categories",
    "/met26/manage/categories/new",
    "/met26/manage/users",
    "/met26/manage/outbox",
]


@pytest.mark.parametrize("path", ORGANIZER_PAGES)
@pytest.mark.parametrize(
    ("role", "status"),
    [(None, 302), ("attendee", 403), ("reviewer", 403), ("organizer", 200), ("admin", 200)],
)
def test_organizer_pages_role_matrix(client, auth, congress, create_user, path, role, status):
    if role:
        auth.login(create_user(role))
    response = client.get(path)
    assert response.status_code == status
    if status == 302:
        assert "/login" in response.headers["Location"]


def test_organizer_post_is_refused_to_attendees(client, auth, congress, create_user):
    auth.login(create_user())
    response = client.post("/met26/manage/tracks/new", data={"name": "Hijack", "colour": "#000000"})
    assert response.status_code == 403
    assert "Hijack" not in [t.name for t in congress.tracks]


def test_sign_up_page_keeps_typed_values_and_shows_errors(client, congress):
    response = client.post(
        "/signup",
        data={
            "email": "new@example.org",
            "password": "short",
            "password_again": "short",
            "name": "Nina <b>New</b>",
            "affiliation": "Curie",
            "country": "FR",
            "category_id": "0",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "at least 10 characters" in html
    assert 'value="new@example.org"' in html
    assert "Nina &lt;b&gt;New&lt;/b&gt;" in html
    assert db.session.query(User).count() == 0


def test_sign_up_creates_account_and_confirmation_email(client, congress):
    response = client.post(
        "/signup",
        data={
            "email": "New@Example.org",
            "password": PASSWORD,
            "password_again": PASSWORD,
            "name": "Nina New",
            "country": "FR",
            "category_id": "0",
        },
    )
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    message = db.session.scalar(db.select(OutboxMessage))
    assert message.to_address == "new@example.org"


def test_login_logout(client, congress, create_user):
    user = create_user(email="in@example.org")
    response = client.post("/login", data={"email": "IN@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200
    assert user.last_login_at is not None
    client.post("/logout")
    assert client.get("/profile").status_code == 302


def test_login_refuses_bad_password_with_message(client, congress, create_user):
    create_user(email="in@example.org")
    response = client.post("/login", data={"email": "in@example.org", "password": "nope-nope-1"})
    assert response.status_code == 200
    assert "Wrong email address or password." in response.get_data(as_text=True)


def test_login_ignores_offsite_next(client, congress, create_user):
    create_user(email="in@example.org")
    response = client.post(
        "/login?next=https://evil.example.com/",
        data={"email": "in@example.org", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/"


def test_login_is_rate_limited(client, congress, create_user):
    create_user(email="in@example.org")
    statuses = [
        client.post(
            "/login", data={"email": "in@example.org", "password": "bad-guess-11"}
        ).status_code
        for _ in range(12)
    ]
    assert statuses[0] == 200
    assert statuses[-1] == 429


def test_profile_edit(client, auth, congress, create_user):
    user = auth.login(create_user())
    response = client.post(
        "/profile",
        data={"title": "Dr", "name": "Renamed", "affiliation": "Gustave Roussy", "country": "FR"},
    )
    assert response.status_code == 302
    assert (user.name, user.country, user.affiliation) == ("Renamed", "FR", "Gustave Roussy")


def test_profile_shows_field_errors(client, auth, congress, create_user):
    auth.login(create_user())
    response = client.post("/profile", data={"name": "", "country": "", "category_id": "0"})
    assert response.status_code == 200
    assert "This field is required." in response.get_data(as_text=True)


def test_organizer_manages_roles_on_the_admin_page(client, auth, congress, organizer, create_user):
    auth.login(organizer)
    target = create_user()
    response = client.post(f"/met26/manage/users/{target.id}", data={"roles": ["reviewer"]})
    assert response.status_code == 302
    assert target.is_reviewer
    page = client.get("/met26/manage/users?role=reviewer").get_data(as_text=True)
    assert target.email in page


def test_confirmation_page_confirms(client, congress):
    from conference.accounts import services

    user = services.sign_up(email="c@example.org", password=PASSWORD, name="C")
    db.session.commit()
    message = db.session.scalar(db.select(OutboxMessage))
    link = next(w for w in delivery_bodies(message)[0].split() if w.startswith("http"))
    path = link.split("127.0.0.1:5000", 1)[1]
    page = client.get(path)
    assert page.status_code == 200
    assert "Confirm my email address" in page.get_data(as_text=True)
    assert client.post(path).status_code == 302
    assert user.is_confirmed
    assert client.get("/confirm/garbage").status_code == 410
    assert client.post("/confirm/garbage").status_code == 410


def test_reset_password_pages(client, congress, create_user):
    create_user(email="r@example.org")
    assert client.post("/password/forgot", data={"email": "r@example.org"}).status_code == 302
    message = db.session.scalar(db.select(OutboxMessage))
    path = next(w for w in delivery_bodies(message)[0].split() if w.startswith("http")).split(
        ":5000"
    )[1]
    response = client.post(path, data={"password": "weak", "password_again": "weak"})
    assert "at least 10 characters" in response.get_data(as_text=True)
    response = client.post(
        path, data={"password": "Good-new-pass-5", "password_again": "Good-new-pass-5"}
    )
    assert response.status_code == 302
    assert client.get(path).status_code == 410  # used: a page to ask for a new link


def test_home_page_shows_congress_tracks_and_key_dates(client, congress):
    html = client.get("/met26/").get_data(as_text=True)
    assert congress.name in html
    for track in congress.tracks:
        assert track.name in html
    assert "Abstract submission closes" in html
    assert "Create an account" in html


def test_user_creates_and_revokes_own_api_token(client, auth, congress, create_user):
    import re

    user = auth.login(create_user())
    response = client.post("/profile/tokens", follow_redirects=True)
    raw = re.search(r"(ct_[A-Za-z0-9_-]+)", response.get_data(as_text=True)).group(1)
    assert (
        client.get(
            "/api/v1/congresses/met26/conference", headers={"Authorization": f"Bearer {raw}"}
        ).status_code
        == 200
    )
    from conference.accounts.services import get_active_api_tokens, user_for_api_token

    [token] = get_active_api_tokens(user)
    other = create_user()
    auth.login(other)
    assert client.post(f"/profile/tokens/{token.id}/revoke").status_code == 404
    auth.login(user)
    assert client.post(f"/profile/tokens/{token.id}/revoke").status_code == 302
    assert user_for_api_token(raw) is None


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\\evil.example", "/%0d%0a/x"])
def test_login_next_with_tab_backslash_or_line_break_stays_on_site(
    client, congress, create_user, target
):
    create_user(email="next@example.org")
    response = client.post(
        "/login?next=" + target.replace("\t", "%09").replace("\\", "%5C"),
        data={"email": "next@example.org", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    ("language", "rule"),
    [
        ("fr", "Utilisez au moins 10 caractères"),
        ("de", "Verwenden Sie mindestens 10 Zeichen"),
        ("es", "Use al menos 10 caracteres"),
    ],
)
def test_the_password_rule_is_shown_in_the_readers_language(client, congress, language, rule):
    client.set_cookie("lang", language)
    page = client.get("/signup").get_data(as_text=True)
    assert rule in page and "Use at least" not in page
