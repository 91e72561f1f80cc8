"""How to pay: amount, bank details, reference and due date while something is owed, shown
after registering, in the emails, on the manage page and in the API; gone once paid."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conference.extensions import db
from conference.money import services as money_services
from conference.registration import services
from conference.registration.models import RegistrationStatus
from conference.registration.payment_instructions import payment_instructions
from conference.registration.payments import record_payment
from conference.registration.queries import get_category_by_slug
from conference.registration.tokens import manage_path, manage_token
from tests.conftest import deliver_outbox

IBAN = "AT611904300234573201"
IBAN_PRINTED = "AT61 1904 3002 3457 3201"


@pytest.fixture
def bank(priced):
    """The organizer's bank account on the money seller profile."""
    congress = priced[0]
    money_services.update_seller_profile(
        congress,
        legal_name="Wiener Onkologie-Kongressgesellschaft mbH",
        account_holder="Wiener Onkologie-Kongressgesellschaft mbH",
        iban=IBAN,
        bic="BKAUATWW",
        bank_name="UniCredit Bank Austria AG",
    )
    db.session.commit()
    return congress


def _headers(registration) -> dict:
    return {"X-Manage-Token": manage_token(registration.reference, registration.manage_salt)}


def test_received_email_manage_page_and_api_show_how_to_pay_until_paid(
    client, bank, register, smtp
):
    registration = register(email="jan@example.org")
    assert registration.status == RegistrationStatus.AWAITING_PAYMENT
    deliver_outbox()
    [received] = smtp.to("jan@example.org")
    text = smtp.text_of(received)
    assert "HOW TO PAY" in text
    assert "Amount due: €450.00" in text
    assert "Account holder: Wiener Onkologie-Kongressgesellschaft mbH" in text
    assert f"IBAN: {IBAN_PRINTED}" in text
    assert "BIC: BKAUATWW" in text and "Bank: UniCredit Bank Austria AG" in text
    assert f"Reference to quote: {registration.reference}" in text
    assert f"Pay by: {payment_instructions(registration).due_local}" in text

    page = client.get(manage_path(registration)).get_data(as_text=True)
    assert 'id="how-to-pay"' in page
    assert IBAN_PRINTED in page and "€450.00" in page and registration.reference in page

    api = client.get(
        f"/api/v1/congresses/met26/registrations/{registration.reference}",
        headers=_headers(registration),
    )
    how = api.json["how_to_pay"]
    assert how["amount"] == "450.00" and how["currency"] == "EUR"
    assert how["reference"] == registration.reference
    assert how["bank_transfer"]["iban"] == IBAN
    assert how["bank_transfer"]["iban_formatted"] == IBAN_PRINTED
    assert how["due_at"] == registration.expires_at.isoformat()

    record_payment(registration, kind="bank_transfer", amount="450.00")
    db.session.commit()
    deliver_outbox()
    confirmed = smtp.to("jan@example.org")[-1]
    assert "confirmed" in confirmed["Subject"]
    assert "HOW TO PAY" not in smtp.text_of(confirmed)
    assert IBAN_PRINTED not in smtp.text_of(confirmed)
    page = client.get(manage_path(registration)).get_data(as_text=True)
    assert 'id="how-to-pay"' not in page and IBAN_PRINTED not in page
    api = client.get(
        f"/api/v1/congresses/met26/registrations/{registration.reference}",
        headers=_headers(registration),
    )
    assert api.json["how_to_pay"] is None


def test_partial_payment_email_says_how_to_pay_the_rest(client, bank, register, smtp):
    registration = register(email="ines@example.org")
    record_payment(registration, kind="bank_transfer", amount="400.00")
    db.session.commit()
    deliver_outbox()
    payment_mail = next(m for m in smtp.to("ines@example.org") if "payment" in m["Subject"])
    text = smtp.text_of(payment_mail)
    assert "Amount due: €50.00" in text and f"IBAN: {IBAN_PRINTED}" in text


def test_organizer_sees_how_to_pay_in_the_api_list_and_nothing_for_waived(
    client, bank, register, organizer, api_token
):
    owing = register()
    waived = register()
    record_payment(waived, kind="waived", note="Invited faculty")
    db.session.commit()
    body = client.get("/api/v1/congresses/met26/registrations", headers=api_token(organizer)).json
    by_reference = {row["reference"]: row for row in body["registrations"]}
    assert by_reference[owing.reference]["how_to_pay"]["amount"] == "450.00"
    assert by_reference[waived.reference]["how_to_pay"] is None


def test_nothing_is_shown_for_free_waitlisted_or_proof_pending_registrations(bank, register):
    congress = bank
    free = get_category_by_slug(congress, "oncologist")
    services.set_category_rules(free, fees={"early": "0.00", "regular": "0.00", "onsite": "0"})
    db.session.commit()
    free_registration = register()
    assert free_registration.status == RegistrationStatus.CONFIRMED
    assert payment_instructions(free_registration) is None
    student = register(category="student-trainee")
    assert student.status == RegistrationStatus.AWAITING_VERIFICATION
    assert payment_instructions(student) is None


def test_without_bank_details_the_instructions_say_to_contact_the_organizer(
    client, priced, register, smtp
):
    registration = register(email="noor@example.org")
    instructions = payment_instructions(registration)
    assert instructions is not None and instructions.bank is None
    deliver_outbox()
    text = smtp.text_of(smtp.to("noor@example.org")[0])
    assert "please contact the organizer at secretariat@example.org" in text
    assert "IBAN" not in text.split("\n-- \n")[0]
    page = client.get(manage_path(registration)).get_data(as_text=True)
    assert "please contact the organizer" in page


def test_due_date_is_shown_in_the_congress_time_zone(bank, register):
    congress = bank
    congress.timezone = "America/New_York"
    db.session.commit()
    registration = register(now=datetime(2026, 12, 3, 3, 30, tzinfo=UTC))
    registration.expires_at = datetime(2026, 12, 10, 3, 30, tzinfo=UTC)
    instructions = payment_instructions(registration)
    # 03:30 UTC is the evening before in New York.
    assert instructions.due_local == "Wed 09 Dec 2026, 22:30 (America/New_York)"


def test_page_after_registering_shows_how_to_pay_to_that_browser_only(client, app, bank):
    form = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.org",
        "affiliation": "Analytical Engines",
        "country": "GB",
        "category": "oncologist",
        "accept_terms": "y",
        "submission_key": "pay-key-1",
    }
    response = client.post("/met26/register", data=form)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="how-to-pay"' in page and IBAN_PRINTED in page and "€450.00" in page
    other = app.test_client().get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="how-to-pay"' not in other and "450.00" not in other
