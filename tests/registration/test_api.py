"""The registration API: categories and fees, registering, manage token, organizer actions."""

from __future__ import annotations

from flask import g

from conference.extensions import db
from conference.registration import proofs
from conference.registration.models import Registration
from conference.registration.tokens import manage_token
from tests.registration.conftest import attendee_data


def _token_headers(registration: Registration) -> dict:
    return {"X-Manage-Token": manage_token(registration.reference, registration.manage_salt)}


def test_categories_list_current_fee_and_remaining(client, priced, api_token, organizer):
    headers = api_token(organizer)
    response = client.patch(
        "/api/v1/congresses/met26/registration/categories/oncologist",
        json={"capacity": 10, "fees": {"early": "500.50"}, "requires_proof": False},
        headers=headers,
    )
    assert response.status_code == 200, response.json
    body = client.get("/api/v1/congresses/met26/registration/categories").json
    oncologist = next(c for c in body["categories"] if c["slug"] == "oncologist")
    assert oncologist["fee"] == {"amount": "500.50", "currency": "EUR", "period": "early"}
    assert oncologist["capacity"] == 10 and oncologist["remaining"] == 10


def test_patch_category_needs_an_organizer_and_valid_amounts(
    client, priced, api_token, create_user
):
    url = "/api/v1/congresses/met26/registration/categories/oncologist"
    attendee = create_user()
    assert client.patch(url, json={"capacity": 1}, headers=api_token(attendee)).status_code == 403
    g.pop("api_user", None)  # the test app context (and its g) outlives each request
    assert client.patch(url, json={"capacity": 1}).status_code == 401
    g.pop("api_user", None)
    organizer = create_user("organizer")
    response = client.patch(url, json={"fees": {"early": "-3"}}, headers=api_token(organizer))
    assert response.status_code == 422
    assert "fees.early" in response.json["error"]["fields"]


def test_patch_settings(client, priced, api_token, organizer):
    response = client.patch(
        "/api/v1/congresses/met26/registration/settings",
        json={"capacity": 2, "refund_deadline_at": "2026-12-01T00:00"},
        headers=api_token(organizer),
    )
    assert response.status_code == 200, response.json
    assert response.json["capacity"] == 2
    assert response.json["refund_deadline_at"].startswith("2026-11-30T23:00")
    visa = client.patch(
        "/api/v1/congresses/met26/registration/settings",
        json={"visa_signatory_name": "Dr Ana Ruiz", "visa_retention_days": 7},
        headers=api_token(organizer),
    )
    assert visa.status_code == 200, visa.json
    assert (visa.json["visa_signatory_name"], visa.json["visa_retention_days"]) == (
        "Dr Ana Ruiz",
        7,
    )
    bad = client.patch(
        "/api/v1/congresses/met26/registration/settings",
        json={"visa_retention_days": -1},
        headers=api_token(organizer),
    )
    assert bad.status_code == 422 and "visa_retention_days" in bad.json["error"]["fields"]


def test_api_records_cash(client, register, api_token, organizer):
    registration = register()
    response = client.post(
        f"/api/v1/congresses/met26/registrations/{registration.reference}/payments",
        json={"kind": "cash", "amount": "450.00"},
        headers=api_token(organizer),
    )
    assert response.status_code == 201, response.json
    assert response.json["registration"]["status"] == "confirmed"


def test_register_returns_201_then_409_for_the_same_email(client, priced, smtp):
    data = attendee_data(email="api@example.org")
    response = client.post("/api/v1/congresses/met26/registrations", json=data)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "awaiting_payment"
    assert body["amount_due"] == {"amount": "450.00", "currency": "EUR"}
    assert body["reference"].startswith("MET26-")
    # The owner of the address uses the emailed token: the registration is theirs now.
    registration = db.session.query(Registration).one()
    reference = registration.reference
    opened = client.get(
        f"/api/v1/congresses/met26/registrations/{reference}", headers=_token_headers(registration)
    )
    assert opened.status_code == 200
    again = client.post(
        "/api/v1/congresses/met26/registrations", json={**data, "email": "API@example.org"}
    )
    assert again.status_code == 409
    assert again.json["error"]["code"] == "already_registered"


def test_register_validation_errors_are_422_with_fields(client, priced):
    response = client.post(
        "/api/v1/congresses/met26/registrations",
        json=attendee_data(country="ZZ", accept_terms=False, email="bad", category="nope"),
    )
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) >= {"country", "accept_terms", "email", "category"}
    missing = client.post("/api/v1/congresses/met26/registrations", json={"first_name": "A"})
    assert missing.status_code == 422
    assert "email" in missing.json["error"]["fields"]
    assert client.post("/api/v1/congresses/met26/registrations", data="nope").status_code in (
        400,
        422,
    )


def test_idempotency_key_returns_the_first_registration(client, priced):
    data = attendee_data()
    headers = {"Idempotency-Key": "abc123"}
    first = client.post("/api/v1/congresses/met26/registrations", json=data, headers=headers)
    second = client.post("/api/v1/congresses/met26/registrations", json=data, headers=headers)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json["reference"] == second.json["reference"]
    assert db.session.query(Registration).count() == 1


