"""Used, expired or mangled reset and confirmation links explain themselves and offer a new
link on the same page (410), instead of an error or a bare redirect."""

from __future__ import annotations

from conference.accounts import services
from conference.extensions import db
from conference.mail import OutboxMessage, delivery_bodies
from tests.factories import PASSWORD


def _path_of_last(kind: str) -> str:
    message = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
    ).all()[-1]
    link = next(w for w in delivery_bodies(message)[0].split() if w.startswith("http"))
    return "/" + link.split("/", 3)[3]


def _is_request_page(response, action: str) -> bool:
    page = response.get_data(as_text=True)
    return 'id="dead-link"' in page and f'action="{action}"' in page and 'name="email"' in page


def test_used_reset_link_offers_a_new_one(client, congress, create_user):
    create_user(email="r@example.org")
    services.request_password_reset("r@example.org")
    db.session.commit()
    path = _path_of_last("accounts/reset_password")
    new = "Good-new-pass-5"
    client.post(path, data={"password": new, "password_again": new})
    response = client.get(path)
    assert response.status_code == 410
    assert _is_request_page(response, "/password/forgot")
    assert "already been used" in response.get_data(as_text=True)


def test_expired_reset_link_offers_a_new_one(app, client, congress, create_user):
    create_user(email="late@example.org")
    services.request_password_reset("late@example.org")
    db.session.commit()
    path = _path_of_last("accounts/reset_password")
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    response = client.get(path)
    assert response.status_code == 410 and _is_request_page(response, "/password/forgot")
    assert "expired" in response.get_data(as_text=True)


def test_expired_confirmation_link_offers_a_new_one(app, client, congress):
    services.sign_up(email="slow@example.org", password=PASSWORD, name="Slow")
    db.session.commit()
    path = _path_of_last("accounts/confirm")
    app.config["EMAIL_TOKEN_MAX_AGE"] = -1
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 410 and _is_request_page(response, "/confirm")
        assert "expired" in response.get_data(as_text=True)


def test_mangled_confirmation_link_offers_a_new_one(client, congress):
    response = client.get("/confirm/not-a-token")
    assert response.status_code == 410 and _is_request_page(response, "/confirm")
