"""Private links (password reset, confirmation, manage links) are never readable in the outbox.

The outbox stores such a message with an opaque placeholder; the live link is sealed apart,
filled in only when the message goes to the mail server, and wiped once it is sent.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from conference.extensions import db
from conference.mail import OutboxMessage, OutboxStatus, delivery_bodies, queue_mail
from tests.conftest import deliver_outbox

NEW_PASSWORD = "Taken-over-42-times"
SECRET_LINK = re.compile(r"https?://\S+/(?:password/reset|confirm|registration/manage)/[^\s\"'<]+")


def _pages_an_organizer_can_open(client) -> list[str]:
    """Every outbox page and every API list an organizer can read without ids in the path."""
    urls = ["/met26/manage/", "/met26/manage/outbox"]
    urls += [f"/met26/manage/outbox?status={status.value}" for status in OutboxStatus]
    urls += [f"/met26/manage/outbox/{id_}" for id_ in db.session.scalars(select(OutboxMessage.id))]
    return [client.get(url).get_data(as_text=True) for url in urls]


def _api_pages(client, app, headers) -> list[str]:
    bodies = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1") and "GET" in rule.methods and not rule.arguments:
            bodies.append(client.get(rule.rule, headers=headers).get_data(as_text=True))
    return bodies


def test_organizer_cannot_take_over_an_admin_with_a_reset_link_from_the_outbox(
    client, auth, congress, organizer, create_user, smtp
):
    admin = create_user("admin", email="admin@example.org", name="Ada Admin")
    auth.login(organizer)
    # The organizer cannot grant themselves admin rights...
    response = client.post(
        f"/met26/manage/users/{organizer.id}", data={"roles": ["organizer", "admin"]}
    )
    assert response.status_code == 403
    auth.logout()
    # ...so they ask for the admin's password to be reset, anonymously,
    assert client.post("/password/forgot", data={"email": "admin@example.org"}).status_code == 302
    # and look for the link in the outbox.
    auth.login(organizer)
    found = set()
    for page in _pages_an_organizer_can_open(client):
        found.update(SECRET_LINK.findall(page))
    assert found == set()
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.kind == "accounts/reset_password")
    )
    # The site's own mail (a password reset) is not a congress's: organizers do not see it...
    assert message.congress_id is None
    assert client.get(f"/met26/manage/outbox/{message.id}").status_code == 404
    auth.logout()
    # ...and an administrator sees it without its private link.
    auth.login(admin)
    page = client.get(f"/met26/manage/outbox/{message.id}").get_data(as_text=True)
    assert "Reset your password" in page and "private link" in page
    auth.logout()
    auth.login(organizer)
    # Whatever the page offers as a link does not change the admin's password.
    for path in re.findall(r"/password/reset/[^\s\"'<]+", page):
        client.post(path, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    auth.logout()
    client.post("/login", data={"email": "admin@example.org", "password": NEW_PASSWORD})
    with client.session_transaction() as session:
        assert session.get("_user_id") != admin.get_id()

    # The admin still receives a working link.
    deliver_outbox()
    (sent,) = smtp.to("admin@example.org")
    link = SECRET_LINK.search(smtp.text_of(sent)).group(0)
    path = link.split("127.0.0.1:5000", 1)[1]
    response = client.post(path, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert response.status_code == 302
    # Once sent, the link is gone from the database too.
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message.id)
    assert message.status == OutboxStatus.SENT and message.sealed_secrets is None
    assert link not in message.body_text and link.rsplit("/", 1)[1] not in (message.body_html or "")


def _every_kind_of_secret_mail(client, congress, create_user):
    from conference.registration import services as registration
    from conference.registration.queries import get_category_by_slug

    registration.set_category_rules(
        get_category_by_slug(congress, "oncologist"),
        fees={"early": "450.00", "regular": "550.00", "onsite": "650.00"},
    )

    create_user(email="reset.me@example.org")
    client.post("/password/forgot", data={"email": "reset.me@example.org"})
    client.post(
        "/signup",
        data={
            "email": "new.person@example.org",
            "password": "Long-enough-pass-7",
            "password_again": "Long-enough-pass-7",
            "name": "Łukasz Wójcik-Żółć",
            "country": "PL",
        },
    )
    registration.register_attendee(
        congress,
        {
            "first_name": "Ζωή",
            "last_name": "Παπαδοπούλου",
            "email": "zoi@example.org",
            "affiliation": "National and Kapodistrian University of Athens",
            "country": "GR",
            "category": "oncologist",
            "badge_name": "",
            "dietary": "",
            "accessibility": "",
            "share_with_exhibitors": False,
            "accept_terms": True,
        },
    )
    db.session.commit()
    registration.request_manage_link(congress, "zoi@example.org")
    db.session.commit()


def test_no_outbox_page_or_api_shows_a_live_token(
    client, app, auth, congress, organizer, create_user, api_token, smtp
):
    _every_kind_of_secret_mail(client, congress, create_user)
    messages = list(db.session.scalars(select(OutboxMessage)))
    kinds = {m.kind for m in messages}
    assert {"accounts/reset_password", "accounts/confirm", "registration/manage_link"} <= kinds
    live = set()
    for message in messages:
        live.update(SECRET_LINK.findall(delivery_bodies(message)[0]))
    tokens = {link.rstrip("/").rsplit("/", 1)[1] for link in live}
    assert len(tokens) >= 3

    auth.login(organizer)
    headers = api_token(organizer)

    def assert_nothing_shows_a_token():
        for body in _pages_an_organizer_can_open(client) + _api_pages(client, app, headers):
            assert not any(token in body for token in tokens)

    assert_nothing_shows_a_token()
    deliver_outbox()
    delivered = " ".join(smtp.text_of(m) for m in smtp.messages)
    assert all(token in delivered for token in tokens)
    assert_nothing_shows_a_token()
    rows = db.session.scalars(select(OutboxMessage)).all()
    assert all(row.sealed_secrets is None for row in rows)
    stored = " ".join(f"{r.body_text} {r.body_html or ''} {r.subject}" for r in rows)
    assert not any(token in stored for token in tokens)


def test_html_link_is_escaped_and_mail_without_secrets_stays_readable(
    client, auth, congress, organizer
):
    secret = queue_mail(
        "ann@example.org",
        "Reset your password",
        "accounts/reset_password",
        user=None,
        secrets={"link": "https://congress.example.org/password/reset/abc&def"},
        hours=1,
    )
    plain = queue_mail(
        "bob@example.org",
        "Your presentation time changed",
        "program/schedule_changed",
        name="Bob Brown",
        congress=congress,
        moved=["Room Vienna, 10:30"],
        version=2,
    )
    db.session.commit()
    text, html = delivery_bodies(secret)
    assert "https://congress.example.org/password/reset/abc&def" in text
    assert 'href="https://congress.example.org/password/reset/abc&amp;def"' in html
    assert "abc&def" not in secret.body_text and secret.visible_text is None
    auth.login(organizer)
    page = client.get(f"/met26/manage/outbox/{plain.id}").get_data(as_text=True)
    assert "Room Vienna, 10:30" in page


def test_a_secret_cannot_also_be_plain_context(app, congress):
    with pytest.raises(ValueError, match="both as a secret"):
        queue_mail("a@example.org", "Hi", "accounts/confirm", link="x", secrets={"link": "y"})


def test_error_logs_name_the_route_not_the_private_token_in_the_path(app, caplog):
    from conference import create_app
    from config import TestingConfig

    def boom(reference, token):
        raise RuntimeError("a bug behind a private link")

    class SameDatabase(TestingConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]

    fresh = create_app(SameDatabase)  # the shared app takes no new routes once it served
    fresh.add_url_rule("/met26/registration/manage/<reference>/<token>/boom", view_func=boom)
    token = "Zx9-private-manage-token-4f2a"
    fresh.logger.addHandler(caplog.handler)
    try:
        response = fresh.test_client().get(f"/met26/registration/manage/MET26-ABCD/{token}/boom")
    finally:
        fresh.logger.removeHandler(caplog.handler)
    assert response.status_code == 500
    assert "/met26/registration/manage/<reference>/<token>/boom" in caplog.text
    assert token not in caplog.text
