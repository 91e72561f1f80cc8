"""Transfers of value: recorded with payer and amount, exported per company (CSV, API)."""

from __future__ import annotations

import csv
import io

import pytest

from conference.errors import ValidationFailed
from conference.extensions import db
from conference.industry import transfers


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_a_transfer_needs_payer_recipient_kind_amount_and_date(congress):
    with pytest.raises(ValidationFailed) as caught:
        transfers.record_transfer(congress, {"kind": "gift", "amount": "-1", "paid_on": "x"})
    assert set(caught.value.fields) >= {
        "sponsor_id",
        "recipient_name",
        "kind",
        "amount",
        "paid_on",
    }


def test_transfers_are_exported_per_company(
    client, auth, organizer, api_token, congress, sponsor_a, sponsor_b
):
    for sponsor, name, amount in (
        (sponsor_a, "Dr Αικατερίνη Παπαδοπούλου", "550.00"),
        (sponsor_b, "Dr Jan Novák", "320.00"),
    ):
        transfers.record_transfer(
            congress,
            {
                "sponsor_id": sponsor.id,
                "recipient_name": name,
                "recipient_country": "GR",
                "kind": "registration",
                "amount": amount,
                "paid_on": "2026-05-04",
            },
        )
    db.session.commit()
    auth.login(organizer)
    rows = _rows(
        client.get(f"/met26/manage/industry/transfers.csv?sponsor_id={sponsor_a.id}").get_data(
            as_text=True
        )
    )
    assert rows[1][:3] == [
        "Oncora Therapeutics",
        "Oncora Therapeutics SAS",
        "Dr Αικατερίνη Παπαδοπούλου",
    ]
    assert rows[1][6:10] == ["registration", "550.00", "EUR", "2026-05-04"]
    assert len(rows) == 2
    response = client.get(
        "/api/v1/congresses/met26/transfers-of-value", headers=api_token(organizer)
    )
    assert response.mimetype == "text/csv" and len(_rows(response.get_data(as_text=True))) == 3
    contact = api_token(sponsor_a.test_contact)
    assert (
        client.get("/api/v1/congresses/met26/transfers-of-value", headers=contact).status_code
        == 403
    )
    # An id beyond an INTEGER column is a 422 naming the field (PostgreSQL refused it: a 500).
    for query in ("sponsor_id=99999999999", "sponsor_id=-99999999999"):
        huge = client.get(
            f"/api/v1/congresses/met26/transfers-of-value?{query}", headers=api_token(organizer)
        )
        assert huge.status_code == 422 and "sponsor_id" in str(huge.get_json()), query


def test_transfer_form_keeps_what_was_typed(client, auth, organizer, congress, sponsor_a):
    auth.login(organizer)
    response = client.post(
        "/met26/manage/industry/transfers",
        data={
            "sponsor_id": str(sponsor_a.id),
            "recipient_name": "Dr Jan Novák",
            "kind": "travel",
            "amount": "abc",
            "paid_on": "2026-05-04",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Dr Jan Novák" in page and "Enter an amount" in page
    response = client.post(
        "/met26/manage/industry/transfers",
        data={
            "sponsor_id": str(sponsor_a.id),
            "recipient_name": "Dr Jan Novák",
            "kind": "travel",
            "amount": "412.50",
            "paid_on": "2026-05-04",
        },
    )
    assert response.status_code == 302
    assert "Dr Jan Novák" in client.get("/met26/manage/industry/transfers").get_data(as_text=True)