def test_manage_token_guards_reads_and_cancel(client, register):
    registration = register()
    url = f"/api/v1/congresses/met26/registrations/{registration.reference}"
    assert client.get(url, headers={"X-Manage-Token": "wrong"}).status_code == 404
    assert client.get(url).status_code == 401
    response = client.get(url, headers=_token_headers(registration))
    assert response.status_code == 200 and response.json["email"] == registration.email
    cancel = client.post(f"{url}/cancel", json={}, headers=_token_headers(registration))
    assert cancel.status_code == 200 and cancel.json["status"] == "cancelled"
    again = client.post(f"{url}/cancel", json={}, headers=_token_headers(registration))
    assert again.status_code == 409


def test_organizer_payments_verify_check_in(client, register, api_token, organizer):
    from tests.registration.conftest import PDF_BYTES

    headers = api_token(organizer)
    student = register(category="student-trainee", proof=("l.pdf", PDF_BYTES))
    base = f"/api/v1/congresses/met26/registrations/{student.reference}"
    early = client.post(f"{base}/payments", json={"kind": "bank_transfer"}, headers=headers)
    assert early.status_code == 422  # amount missing
    not_verified = client.post(
        f"{base}/payments", json={"kind": "bank_transfer", "amount": "150"}, headers=headers
    )
    assert not_verified.status_code == 409
    refused = client.post(f"{base}/verify", json={"decision": "refuse"}, headers=headers)
    assert refused.status_code == 422
    verified = client.post(f"{base}/verify", json={"decision": "approve"}, headers=headers)
    assert verified.json["status"] == "awaiting_payment"
    payment = {"kind": "bank_transfer", "amount": "150.00", "idempotency_key": "k-1"}
    paid = client.post(f"{base}/payments", json=payment, headers=headers)
    assert paid.status_code == 201 and paid.json["registration"]["status"] == "confirmed"
    repeat = client.post(f"{base}/payments", json=payment, headers=headers)
    assert repeat.status_code == 201 and len(repeat.json["registration"]["payments"]) == 1
    first = client.post(f"{base}/check-in", headers=headers)
    assert first.status_code == 200
    second = client.post(f"{base}/check-in", headers=headers)
    assert second.status_code == 409
    assert second.json["error"]["code"] == "already_checked_in"
    assert second.json["error"]["checked_in_at"] == first.json["checked_in_at"]


def test_organizer_list_filters_and_paginates(client, register, api_token, organizer):
    register(country="DE")
    register(country="FR")
    register(country="FR", category="student-trainee")
    headers = api_token(organizer)
    body = client.get(
        "/api/v1/congresses/met26/registrations?country=FR&per_page=1", headers=headers
    ).json
    assert body["total"] == 2 and body["pages"] == 2 and len(body["registrations"]) == 1
    body = client.get(
        "/api/v1/congresses/met26/registrations?status=awaiting_verification", headers=headers
    ).json
    assert body["total"] == 1
    assert (
        client.get(
            "/api/v1/congresses/met26/registrations?status=bogus", headers=headers
        ).status_code
        == 422
    )
    g.pop("api_user", None)
    assert client.get("/api/v1/congresses/met26/registrations").status_code == 401


def test_proof_upload_through_the_api_is_checked_by_content(client, register):
    import io

    from tests.registration.conftest import PDF_BYTES

    registration = register(category="student-trainee")
    proofs.refuse_proof(registration, None, "The letter is not signed.")
    db.session.commit()
    url = f"/api/v1/congresses/met26/registrations/{registration.reference}/proof"
    headers = _token_headers(registration)
    bad = client.post(url, data={"proof": (io.BytesIO(b"GIF89a..."), "x.pdf")}, headers=headers)
    assert bad.status_code == 422 and "proof" in bad.json["error"]["fields"]
    good = client.post(url, data={"proof": (io.BytesIO(PDF_BYTES), "x.pdf")}, headers=headers)
    assert good.status_code == 200 and good.json["proof_status"] == "pending"


def test_openapi_documents_the_registration_endpoints(client, priced):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in (
        "/api/v1/congresses/{congress}/registration/categories",
        "/api/v1/congresses/{congress}/registration/categories/{slug}",
        "/api/v1/congresses/{congress}/registration/settings",
        "/api/v1/congresses/{congress}/registrations",
        "/api/v1/congresses/{congress}/registrations/{reference}/check-in",
    ):
        assert path in paths


def test_attendee_requests_a_visa_letter_through_the_api(client, register):
    registration = register()
    url = f"/api/v1/congresses/met26/registrations/{registration.reference}/visa-request"
    data = {"passport_number": "C01X00T47", "nationality": "de", "date_of_birth": "1990-01-31"}
    assert client.put(url, json=data).status_code == 401
    bad = client.put(
        url,
        json={**data, "nationality": "QQ", "date_of_birth": "2999-01-01"},
        headers=_token_headers(registration),
    )
    assert bad.status_code == 422
    assert {"nationality", "date_of_birth"} <= set(bad.json["error"]["fields"])
    saved = client.put(url, json=data, headers=_token_headers(registration))
    assert saved.status_code == 200, saved.json
    assert saved.json["nationality"] == "DE" and saved.json["letter_available"] is False
    assert registration.visa_request.passport_number == "C01X00T47"
