"""Organizers disable a voucher code (page and API) and enable it again; a disabled code is
refused at registration with a clear message next to the field."""

from __future__ import annotations

from conference.extensions import db
from conference.money import vouchers
from conference.money.models import Voucher
from tests.registration.conftest import attendee_data


def _voucher(congress) -> Voucher:
    voucher = vouchers.create_vouchers(congress, kind="free_place", max_uses=5, label="Press")[0]
    db.session.commit()
    return voucher


def test_a_disabled_code_is_refused_and_works_again_once_enabled_through_the_api(
    client, priced, api_token, organizer, create_user
):
    congress = priced[0]
    voucher = _voucher(congress)
    url = f"/api/v1/congresses/met26/vouchers/{voucher.code.lower()}"
    assert client.patch(url, json={"disabled": True}).status_code == 401
    reviewer = create_user("reviewer")
    assert (
        client.patch(url, json={"disabled": True}, headers=api_token(reviewer)).status_code == 403
    )
    bad = client.patch(url, json={"disabled": "maybe"}, headers=api_token(organizer))
    assert bad.status_code == 422 and "disabled" in bad.json["error"]["fields"]
    assert (
        client.patch(
            "/api/v1/congresses/met26/vouchers/NOPE-123",
            json={"disabled": True},
            headers=api_token(organizer),
        ).status_code
        == 404
    )
    off = client.patch(url, json={"disabled": True}, headers=api_token(organizer))
    assert off.status_code == 200, off.json
    assert off.json["disabled"] is True and off.json["disabled_at"]

    refused = client.post(
        "/api/v1/congresses/met26/registrations", json=attendee_data(voucher=voucher.code)
    )
    assert refused.status_code == 422
    assert "disabled" in refused.json["error"]["fields"]["voucher"][0]
    db.session.expire_all()
    assert voucher.uses == 0

    on = client.patch(url, json={"disabled": False}, headers=api_token(organizer))
    assert on.status_code == 200 and on.json["disabled"] is False
    accepted = client.post(
        "/api/v1/congresses/met26/registrations", json=attendee_data(voucher=voucher.code)
    )
    assert accepted.status_code == 201, accepted.json
    assert accepted.json["amount_due"]["amount"] == "0.00"
    listed = client.get("/api/v1/congresses/met26/vouchers", headers=api_token(organizer)).json[
        "vouchers"
    ]
    assert listed[0]["disabled"] is False and listed[0]["uses"] == 1


def test_the_organizer_disables_and_enables_a_code_on_the_vouchers_page(
    client, auth, priced, organizer
):
    congress = priced[0]
    voucher = _voucher(congress)
    auth.login(organizer)
    page = client.get("/met26/manage/vouchers").get_data(as_text=True)
    assert "Enabled" in page and f"/met26/manage/vouchers/{voucher.code}/disabled" in page
    done = client.post(
        f"/met26/manage/vouchers/{voucher.code}/disabled",
        data={"disabled": "1"},
        follow_redirects=True,
    )
    page = done.get_data(as_text=True)
    assert f"Voucher {voucher.code} disabled" in page and ">Disabled<" in page
    db.session.expire_all()
    assert voucher.disabled_at is not None
    # The web registration form shows the refusal next to the voucher field.
    auth.logout()
    form = client.post(
        "/met26/register",
        data={
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.org",
            "affiliation": "Analytical Engines",
            "country": "GB",
            "category": "oncologist",
            "accept_terms": "y",
            "submission_key": "voucher-disabled-1",
            "voucher": voucher.code,
        },
    )
    assert form.status_code == 200
    assert "This voucher code has been disabled by the organizers" in form.get_data(as_text=True)
    auth.login(organizer)
    client.post(f"/met26/manage/vouchers/{voucher.code}/disabled", data={"disabled": "0"})
    db.session.expire_all()
    assert voucher.disabled_at is None
    assert (
        client.post(
            f"/met26/manage/vouchers/{voucher.code}/disabled", data={"disabled": "x"}
        ).status_code
        == 400
    )
    assert (
        client.post("/met26/manage/vouchers/NOPE/disabled", data={"disabled": "1"}).status_code
        == 404
    )


def test_only_organizers_switch_vouchers(client, auth, priced, create_user):
    voucher = _voucher(priced[0])
    auth.login(create_user("reviewer"))
    response = client.post(
        f"/met26/manage/vouchers/{voucher.code}/disabled", data={"disabled": "1"}
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert voucher.disabled_at is None
