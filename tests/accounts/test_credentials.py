"""Ending credentials: API tokens, sessions and remember-me cookies stop working when they must."""

from datetime import timedelta
from email.utils import parsedate_to_datetime

from conference.abstracts import services as abstracts
from conference.accounts import services
from conference.extensions import db
from conference.mail import OutboxMessage, delivery_bodies
from conference.models import utcnow
from tests.abstracts.conftest import valid_payload
from tests.factories import PASSWORD

NEW_PASSWORD = "Fresh-start-2027"


def _token_headers(client, email: str, password: str = PASSWORD) -> dict:
    response = client.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert response.status_code == 200, response.json
    return {"Authorization": f"Bearer {response.json['token']}"}


def _reset_link_path(email: str) -> str:
    message = db.session.scalars(
        db.select(OutboxMessage)
        .where(OutboxMessage.to_address == email)
        .order_by(OutboxMessage.id.desc())
    ).first()
    link = next(word for word in delivery_bodies(message)[0].split() if word.startswith("http"))
    return link.split(":5000", 1)[1]


def test_api_token_stops_reading_and_editing_abstracts_after_a_password_reset(
    client, congress, create_user
):
    user = create_user(email="ines.oncologa@hospital-clinic.example", name="Inés Oncóloga")
    abstract = abstracts.create_abstract(congress, user, valid_payload())
    db.session.commit()
    headers = _token_headers(client, user.email)
    assert (
        client.get(f"/api/v1/congresses/met26/abstracts/{abstract.id}", headers=headers).status_code
        == 200
    )

    assert client.post("/password/forgot", data={"email": user.email}).status_code == 302
    response = client.post(
        _reset_link_path(user.email),
        data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert response.status_code == 302

    assert (
        client.get(f"/api/v1/congresses/met26/abstracts/{abstract.id}", headers=headers).status_code
        == 401
    )
    edit = client.patch(
        f"/api/v1/congresses/met26/abstracts/{abstract.id}",
        json={"title": "Hijacked title"},
        headers=headers,
    )
    assert edit.status_code == 401
    assert services.get_active_api_tokens(user) == []
    # A token asked for with the new password works.
    fresh = _token_headers(client, user.email, NEW_PASSWORD)
    assert (
        client.get(f"/api/v1/congresses/met26/abstracts/{abstract.id}", headers=fresh).status_code
        == 200
    )


def test_api_token_issued_before_a_stamp_change_is_refused_even_if_not_revoked(app, create_user):
    user = create_user()
    raw, token = services.issue_api_token(user)
    db.session.commit()
    user.security_stamp = "0" * 32  # any change of the stamp, whatever caused it
    db.session.commit()
    assert token.revoked_at is None
    assert services.user_for_api_token(raw) is None


def test_disabling_an_account_ends_its_api_tokens_and_sessions_for_good(
    app, client, auth, congress, organizer, create_user
):
    user = create_user(email="kofi.mensah@korlebu.example", name="Kofi Mensah")
    headers = _token_headers(client, user.email)
    their_browser = app.test_client()
    assert _login(their_browser, user.email).status_code == 302

    auth.login(organizer)
    assert client.post(f"/met26/manage/users/{user.id}/disable").status_code == 302
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert their_browser.get("/profile").status_code == 302

    assert client.post(f"/met26/manage/users/{user.id}/enable").status_code == 302
    # Enabling the account again does not bring old tokens or sessions back.
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert their_browser.get("/profile").status_code == 302
    assert _login(app.test_client(), user.email).status_code == 302


def test_a_role_change_revokes_the_users_api_tokens(client, auth, congress, organizer, create_user):
    reviewer = create_user("reviewer", name="Rafael Revisor")
    headers = _token_headers(client, reviewer.email)
    auth.login(organizer)
    response = client.post(f"/met26/manage/users/{reviewer.id}", data={"roles": []})
    assert response.status_code == 302
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_only_organizers_disable_accounts_and_never_their_own(
    app, congress, organizer, create_user
):
    import pytest

    from conference.errors import NotAllowed, ValidationFailed

    user = create_user()
    with pytest.raises(NotAllowed):
        services.set_account_active(organizer, False, actor=user)
    with pytest.raises(ValidationFailed):
        services.set_account_active(organizer, False, actor=organizer)


# -- logout ends the session on the server --------------------------------------------------------


def _login(client, email: str, remember: bool = False):
    data = {"email": email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data)


def test_copied_session_cookie_stops_working_after_logout(app, client, congress, create_user):
    user = create_user(email="marta.kowalska@onkologia.example")
    assert _login(client, user.email).status_code == 302
    stolen = client.get_cookie("session").value
    assert client.post("/logout").status_code == 302

    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/profile")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_remember_me_cookie_stops_working_after_logout(app, client, congress, create_user):
    user = create_user(email="georgios.papadopoulos@oncology.example")
    assert _login(client, user.email, remember=True).status_code == 302
    remember = client.get_cookie("remember_token").value
    other_device = app.test_client()
    other_device.set_cookie("remember_token", remember)
    assert other_device.get("/profile").status_code == 200  # the cookie logs in elsewhere

    assert client.post("/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("remember_token", remember)
    assert thief.get("/profile").status_code == 302


def test_remember_me_lasts_30_days_and_every_cookie_is_samesite_lax(client, congress, create_user):
    user = create_user()
    response = _login(client, user.email, remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    assert {cookie.split("=", 1)[0] for cookie in cookies} >= {"session", "remember_token"}
    for cookie in cookies:
        assert "SameSite=Lax" in cookie, cookie
    [remember] = [cookie for cookie in cookies if cookie.startswith("remember_token=")]
    expires = parsedate_to_datetime(remember.split("Expires=", 1)[1].split(";", 1)[0])
    assert abs(expires - (utcnow() + timedelta(days=30))) < timedelta(minutes=5)
