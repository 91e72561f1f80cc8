"""A replaced registration link shows how to get a working one (404 with the request form)."""

from __future__ import annotations

from conference.extensions import db
from conference.registration import services
from conference.registration.tokens import manage_path


def test_replaced_manage_link_offers_a_new_one(client, register, smtp):
    registration = register(email="moved@example.org")
    old_path = manage_path(registration)
    services.replace_manage_link(registration)
    db.session.commit()

    response = client.get(old_path)
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "This registration link no longer works" in page
    assert 'action="/met26/registration/link"' in page and 'name="email"' in page
    assert "registered with" in page

    # The same page for a reference that never existed (nothing is revealed).
    unknown = client.get("/met26/registration/manage/MET26-ZZZZZZ/whatever")
    assert unknown.status_code == 404 and 'action="/met26/registration/link"' in unknown.text

    # The form on the page works: a new link is emailed.
    response = client.post("/met26/registration/link", data={"email": "moved@example.org"})
    assert response.status_code == 302
