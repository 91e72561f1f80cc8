"""Registration rules: fee periods, duplicates, capacity, waiting list, expiry, cancellation."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.models import utcnow
from conference.registration import capacity, checkin, privacy, proofs, services
from conference.registration.fees import period_at
from conference.registration.models import FeePeriod, Registration, RegistrationStatus
from conference.registration.payments import record_payment
from conference.timeutil import local_to_utc
from tests.registration.conftest import PDF_BYTES, attendee_data


def _local(congress, text):
    return local_to_utc(datetime.fromisoformat(text), congress.tz)


def test_fee_period_boundaries_are_exact_in_the_congress_time_zone(priced):
    congress, oncologist, _ = priced
    # Set directly: period_at only reads the two closing dates.
    congress.early_fee_closes_at = _local(congress, "2026-03-01T00:00")
    congress.regular_fee_closes_at = _local(congress, "2026-05-01T00:00")
    # Vienna is UTC+1 in winter: the early fee ends at 23:00 UTC on 28 February.
    last_early = _local(congress, "2026-02-28T23:59:59")
    assert last_early.hour == 22
    assert period_at(congress, last_early) == FeePeriod.EARLY
    assert period_at(congress, _local(congress, "2026-03-01T00:00")) == FeePeriod.REGULAR
    # Summer time (UTC+2) at the second boundary.
    assert period_at(congress, _local(congress, "2026-04-30T23:59:59")) == FeePeriod.REGULAR
    assert period_at(congress, _local(congress, "2026-05-01T00:00")) == FeePeriod.ONSITE
    assert oncologist.fee_for(FeePeriod.ONSITE) == Decimal("650.00")


def test_registration_takes_the_fee_in_force_when_it_is_made(priced, register):
    congress, *_ = priced
    early = register(now=congress.early_fee_closes_at - timedelta(seconds=1))
    regular = register(now=congress.early_fee_closes_at)
    assert (early.fee_period, early.fee_amount) == (FeePeriod.EARLY, Decimal("450.00"))
    assert (regular.fee_period, regular.fee_amount) == (FeePeriod.REGULAR, Decimal("550.00"))
    assert early.status == RegistrationStatus.AWAITING_PAYMENT
    assert early.reference.startswith("MET26-") and len(early.reference) == 10


def test_registration_closed_before_it_opens(priced):
    congress, *_ = priced
    with pytest.raises(Conflict) as exc:
        services.register_attendee(
            congress, attendee_data(), now=congress.registration_opens_at - timedelta(seconds=1)
        )
    assert exc.value.code == "registration_closed"


def test_duplicate_email_is_refused_case_insensitively(register):
    register(email="Dup@Example.org")
    with pytest.raises(Conflict) as exc:
        register(email="dup@EXAMPLE.org")
    assert exc.value.code == "already_registered"
    assert "email" in exc.value.fields


def test_database_refuses_two_active_registrations_for_one_email(register):
    from sqlalchemy.exc import IntegrityError

    first = register(email="twice@example.org")
    clone = Registration(
        congress_id=first.congress_id,
        category_id=first.category_id,
        reference="MET26-ZZZZ",
        manage_salt="x",
        first_name="A",
        last_name="B",
        email="TWICE@example.org",
        email_key="twice@example.org",
        terms_accepted_at=utcnow(),
        fee_period=FeePeriod.EARLY,
        fee_amount=Decimal("1"),
        currency="EUR",
        status=RegistrationStatus.WAITLISTED,
    )
    db.session.add(clone)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_cancelled_email_can_register_again(register):
    first = register(email="again@example.org")
    services.cancel_registration(first)
    db.session.commit()
    assert register(email="again@example.org").status == RegistrationStatus.AWAITING_PAYMENT


def test_field_errors_are_reported_together(priced):
    congress, *_ = priced
    with pytest.raises(ValidationFailed) as exc:
        services.register_attendee(
            congress,
            attendee_data(
                first_name="", email="nope", country="XX", category="wizard", accept_terms=False
            ),
        )
    assert set(exc.value.fields) >= {"first_name", "email", "country", "category", "accept_terms"}


def test_same_submission_key_registers_once(priced):
    congress, *_ = priced
    data = attendee_data()
    first, created = services.register_attendee(congress, data, submission_key="k1")
    db.session.commit()
    again, created_again = services.register_attendee(congress, data, submission_key="k1")
    assert created and not created_again and again.id == first.id


def test_full_congress_waitlists_and_a_cancellation_offers_the_place(priced, register):
    congress, *_ = priced
    services.update_registration_settings(congress, capacity=2, offer_hours=48)
    db.session.commit()
    a, b = register(), register()
    waiting1, waiting2 = register(), register()
    assert [waiting1.status, waiting2.status] == [RegistrationStatus.WAITLISTED] * 2
    assert capacity.waitlist_position(waiting2) == 2
    services.cancel_registration(a)
    db.session.commit()
    assert waiting1.status == RegistrationStatus.AWAITING_PAYMENT
    assert waiting1.expires_at == waiting1.offered_at + timedelta(hours=48)
    assert waiting2.status == RegistrationStatus.WAITLISTED
    offers = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "registration/waitlist_offer")
    ).all()
    assert [m.to_address for m in offers] == [waiting1.email]
    assert b.status == RegistrationStatus.AWAITING_PAYMENT


def test_category_capacity_is_separate_from_the_congress(priced, register):
    oncologist = priced[1]
    services.set_category_rules(oncologist, capacity=1)
    db.session.commit()
    assert register().status == RegistrationStatus.AWAITING_PAYMENT
    assert register().status == RegistrationStatus.WAITLISTED
    student = register(category="student-trainee", proof=("letter.pdf", PDF_BYTES))
    assert student.status == RegistrationStatus.AWAITING_VERIFICATION


def test_unpaid_registrations_expire_and_the_place_goes_to_the_waiting_list(priced, register):
    congress, *_ = priced
    services.update_registration_settings(congress, capacity=1, payment_days=3)
    db.session.commit()
    unpaid = register()
    waiting = register()
    assert unpaid.expires_at == unpaid.created_at + timedelta(days=3) or unpaid.expires_at
    assert capacity.expire_unpaid(congress, now=utcnow() + timedelta(days=2)) == []
    expired = capacity.expire_unpaid(congress, now=utcnow() + timedelta(days=3, seconds=5))
    db.session.commit()
    assert expired == [unpaid]
    assert unpaid.status == RegistrationStatus.CANCELLED
    assert waiting.status == RegistrationStatus.AWAITING_PAYMENT


def test_expire_command(register, runner):
    unpaid = register()
    unpaid.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    result = runner.invoke(args=["registration", "expire"])
    assert result.exit_code == 0, result.output
    assert "1 expired" in result.output
    db.session.refresh(unpaid)
    assert unpaid.status == RegistrationStatus.CANCELLED


def test_the_background_worker_expires_unpaid_registrations(register):
    from conference.mail import run_worker

    unpaid = register()
    unpaid.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    registration_id = unpaid.id
    run_worker(interval=0, max_rounds=1)
    assert db.session.get(Registration, registration_id).status == RegistrationStatus.CANCELLED


def test_proof_approval_then_payment_confirms(register, organizer):
    student = register(category="student-trainee", proof=("letter.pdf", PDF_BYTES))
    assert student.status == RegistrationStatus.AWAITING_VERIFICATION
    with pytest.raises(Conflict):
        record_payment(student, kind="bank_transfer", amount="150.00", by=organizer)
    proofs.approve_proof(student, organizer)
    assert student.status == RegistrationStatus.AWAITING_PAYMENT
    record_payment(student, kind="bank_transfer", amount="100.00", by=organizer)
    assert student.status == RegistrationStatus.AWAITING_PAYMENT
    assert student.amount_due == Decimal("50.00")
    with pytest.raises(Conflict) as exc:
        record_payment(student, kind="card_on_site", amount="60.00", by=organizer)
    assert exc.value.code == "overpayment"
    record_payment(student, kind="card_on_site", amount="50.00", by=organizer)
    assert student.status == RegistrationStatus.CONFIRMED
    assert student.receipts[0].number == 1


def test_refused_proof_keeps_waiting_with_the_reason(register, organizer):
    student = register(category="student-trainee", proof=("letter.pdf", PDF_BYTES))
    with pytest.raises(ValidationFailed):
        proofs.refuse_proof(student, organizer, "")
    proofs.refuse_proof(student, organizer, "The letter is older than 6 months.")
    assert student.status == RegistrationStatus.AWAITING_VERIFICATION
    assert student.proof_status == "refused"
    proofs.upload_proof(student, "new.pdf", PDF_BYTES)
    assert student.proof_status == "pending"


def test_proof_content_is_checked_not_its_name(priced):
    congress, *_ = priced
    with pytest.raises(ValidationFailed) as exc:
        services.register_attendee(
            congress,
            attendee_data(category="student-trainee"),
            proof=("letter.pdf", b"MZ\x90\x00 not a pdf"),
        )
    assert "proof" in exc.value.fields
    with pytest.raises(ValidationFailed):
        services.register_attendee(
            congress,
            attendee_data(category="student-trainee"),
            proof=("big.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024)),
        )


def test_payments_are_idempotent_and_receipt_numbers_gapless(register, organizer):
    a, b = register(), register()
    first = record_payment(a, kind="bank_transfer", amount="450.00", idempotency_key="p1")
    again = record_payment(a, kind="bank_transfer", amount="450.00", idempotency_key="p1")
    assert first.id == again.id and len(a.payments) == 1
    record_payment(b, kind="card_on_site", amount="450.00")
    db.session.commit()
    assert [a.receipts[0].number, b.receipts[0].number] == [1, 2]
    assert b.status == RegistrationStatus.CONFIRMED and b.amount_due == 0


def test_cancellation_before_the_deadline_refunds_minus_the_fee(priced, register):
    congress, *_ = priced
    paid = register()
    record_payment(paid, kind="bank_transfer", amount="450.00")
    services.cancel_registration(paid, now=congress.refund_deadline_at - timedelta(seconds=1))
    refunds = [p for p in paid.payments if p.kind == "refund"]
    assert [r.amount for r in refunds] == [Decimal("400.00")]
    late = register()
    record_payment(late, kind="bank_transfer", amount="450.00")
    services.cancel_registration(late, now=congress.refund_deadline_at)
    assert [p for p in late.payments if p.kind == "refund"] == []
    with pytest.raises(Conflict):
        services.cancel_registration(late)


def test_check_in_twice_is_refused_with_the_first_time(register):
    confirmed = register()
    record_payment(confirmed, kind="bank_transfer", amount="450.00")
    first = checkin.check_in(confirmed)
    assert first.checked_in_at is not None
    with pytest.raises(Conflict) as exc:
        checkin.check_in(confirmed)
    assert exc.value.code == "already_checked_in"
    assert exc.value.extra["checked_in_at"] == confirmed.checked_in_at.isoformat()


def test_check_in_refuses_unpaid_and_cancelled(register):
    unpaid = register()
    with pytest.raises(Conflict) as exc:
        checkin.check_in(unpaid)
    assert exc.value.code == "not_paid"
    services.cancel_registration(unpaid)
    with pytest.raises(Conflict) as exc:
        checkin.check_in(unpaid)
    assert exc.value.code == "cancelled"


def test_erasure_removes_personal_data_but_keeps_counts_and_payments(register):
    registration = register(
        email="forget@example.org", dietary="Vegan", proof=None, affiliation="Secret Lab"
    )
    record_payment(registration, kind="bank_transfer", amount="450.00")
    data = privacy.export_data(registration)
    assert data["email"] == "forget@example.org" and data["dietary"] == "Vegan"
    privacy.erase_registration(registration)
    db.session.commit()
    assert registration.status == RegistrationStatus.CANCELLED
    assert "forget" not in registration.email and registration.email_key is None
    assert registration.affiliation == "" and registration.dietary == ""
    assert registration.last_name == "attendee"
    assert registration.country == "FR" and registration.category.slug == "oncologist"
    assert len(registration.payments) == 2  # the payment and its refund are kept
    assert registration.receipts


def test_erasure_also_removes_delivered_mail_to_the_attendee(register, smtp):
    from tests.conftest import deliver_outbox

    registration = register(email="forget@example.org", proof=None)
    deliver_outbox()
    privacy.erase_registration(registration)
    db.session.commit()
    leftover = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.body_text.contains("forget@example.org"))
    ).all()
    addressed = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == "forget@example.org")
    ).all()
    assert leftover == []
    assert [m.status for m in addressed] == ["queued"]  # only the cancellation, still to go


def test_an_unreachable_mail_server_never_loses_a_registration(register, smtp):
    from tests.conftest import deliver_outbox

    smtp.stop()
    registration = register(email="patient@example.org")
    counts = deliver_outbox()
    assert counts["retry"] == 1 and counts["sent"] == 0
    assert db.session.get(Registration, registration.id) is not None
    smtp.start()
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == "patient@example.org")
    ).one()
    message.next_attempt_at = utcnow()
    db.session.commit()
    assert deliver_outbox()["sent"] == 1
    assert registration.reference in smtp.text_of(smtp.to("patient@example.org")[0])


def test_an_unanswered_offer_expires_and_goes_to_the_next_person(priced, register):
    congress, *_ = priced
    services.update_registration_settings(congress, capacity=1, offer_hours=24)
    db.session.commit()
    first = register()
    second, third = register(), register()
    services.cancel_registration(first)
    db.session.commit()
    assert second.status == RegistrationStatus.AWAITING_PAYMENT
    later = second.offered_at + timedelta(hours=24, seconds=1)
    assert capacity.expire_unpaid(congress, now=later) == [second]
    db.session.commit()
    assert third.status == RegistrationStatus.AWAITING_PAYMENT and third.offered_at == later
    kinds = db.session.scalars(
        select(OutboxMessage.kind)
        .where(OutboxMessage.to_address == second.email)
        .order_by(OutboxMessage.id)
    ).all()
    assert kinds == [
        "registration/received",
        "registration/waitlist_offer",
        "registration/cancelled",
    ]


def test_raising_a_category_capacity_offers_places_to_the_waiting_list(priced, register):
    oncologist = priced[1]
    services.set_category_rules(oncologist, capacity=1)
    db.session.commit()
    register()
    waiting = register()
    assert waiting.status == RegistrationStatus.WAITLISTED
    services.set_category_rules(oncologist, capacity=2)
    db.session.commit()
    assert waiting.status == RegistrationStatus.AWAITING_PAYMENT and waiting.offered_at


def test_a_submission_key_cannot_fetch_someone_elses_registration(priced):
    congress, *_ = priced
    services.register_attendee(congress, attendee_data(), submission_key="shared")
    db.session.commit()
    with pytest.raises(Conflict) as exc:
        services.register_attendee(congress, attendee_data(), submission_key="shared")
    assert exc.value.code == "idempotency_key_reused"


def test_registration_is_open_agrees_with_check_open(priced):
    """The register page's notice and the service's refusal read the same window."""
    congress, *_ = priced
    opens, closes = services.registration_window(congress)
    for now, expected in [
        (opens - timedelta(seconds=1), False),
        (opens, True),
        (closes - timedelta(seconds=1), True),
        (closes, False),
    ]:
        assert services.registration_is_open(congress, now) is expected
        if expected:
            services.check_open(congress, now)
        else:
            with pytest.raises(Conflict):
                services.check_open(congress, now)
    congress.registration_opens_at = None
    assert not services.registration_is_open(congress, utcnow())
