"""Organizers edit a voucher (uses, categories, validity window, label) on its page and through
the API, never below the uses already made; registrations show their voucher in the list and
its CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from conference.extensions import db
from conference.models import utcnow
from conference.money import vouchers
from conference.money.models import Voucher
from tests.registration.conftest import attendee_data

API = "/api/v1/congresses/met26"


def _voucher(congress, **kw) -> Voucher:
    kw.setdefault("kind", "percent")
    kw.setdefault("percent", "20")
    voucher = vouchers.create_vouchers(congress, label="Faculty", **kw)[0]
    db.session.commit()
    return voucher


def test_the_api_edits_uses_categories_and_window_but_never_below_the_uses_made(
    client, priced, api_token, organizer, register
):
    congress = priced[0]
    voucher = _voucher(congress, max_uses=3)
    register(voucher=voucher.code)
    register(voucher=voucher.code)
    url = f"{API}/vouchers/{voucher.code}"
    headers = api_token(organizer)
    below = client.patch(url, json={"max_uses": 1}, headers=headers)
    assert below.status_code == 422
    assert "2 times" in below.json["error"]["fields"]["max_uses"][0]
    window = client.patch(
        url,
        json={"valid_from": "2026-05-01T10:00:00", "valid_until": "2026-04-01T10:00:00"},
        headers=headers,
    )
    assert window.status_code == 422 and "valid_until" in window.json["error"]["fields"]
    unknown = client.patch(url, json={"categories": ["surgeon-general"]}, headers=headers)
    assert unknown.status_code == 422 and "categories" in unknown.json["error"]["fields"]
    db.session.expire_all()
    assert voucher.max_uses == 3 and voucher.category_ids == []

    done = client.patch(
        url,
        json={"max_uses": 2, "categories": ["student-trainee"], "label": "Speakers"},
        headers=headers,
    )
    assert done.status_code == 200, done.json
    assert done.json["max_uses"] == 2 and done.json["uses"] == 2
    assert done.json["categories"] == ["student-trainee"] and done.json["label"] == "Speakers"
    assert done.json["disabled"] is False
    # Now used up, and only for students anyway.
    refused = client.post(f"{API}/registrations", json=attendee_data(voucher=voucher.code))
    assert refused.status_code == 422 and "voucher" in refused.json["error"]["fields"]

    client.patch(url, json={"max_uses": 5, "categories": []}, headers=headers)
    later = utcnow() + timedelta(days=3)
    client.patch(url, json={"valid_from": later.isoformat(timespec="minutes")}, headers=headers)
    not_yet = client.post(f"{API}/registrations", json=attendee_data(voucher=voucher.code))
    assert not_yet.status_code == 422
    assert "not valid yet" in not_yet.json["error"]["fields"]["voucher"][0]
    client.patch(url, json={"valid_from": None}, headers=headers)
    accepted = client.post(f"{API}/registrations", json=attendee_data(voucher=voucher.code))
    assert accepted.status_code == 201, accepted.json


def test_the_edit_page_keeps_the_input_and_names_the_field(
    client, auth, organizer, priced, register
):
    congress = priced[0]
    voucher = _voucher(congress, max_uses=2)
    register(voucher=voucher.code)
    register(voucher=voucher.code)
    auth.login(organizer)
    listing = client.get("/met26/manage/vouchers").get_data(as_text=True)
    assert f"/met26/manage/vouchers/{voucher.code}/edit" in listing
    url = f"/met26/manage/vouchers/{voucher.code}/edit"
    page = client.get(url)
    assert page.status_code == 200 and 'id="voucher-edit-form"' in page.get_data(as_text=True)
    bad = client.post(url, data={"max_uses": "1", "label": "Invited faculty 2026"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "is-invalid" in html
    assert "already been used 2 times" in html and "Invited faculty 2026" in html
    good = client.post(url, data={"max_uses": "4", "label": "Invited faculty 2026"})
    assert good.status_code == 302
    db.session.expire_all()
    assert voucher.max_uses == 4 and voucher.label == "Invited faculty 2026"
    assert client.get("/met26/manage/vouchers/NOPE-1/edit").status_code == 404


def test_registrations_list_and_csv_show_the_voucher(client, auth, organizer, priced, register):
    congress = priced[0]
    voucher = _voucher(congress, max_uses=2)
    used = register(voucher=voucher.code)
    plain = register()
    auth.login(organizer)
    html = client.get("/met26/manage/registrations").get_data(as_text=True)
    assert f"<code>{voucher.code}</code>" in html
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/met26/manage/registrations.csv").get_data(as_text=True))
        )
    )
    by_reference = {row["reference"]: row for row in rows}
    assert by_reference[used.reference]["voucher"] == voucher.code
    assert by_reference[used.reference]["voucher_discount"] == "90.00"
    assert by_reference[plain.reference]["voucher"] == ""
