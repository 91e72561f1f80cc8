"""Visa invitation letters: passport data asked only on request, in the letter, verifiable,
erased with the registration and after the congress."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from conference.extensions import db
from conference.jobs import PERIODIC_JOBS, JobRunner
from conference.registration import privacy, services
from conference.registration.capacity import get_settings
from conference.registration.models import VisaRequest
from conference.registration.payments import record_payment
from conference.registration.tokens import manage_path
from conference.registration.visa import purge_expired_visa_data
from tests.registration.conftest import ask_for_visa_letter


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _visa_count() -> int:
    return db.session.scalar(select(func.count()).select_from(VisaRequest))


def _paid(register, **fields):
    registration = register(**fields)
    record_payment(registration, kind="bank_transfer", amount="450.00")
    db.session.commit()
    return registration


def test_passport_data_is_asked_only_on_request(client, register):
    registration = _paid(register)
    path = manage_path(registration)
    page = client.get(path).get_data(as_text=True)
    assert 'id="visa-form"' in page and "Request a visa invitation letter" in page
    assert "visa-letter.pdf" not in page  # no letter until requested
    assert client.get(f"{path}/visa-letter.pdf").status_code == 409
    for name in ("passport_number", "date_of_birth", "nationality"):
        assert not hasattr(registration, name)  # never on the registration itself
    register_page = client.get("/met26/register").get_data(as_text=True)
    assert "passport" not in register_page.lower()


def test_visa_request_form_validates_and_keeps_what_was_typed(client, register):
    registration = _paid(register)
    path = manage_path(registration)
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    bad = client.post(
        f"{path}/visa",
        data={
            "visa-passport_number": "AB#12",
            "visa-nationality": "XX",
            "visa-date_of_birth": tomorrow,
        },
    )
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "5 to 20 letters and digits" in page
    assert "Choose a country from the list" in page
    assert "The date of birth must be in the past." in page
    assert 'value="AB#12"' in page and f'value="{tomorrow}"' in page
    garbled = client.post(
        f"{path}/visa",
        data={"visa-passport_number": "", "visa-nationality": "", "visa-date_of_birth": "17/05"},
    )
    page = garbled.get_data(as_text=True)
    assert garbled.status_code == 422 and "Not a valid date value" in page
    assert _visa_count() == 0
    good = client.post(
        f"{path}/visa",
        data={
            "visa-passport_number": "z 1234-5678",
            "visa-nationality": "ng",
            "visa-date_of_birth": "1979-02-28",
        },
    )
    assert good.status_code == 302
    db.session.refresh(registration)
    visa = registration.visa_request
    assert (visa.passport_number, visa.nationality, visa.date_of_birth) == (
        "Z12345678",
        "NG",
        date(1979, 2, 28),
    )
    assert re.fullmatch(r"[2-9A-Z]{4}(-[2-9A-Z]{4}){3}", visa.verification_code)


def test_letter_carries_passport_data_signatory_and_verification_code(
    client, auth, organizer, register
):
    registration = _paid(register, first_name="Amara", last_name="Okafor")
    auth.login(organizer)
    settings_form = {
        "capacity": "",
        "payment_days": "14",
        "offer_hours": "72",
        "proof_hours": "48",
        "visa_signatory_name": "Prof. Ingrid Svensson",
        "visa_signatory_title": "Congress President",
        "visa_retention_days": "30",
    }
    assert client.post("/met26/manage/registration/settings", data=settings_form).status_code == 302
    visa = ask_for_visa_letter(
        registration, passport_number="A07654321", nationality="NG", date_of_birth="1985-11-03"
    )
    letter = _text(client.get(f"{manage_path(registration)}/visa-letter.pdf").data)
    for expected in (
        "Amara Okafor",
        "A07654321",
        "Nigeria",
        "03 November 1985",
        "Prof. Ingrid Svensson",
        "Congress President",
        visa.verification_code,
        f"/met26/verify/visa/{visa.verification_code}",
    ):
        assert expected in letter, expected
    organizer_copy = client.get(
        f"/met26/manage/registrations/{registration.reference}/visa-letter.pdf"
    )
    assert "A07654321" in _text(organizer_copy.data)


def test_verification_page_confirms_a_valid_letter_with_minimal_data(client, register):
    registration = _paid(register, first_name="Amara", last_name="Okafor")
    visa = ask_for_visa_letter(registration, passport_number="A07654321")
    ok = client.get(f"/met26/verify/visa/{visa.verification_code.lower()}")
    page = ok.get_data(as_text=True)
    assert ok.status_code == 200 and "This letter is valid." in page
    assert "Amara Okafor" in page and registration.congress.name in page
    assert registration.congress.starts_on.strftime("%d %B %Y") in page
    assert "A07654321" not in page and registration.email not in page
    assert "no-store" in ok.headers["Cache-Control"]
    wrong = client.get("/met26/verify/visa/AAAA-BBBB-CCCC-DDDD")
    assert wrong.status_code == 404 and "No valid invitation letter" in wrong.get_data(as_text=True)
    assert client.get("/met26/verify/visa/%3Cscript%3E").status_code == 404
    services.cancel_registration(registration, reason="Visa refused")
    db.session.commit()
    gone = client.get(f"/met26/verify/visa/{visa.verification_code}")
    assert gone.status_code == 404  # cancelled: the letter no longer verifies


def test_unpaid_request_is_kept_but_the_letter_waits_for_payment(client, register):
    registration = register()
    visa = ask_for_visa_letter(registration)
    path = manage_path(registration)
    assert client.get(f"{path}/visa-letter.pdf").status_code == 409
    assert client.get(f"/met26/verify/visa/{visa.verification_code}").status_code == 404
    assert "available once fully paid" in client.get(path).get_data(as_text=True)


def test_erasure_and_cancellation_erase_the_passport_data(register):
    erased = _paid(register)
    ask_for_visa_letter(erased)
    cancelled = _paid(register)
    ask_for_visa_letter(cancelled)
    kept = _paid(register)
    ask_for_visa_letter(kept)
    assert _visa_count() == 3
    privacy.erase_registration(erased)
    services.cancel_registration(cancelled, reason="Cannot travel")
    db.session.commit()
    assert _visa_count() == 1
    assert db.session.scalar(select(VisaRequest.registration_id)) == kept.id
    assert privacy.export_data(kept)["visa_request"]["passport_number"] == "P1234567"


def _utc(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(12), tzinfo=ZoneInfo(tz)).astimezone(ZoneInfo("UTC"))


def test_job_erases_visa_data_after_the_congress_plus_retention_days(register, priced):
    congress = priced[0]
    settings = get_settings(congress)
    settings.visa_retention_days = 10
    db.session.commit()
    registration = _paid(register)
    ask_for_visa_letter(registration)
    last_kept_day = congress.ends_on + timedelta(days=10)
    assert purge_expired_visa_data(now=_utc(last_kept_day, congress.timezone)) == 0
    assert _visa_count() == 1
    day_after = last_kept_day + timedelta(days=1)
    assert purge_expired_visa_data(now=_utc(day_after, congress.timezone)) == 1
    db.session.commit()
    assert _visa_count() == 0
    db.session.refresh(registration)
    assert registration.visa_request is None


def test_the_worker_runs_the_visa_purge(register, priced):
    congress = priced[0]
    registration = _paid(register)
    ask_for_visa_letter(registration)
    get_settings(congress).visa_retention_days = 0
    congress.starts_on = date.today() - timedelta(days=5)
    congress.ends_on = date.today() - timedelta(days=2)
    db.session.commit()
    job = [j for j in PERIODIC_JOBS if "visa" in j[2] or "visa" in j[0]]
    assert job, PERIODIC_JOBS
    assert JobRunner(job).run_due() == [job[0][0]]
    assert _visa_count() == 0


@pytest.mark.parametrize("born", ["1880-01-01", "2999-01-01"])
def test_implausible_dates_of_birth_are_refused(register, born):
    from conference.errors import ValidationFailed

    registration = register()
    with pytest.raises(ValidationFailed) as refused:
        ask_for_visa_letter(registration, date_of_birth=born)
    assert "date_of_birth" in refused.value.fields
