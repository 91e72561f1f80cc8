"""Nothing tells a stranger which email addresses have an account: not login, not sign-up."""

import argon2
import pytest

from conference.accounts.models import User
from conference.extensions import db
from conference.mail import OutboxMessage
from tests.factories import PASSWORD


@pytest.fixture
def argon2_calls(monkeypatch):
    """Count the real library's hash and verify calls (the library is wrapped, not our code)."""
    calls = {"hash": 0, "verify": 0}
    real_hash, real_verify = argon2.PasswordHasher.hash, argon2.PasswordHasher.verify

    def counting_hash(self, *args, **kwargs):
        calls["hash"] += 1
        return real_hash(self, *args, **kwargs)

    def counting_verify(self, *args, **kwargs):
        calls["verify"] += 1
        return real_verify(self, *args, **kwargs)

    monkeypatch.setattr(argon2.PasswordHasher, "hash", counting_hash)
    monkeypatch.setattr(argon2.PasswordHasher, "verify", counting_verify)
    return calls


def test_login_with_unknown_email_does_the_same_hashing_work_as_with_a_known_one(
    client, congress, create_user, argon2_calls
):
    create_user(email="known.oncologist@charite.example")
    counts = []
    for email in ("known.oncologist@charite.example", "nobody.here@charite.example"):
        argon2_calls.update(hash=0, verify=0)
        response = client.post("/login", data={"email": email, "password": "Wrong-guess-77"})
        assert response.status_code == 200
        assert "Wrong email address or password." in response.get_data(as_text=True)
        counts.append(dict(argon2_calls))
    assert counts[0] == counts[1] == {"hash": 0, "verify": 1}


def test_api_token_with_unknown_email_does_the_same_hashing_work(
    client, congress, create_user, argon2_calls
):
    create_user(email="known.oncologist@charite.example")
    counts = []
    for email in ("known.oncologist@charite.example", "nobody.here@charite.example"):
        argon2_calls.update(hash=0, verify=0)
        response = client.post(
            "/api/v1/auth/token", json={"email": email, "password": "Wrong-guess-77"}
        )
        assert response.status_code == 401
        counts.append(dict(argon2_calls))
    assert counts[0] == counts[1] == {"hash": 0, "verify": 1}


def _sign_up(client, email: str, name: str = "Nadia Nouvelle"):
    return client.post(
        "/signup",
        data={
            "email": email,
            "password": "Another-pass-31",
            "password_again": "Another-pass-31",
            "name": name,
            "country": "FR",
            "category_id": "0",
        },
    )


def test_sign_up_answers_the_same_for_a_taken_email_and_tells_its_owner(
    client, congress, create_user, argon2_calls
):
    owner = create_user(email="taken@gustave-roussy.example", name="Thérèse Owner")
    argon2_calls.update(hash=0, verify=0)
    taken = _sign_up(client, "TAKEN@gustave-roussy.example")
    taken_work = dict(argon2_calls)
    argon2_calls.update(hash=0, verify=0)
    fresh = _sign_up(client, "fresh@gustave-roussy.example")
    assert taken_work == dict(argon2_calls)

    assert taken.status_code == fresh.status_code == 200
    taken_html = taken.get_data(as_text=True)
    fresh_html = fresh.get_data(as_text=True)
    assert "already exists" not in taken_html
    assert taken_html.replace("taken@", "fresh@") == fresh_html

    # The owner is told by email; the account and its password are untouched.
    [notice] = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.to_address == owner.email)
    ).all()
    assert "already have an account" in notice.body_text
    db.session.refresh(owner)
    assert owner.name == "Thérèse Owner"
    response = client.post("/login", data={"email": owner.email, "password": PASSWORD})
    assert response.status_code == 302
    assert db.session.query(User).count() == 2


def test_repeated_sign_ups_with_a_taken_email_send_its_owner_one_notice_a_day(
    client, congress, create_user
):
    owner = create_user(email="taken@gustave-roussy.example")
    for _ in range(3):
        assert _sign_up(client, owner.email).status_code == 200
    notices = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.to_address == owner.email)
    ).all()
    assert len(notices) == 1


def test_sign_up_is_rate_limited_per_client(client, app, congress):
    app.config["SIGNUP_RATE_LIMIT"] = "3 per hour"
    statuses = [_sign_up(client, f"flood{n}@mailinator.example").status_code for n in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert db.session.query(User).count() == 3
