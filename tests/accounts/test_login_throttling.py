"""Password checks are throttled per client across every route, and per account."""

from conference.extensions import db
from conference.mail import OutboxMessage, delivery_bodies
from tests.factories import PASSWORD

WRONG = "Wrong-guess-77"


def _from(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_web_api_reset_and_confirmation_share_one_password_check_bucket(
    app, client, congress, create_user
):
    app.config["LOGIN_RATE_LIMIT"] = "10 per minute"
    user = create_user(email="dr.nowak@onkologia.example")
    statuses = [
        client.post("/login", data={"email": user.email, "password": WRONG}).status_code
        for _ in range(6)
    ]
    statuses += [
        client.post("/api/v1/auth/token", json={"email": user.email, "password": WRONG}).status_code
        for _ in range(4)
    ]
    assert statuses == [200] * 6 + [401] * 4
    # The eleventh password check of this client is refused, whichever route it takes.
    assert client.post("/login", data={"email": user.email, "password": WRONG}).status_code == 429
    response = client.post("/api/v1/auth/token", json={"email": user.email, "password": WRONG})
    assert response.status_code == 429
    assert client.post("/password/forgot", data={"email": user.email}).status_code == 429
    assert client.post("/confirm", data={"email": user.email}).status_code == 429
    assert client.post("/confirm/some-token").status_code == 429
    assert client.post("/password/reset/some-token").status_code == 429


def test_account_is_locked_after_failures_from_many_addresses_and_says_so(
    app, client, congress, create_user
):
    app.config["ACCOUNT_LOCKOUT_LIMIT"] = "5 per 15 minutes"
    user = create_user(email="dr.nowak@onkologia.example")
    for n in range(5):
        response = client.post(
            "/login", data={"email": user.email, "password": WRONG}, **_from(f"203.0.113.{n}")
        )
        assert response.status_code == 200
    # The right password from yet another address: refused while the account is locked.
    locked = client.post(
        "/login", data={"email": user.email, "password": PASSWORD}, **_from("198.51.100.7")
    )
    assert locked.status_code == 429
    assert "Too many failed login attempts for this account" in locked.get_data(as_text=True)
    api = client.post(
        "/api/v1/auth/token",
        json={"email": user.email, "password": PASSWORD},
        **_from("198.51.100.8"),
    )
    assert api.status_code == 429
    assert api.json["error"]["code"] == "account_locked"
    assert "locked" in api.json["error"]["message"]


def test_unknown_email_is_locked_the_same_way(app, client, congress):
    app.config["ACCOUNT_LOCKOUT_LIMIT"] = "3 per 15 minutes"
    email = "no.account@onkologia.example"
    statuses = [
        client.post(
            "/login", data={"email": email, "password": WRONG}, **_from(f"203.0.113.{n}")
        ).status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_a_successful_login_resets_the_failure_count(app, client, congress, create_user):
    app.config["ACCOUNT_LOCKOUT_LIMIT"] = "3 per 15 minutes"
    user = create_user(email="dr.nowak@onkologia.example")
    other = app.test_client()
    for _ in range(2):
        other.post("/login", data={"email": user.email, "password": WRONG})
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    )
    for _ in range(2):
        assert (
            other.post("/login", data={"email": user.email, "password": WRONG}).status_code == 200
        )
    # Two failures since the success: not locked.
    third = app.test_client()
    assert third.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def test_a_password_reset_unlocks_the_account(app, client, congress, create_user):
    app.config["ACCOUNT_LOCKOUT_LIMIT"] = "3 per 15 minutes"
    user = create_user(email="dr.nowak@onkologia.example")
    for _ in range(3):
        client.post("/login", data={"email": user.email, "password": WRONG})
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 429
    )
    client.post("/password/forgot", data={"email": user.email})
    message = db.session.scalar(
        db.select(OutboxMessage).where(OutboxMessage.kind == "accounts/reset_password")
    )
    path = next(w for w in delivery_bodies(message)[0].split() if w.startswith("http")).split(
        ":5000"
    )[1]
    new = "Brand-new-pass-8"
    assert client.post(path, data={"password": new, "password_again": new}).status_code == 302
    assert client.post("/login", data={"email": user.email, "password": new}).status_code == 302


def test_a_stranger_failing_on_purpose_cannot_lock_the_owner_out_of_their_own_browser(
    app, client, congress, create_user
):
    """Lockout without device cookies is a denial of service anyone can trigger: a browser
    that signed in to the account before may still log in while it is locked."""
    app.config["ACCOUNT_LOCKOUT_LIMIT"] = "5 per 15 minutes"
    user = create_user(email="dr.nowak@onkologia.example")
    owner = app.test_client()
    signed_in = owner.post(
        "/login", data={"email": user.email, "password": PASSWORD}, **_from("198.51.100.20")
    )
    assert signed_in.status_code == 302
    assert owner.get_cookie("login_device") is not None
    owner.post("/logout")

    for n in range(5):  # an attacker, from many addresses
        client.post(
            "/login", data={"email": user.email, "password": WRONG}, **_from(f"203.0.113.{n}")
        )
    stranger = app.test_client().post(
        "/login", data={"email": user.email, "password": PASSWORD}, **_from("198.51.100.21")
    )
    assert stranger.status_code == 429  # a browser never seen for this account stays locked out

    back = owner.post(
        "/login", data={"email": user.email, "password": PASSWORD}, **_from("198.51.100.20")
    )
    assert back.status_code == 302  # the owner's own browser gets in

    # The device cookie lets its holder try the password, not skip it.
    owner.post("/logout")
    wrong = owner.post(
        "/login", data={"email": user.email, "password": WRONG}, **_from("198.51.100.20")
    )
    assert wrong.status_code == 200 and "Wrong email address or password" in wrong.get_data(
        as_text=True
    )


def test_a_device_cookie_of_another_account_or_an_old_password_does_not_unlock(
    app, client, congress, create_user
):
    from conference.accounts import services

    app.config["ACCOUNT_LOCKOUT_LIMIT"] = "3 per 15 minutes"
    victim = create_user(email="victim@onkologia.example")
    attacker = create_user(email="attacker@onkologia.example")
    for n in range(3):
        client.post(
            "/login", data={"email": victim.email, "password": WRONG}, **_from(f"203.0.113.{n}")
        )
    client.set_cookie("login_device", services.issue_device_token(attacker))
    locked = client.post(
        "/login", data={"email": victim.email, "password": PASSWORD}, **_from("198.51.100.9")
    )
    assert locked.status_code == 429

    token = services.issue_device_token(victim)
    victim.security_stamp = "changed-by-a-password-reset"
    db.session.commit()
    client.set_cookie("login_device", token)
    still_locked = client.post(
        "/login", data={"email": victim.email, "password": PASSWORD}, **_from("198.51.100.9")
    )
    assert still_locked.status_code == 429
